/**
 * Public API of checkpointer: a reactive, non-blocking checkpointer for object stores.
 *
 * <p>Start with {@link dev.checkpointer.Checkpointer#open(String)} or {@link dev.checkpointer.Checkpointer#builder()}.
 * Every reactive method returns a cold {@code Mono} or {@code Flux} that never throws: failures arrive as error
 * signals, all of them subclasses of {@link dev.checkpointer.CheckpointException}.
 */
@NullMarked
package dev.checkpointer;

import org.jspecify.annotations.NullMarked;

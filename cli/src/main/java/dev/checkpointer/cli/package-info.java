/**
 * The {@code checkpointer} command-line tool: {@code list}, {@code inspect}, {@code verify}, {@code repair},
 * {@code delete}, {@code prune} and {@code copy} checkpoints in any store the library can open, and a {@code demo} that crashes and
 * recovers a real Reactor pipeline. The entry point is {@link dev.checkpointer.cli.Main}; everything else is
 * package-private.
 */
@NullMarked
package dev.checkpointer.cli;

import org.jspecify.annotations.NullMarked;

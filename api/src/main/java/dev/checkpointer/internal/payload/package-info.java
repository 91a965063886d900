/** Payload implementations. Not API. */
@NullMarked
package dev.checkpointer.internal.payload;

import org.jspecify.annotations.NullMarked;

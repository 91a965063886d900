/**
 * Content-defined chunking (FastCDC) and per-chunk compression for incremental, deduplicated checkpoints.
 * Foundations only: the engine does not use this package yet. Not API: may change in any release.
 */
@NullMarked
package dev.checkpointer.internal.chunk;

import org.jspecify.annotations.NullMarked;

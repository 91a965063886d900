/**
 * Content-defined chunking (FastCDC) and per-chunk compression for incremental, deduplicated checkpoints.
 * Used by the engine for chunked partition entries ({@link dev.checkpointer.internal.chunk.Chunker}). Not API: may change in any release.
 */
@NullMarked
package dev.checkpointer.internal.chunk;

import org.jspecify.annotations.NullMarked;

/** The in-memory store's implementation; not an API: use {@code MemoryStore} or {@code memory://} URIs. */
@NullMarked
package dev.checkpointer.store.memory.internal;

import org.jspecify.annotations.NullMarked;

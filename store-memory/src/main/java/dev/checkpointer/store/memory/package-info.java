/**
 * The in-memory store, with cloud semantics, for tests, demos and benchmarks ({@code memory://name/prefix}):
 * {@link dev.checkpointer.store.memory.MemoryStore} and the {@code memory} URI scheme's provider. Fault injection
 * and tampering for tests are in the testkit's {@code FaultInjectingStore}, over any store.
 */
@NullMarked
package dev.checkpointer.store.memory;

import org.jspecify.annotations.NullMarked;

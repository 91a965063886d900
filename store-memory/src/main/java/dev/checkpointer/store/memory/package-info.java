/**
 * The in-memory store: cloud semantics and fault injection for tests, demos and benchmarks
 * ({@code memory://name/prefix}).
 */
@NullMarked
package dev.checkpointer.store.memory;

import org.jspecify.annotations.NullMarked;

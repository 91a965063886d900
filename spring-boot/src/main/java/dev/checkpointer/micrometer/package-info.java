/**
 * Micrometer instrumentation of the checkpointer, free of Spring: a {@link dev.checkpointer.CheckpointListener} that
 * times saves and counts retries, throttles, integrity failures, fencing refusals and corrupt checkpoints, and an
 * {@link dev.checkpointer.spi.ObjectStore} wrapper that counts requests and bytes per store operation. Written so
 * that it can move into the core (or a {@code checkpointer-micrometer} module) unchanged.
 */
package dev.checkpointer.micrometer;

/**
 * Micrometer instrumentation of the checkpointer, free of Spring. Turned on with
 * {@link dev.checkpointer.CheckpointerBuilder#meterRegistry(io.micrometer.core.instrument.MeterRegistry)}, which
 * records saves, loads, partition reads, retries, throttles, integrity failures, fencing refusals, corrupt
 * checkpoints, skipped ticks, failed periodic checkpoints, and requests and bytes per store operation (the instrumentation itself lives in
 * {@code dev.checkpointer.internal.micrometer}). Meter names and tags are in
 * {@link dev.checkpointer.micrometer.CheckpointerMeters}.
 *
 * <p>{@code io.micrometer:micrometer-core} is an optional dependency of {@code checkpointer-api}: add it to use this
 * package. Without it the rest of the library works unchanged, as long as {@code meterRegistry(..)} is not called.
 */
@NullMarked
package dev.checkpointer.micrometer;

import org.jspecify.annotations.NullMarked;

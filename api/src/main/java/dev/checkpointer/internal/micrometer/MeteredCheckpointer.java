package dev.checkpointer.internal.micrometer;

import dev.checkpointer.micrometer.CheckpointerMeters;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Snapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A {@link Checkpointer} that forwards to another and records the read side, which has no listener hook: the
 * {@link CheckpointerMeters#LOAD} timer for {@code latest()} and {@code load(id)}, the {@link CheckpointerMeters#READ}
 * timer for partition reads of the checkpoints they return, {@link CheckpointerMeters#INTEGRITY_FAILURES} for reads
 * whose digest or size did not match, and {@link CheckpointerMeters#CONFLICTS} for refused
 * {@link #commit commits} of the many-hosts protocol. Saves are recorded by {@link MicrometerCheckpointListener}
 * (listener hooks), store requests and bytes by {@link MeteredObjectStore}; {@code CheckpointerBuilder.meterRegistry}
 * installs all three.
 */
public final class MeteredCheckpointer implements Checkpointer {
    private final Checkpointer delegate;
    private final MeterRegistry registry;
    private final Tags tags;

    /**
     * Wraps a checkpointer.
     *
     * @param delegate the checkpointer doing the work; closed with this one
     * @param registry where to record
     * @param store the store tag value, e.g. from {@link CheckpointerMeters#storeTag}
     * @param extraTags more common tags; keep them low-cardinality
     */
    public MeteredCheckpointer(Checkpointer delegate, MeterRegistry registry, String store, Iterable<Tag> extraTags) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(CheckpointerMeters.TAG_STORE, Objects.requireNonNull(store, "store")).and(extraTags);
    }

    /**
     * The wrapped checkpointer.
     *
     * @return the delegate
     */
    public Checkpointer delegate() {
        return delegate;
    }

    @Override
    public Mono<Manifest> save(Snapshot snapshot) {
        return delegate.save(snapshot);
    }

    @Override
    public Mono<Checkpoint> latest() {
        return timedLoad("latest", delegate.latest());
    }

    @Override
    public Mono<Checkpoint> load(CheckpointId id) {
        return timedLoad("load", delegate.load(id));
    }

    @Override
    public Flux<Manifest> list() {
        return delegate.list();
    }

    @Override
    public Mono<Void> delete(CheckpointId id) {
        return delegate.delete(id);
    }

    @Override
    public Mono<PruneReport> prune() {
        return delegate.prune();
    }

    @Override
    public Mono<Manifest> repairPointer() {
        return delegate.repairPointer();
    }

    @Override
    public Mono<CheckpointId> begin() {
        return delegate.begin();
    }

    @Override
    public Mono<PartitionEntry> stage(CheckpointId id, String operator, int partition, PartitionKind kind, Payload payload) {
        return delegate.stage(id, operator, partition, kind, payload);
    }

    @Override
    public Mono<Manifest> commit(CheckpointId id, CheckpointMetadata metadata, List<PartitionEntry> entries) {
        return delegate.commit(id, metadata, entries).doOnError(this::countRefusal);
    }

    @Override
    public Mono<Void> abort(CheckpointId id) {
        return delegate.abort(id);
    }

    @Override
    public Flux<Manifest> every(Duration period, Supplier<Mono<Snapshot>> snapshots, dev.checkpointer.EveryOptions options) {
        return delegate.every(period, snapshots, options);
    }

    @Override
    public <T, S> dev.checkpointer.CheckpointedPipeline<T, S> pipeline(dev.checkpointer.PipelineSpec<T, S> spec) {
        return delegate.pipeline(spec);
    }

    @Override
    public Mono<List<dev.checkpointer.SinkStatus>> sinkStatuses(CheckpointId id) {
        return delegate.sinkStatuses(id);
    }

    @Override
    public Mono<dev.checkpointer.SinkStatus> markSink(CheckpointId id, String sink, dev.checkpointer.SinkState state,
                                                     @Nullable String detail) {
        return delegate.markSink(id, sink, state, detail);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate.toString();
    }

    // ------------------------------------------------------------------------------------------------- recording

    private Mono<Checkpoint> timedLoad(String operation, Mono<Checkpoint> call) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            AtomicBoolean done = new AtomicBoolean();
            return call
                    .doOnSuccess(c -> {
                        if (done.compareAndSet(false, true)) {
                            record(CheckpointerMeters.LOAD, "Time to find and verify a checkpoint (latest or load)", operation, start,
                                    c == null ? "none" : "found", null);
                        }
                    })
                    .doOnError(e -> {
                        if (done.compareAndSet(false, true)) {
                            record(CheckpointerMeters.LOAD, "Time to find and verify a checkpoint (latest or load)", operation, start, "failed", e);
                        }
                    })
                    .doOnCancel(() -> {
                        if (done.compareAndSet(false, true)) {
                            record(CheckpointerMeters.LOAD, "Time to find and verify a checkpoint (latest or load)", operation, start,
                                    "cancelled", null);
                        }
                    })
                    .map(MeteredCheckpoint::new);
        });
    }

    private void record(String name, String description, String operation, long startNanos, String outcome, @Nullable Throwable error) {
        Timer.builder(name)
                .description(description)
                .tags(tags)
                .tag(CheckpointerMeters.TAG_OPERATION, operation)
                .tag(CheckpointerMeters.TAG_OUTCOME, outcome)
                .tag(CheckpointerMeters.TAG_ERROR, Meters.errorTag(error))
                .register(registry)
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
        if (error instanceof CheckpointException ce && ce.code() == ErrorCode.INTEGRITY) {
            Counter.builder(CheckpointerMeters.INTEGRITY_FAILURES).description(Meters.INTEGRITY_FAILURES_DESCRIPTION)
                    .tags(tags).register(registry).increment();
        }
    }

    private void countRefusal(Throwable error) {
        if (error instanceof ConcurrentCheckpointException cce) {
            Counter.builder(CheckpointerMeters.CONFLICTS).description(Meters.CONFLICTS_DESCRIPTION)
                    .tags(tags).tag(CheckpointerMeters.TAG_REASON, Meters.conflictReason(cce)).register(registry).increment();
        }
    }

    /** A loaded checkpoint whose partition reads are timed. */
    private final class MeteredCheckpoint implements Checkpoint {
        private static final String DESCRIPTION = "Time to read and verify one partition of a checkpoint";
        private final Checkpoint checkpoint;

        MeteredCheckpoint(Checkpoint checkpoint) {
            this.checkpoint = checkpoint;
        }

        @Override
        public Manifest manifest() {
            return checkpoint.manifest();
        }

        @Override
        public CheckpointId id() {
            return checkpoint.id();
        }

        @Override
        public Mono<ByteBuffer> read(String operator, int partition) {
            return Mono.defer(() -> {
                long start = System.nanoTime();
                AtomicBoolean done = new AtomicBoolean();
                return checkpoint.read(operator, partition)
                        .doOnSuccess(b -> {
                            if (done.compareAndSet(false, true)) {
                                record(CheckpointerMeters.READ, DESCRIPTION, "read", start, "success", null);
                            }
                        })
                        .doOnError(e -> {
                            if (done.compareAndSet(false, true)) {
                                record(CheckpointerMeters.READ, DESCRIPTION, "read", start, "failed", e);
                            }
                        })
                        .doOnCancel(() -> {
                            if (done.compareAndSet(false, true)) {
                                record(CheckpointerMeters.READ, DESCRIPTION, "read", start, "cancelled", null);
                            }
                        });
            });
        }

        @Override
        public Flux<ByteBuffer> stream(String operator, int partition) {
            return Flux.defer(() -> {
                long start = System.nanoTime();
                AtomicBoolean done = new AtomicBoolean();
                return checkpoint.stream(operator, partition)
                        .doOnComplete(() -> {
                            if (done.compareAndSet(false, true)) {
                                record(CheckpointerMeters.READ, DESCRIPTION, "stream", start, "success", null);
                            }
                        })
                        .doOnError(e -> {
                            if (done.compareAndSet(false, true)) {
                                record(CheckpointerMeters.READ, DESCRIPTION, "stream", start, "failed", e);
                            }
                        })
                        .doOnCancel(() -> {
                            if (done.compareAndSet(false, true)) {
                                record(CheckpointerMeters.READ, DESCRIPTION, "stream", start, "cancelled", null);
                            }
                        });
            });
        }

        @Override
        public String toString() {
            return checkpoint.toString();
        }
    }
}

package dev.checkpointer.internal;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.EveryOptions;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Snapshot;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The checkpointer: a thin facade that checks arguments and "closed" once, then hands each operation to the part
 * of the engine that owns it. Thread-safe; one instance per location.
 * <ul>
 *   <li>{@link Protocol}: the pointer, epochs, prepare, publish (compare-and-swap), rebase, roll forward;</li>
 *   <li>{@link LocationState}: what this checkpointer knows of the location (view, chain members, ids, epoch);</li>
 *   <li>{@link Chain}: reading and walking the chain of manifests;</li>
 *   <li>{@link Reads}: {@code latest}, {@code load}, {@code list}, recovery and repair of a lost pointer;</li>
 *   <li>{@link Saves}: {@code save}, {@code begin}/{@code stage}/{@code commit}, uploads;</li>
 *   <li>{@link Janitor}: retention, {@code delete}, {@code abort}, {@code prune};</li>
 *   <li>{@link SinkStatuses}: sink statuses of committed checkpoints (compare-and-swap beside the manifest);</li>
 *   <li>{@link DefaultPipeline}: the checkpointed pipeline operator, on top of the public methods.</li>
 * </ul>
 * The protocol is written down in {@code docs/PROTOCOL.md}.
 */
final class DefaultCheckpointer implements Checkpointer {
    private static final Logger log = LoggerFactory.getLogger(DefaultCheckpointer.class);

    private final Context ctx;
    private final Reads reads;
    private final Saves saves;
    private final Janitor janitor;
    private final SinkStatuses sinks;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates the engine; use {@link Checkpointer#builder()} (which calls {@link Engine#open}).
     *
     * @param config validated settings
     */
    DefaultCheckpointer(EngineConfig config) {
        this.ctx = new Context(Objects.requireNonNull(config, "config"), ProtocolRules.current());
        Chain chain = new Chain(ctx);
        Protocol protocol = new Protocol(ctx, chain);
        this.reads = new Reads(ctx, chain, protocol);
        this.janitor = new Janitor(ctx, chain, protocol);
        this.saves = new Saves(ctx, chain, protocol, janitor, reads);
        this.sinks = new SinkStatuses(ctx, reads);
    }

    /**
     * A writer id naming host, process and a random suffix.
     *
     * @return the id
     */
    static String defaultWriterId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception | Error e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + "/" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    }

    private <T> Mono<T> open(Supplier<Mono<T>> work) {
        return Mono.defer(() -> closed.get() ? Mono.error(closedError()) : work.get());
    }

    private <T> Flux<T> openMany(Supplier<Flux<T>> work) {
        return Flux.defer(() -> closed.get() ? Flux.error(closedError()) : work.get());
    }

    @Override
    public Mono<Manifest> save(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        return open(() -> saves.save(snapshot));
    }

    @Override
    public Mono<Checkpoint> latest() {
        return open(reads::latest);
    }

    @Override
    public Mono<Checkpoint> load(CheckpointId id) {
        Objects.requireNonNull(id, "id");
        return open(() -> reads.load(id));
    }

    @Override
    public Flux<Manifest> list() {
        return openMany(reads::list);
    }

    @Override
    public Mono<Void> delete(CheckpointId id) {
        Objects.requireNonNull(id, "id");
        return open(() -> janitor.delete(id));
    }

    @Override
    public Mono<PruneReport> prune() {
        return open(janitor::prune);
    }

    @Override
    public Mono<Manifest> repairPointer() {
        return open(reads::repair);
    }

    @Override
    public Mono<CheckpointId> begin() {
        return open(saves::begin);
    }

    @Override
    public Mono<PartitionEntry> stage(CheckpointId id, String operator, int partition, PartitionKind kind, Payload payload) {
        Objects.requireNonNull(id, "id");
        return open(() -> saves.stage(id, operator, partition, kind, payload));
    }

    @Override
    public Mono<Manifest> commit(CheckpointId id, CheckpointMetadata metadata, List<PartitionEntry> entries) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(entries, "entries");
        return open(() -> saves.commit(id, metadata, entries));
    }

    @Override
    public Mono<Void> abort(CheckpointId id) {
        Objects.requireNonNull(id, "id");
        return open(() -> janitor.abort(id).doOnNext(saves::aborted).then());
    }

    @Override
    public Flux<Manifest> every(Duration period, Supplier<Mono<Snapshot>> snapshots, EveryOptions options) {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(snapshots, "snapshots");
        Objects.requireNonNull(options, "options");
        if (period.isZero() || period.isNegative()) {
            return Flux.error(new InvalidInputException("period must be positive, got " + period));
        }
        int giveUpAfter = options.maxConsecutiveFailures().orElse(Integer.MAX_VALUE);
        return Flux.defer(() -> {
            // per subscription: two subscribers of one every() flux are two independent schedules
            AtomicLong skipped = new AtomicLong();
            AtomicInteger failuresInARow = new AtomicInteger();
            return Flux.interval(period, period)
                    // Ticks that arrive while a save runs are dropped (concatMap below asks for one tick at a time), so
                    // slow saves never queue up: at most one save runs, and the next starts at the next tick after it.
                    .onBackpressureDrop(tick -> {
                        long n = skipped.incrementAndGet();
                        log.debug("checkpoint tick skipped: the previous save is still running ({} skipped so far)", n);
                        ctx.notifyListeners(l -> l.onTickSkipped(n));
                    })
                    // The save continues on a Reactor worker, not on the thread that completed the snapshot (often the
                    // pipeline's own), so checkpointing never stalls the pipeline.
                    .concatMap(tick -> Mono.defer(snapshots)
                            .onErrorMap(SnapshotFailure::new)
                            .publishOn(Schedulers.parallel())
                            .flatMap(this::save)
                            .doOnNext(m -> failuresInARow.set(0))
                            .onErrorResume(e -> periodicFailure(e, failuresInARow.incrementAndGet(), giveUpAfter)), 0);
        });
    }

    /** Reports a failed periodic checkpoint; empty to keep going, the failure itself to give up. */
    Mono<Manifest> periodicFailure(Throwable failure, int inARow, int giveUpAfter) {
        boolean ofSnapshot = failure instanceof SnapshotFailure;
        Throwable e = ofSnapshot ? failure.getCause() : failure;
        boolean hopeless = (e instanceof CheckpointException ce && ce.code() == ErrorCode.CLOSED)
                || (e instanceof ConcurrentCheckpointException cce && cce.fenced());
        boolean givingUp = hopeless || inARow >= giveUpAfter;
        String what = ofSnapshot ? "snapshot supplier" : "save";
        String next = hopeless ? "no later checkpoint can succeed, stopping" : givingUp ? "giving up" : "trying again at the next tick";
        log.warn("periodic checkpoint failed at {} ({} in a row, {}): {}; {}", ctx.store.describe(), inARow, what, describe(e), next);
        log.debug("periodic checkpoint failure at {} ({} in a row)", ctx.store.describe(), inARow, e);
        ctx.notifyListeners(l -> l.onPeriodicCheckpointFailed(e, inARow));
        return givingUp ? Mono.error(e) : Mono.empty();
    }

    /** A failure in one line: its type and message, and its cause's when that says something more. */
    private static String describe(Throwable e) {
        String s = e.getClass().getSimpleName() + ": " + e.getMessage();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && (e.getMessage() == null || !e.getMessage().contains(cause.getMessage()))) {
            s += " (caused by " + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        }
        return s;
    }

    /** Marks a failure of the user's snapshot supplier, as opposed to one of the save (not a stack trace holder). */
    private static final class SnapshotFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SnapshotFailure(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    @Override
    public <T, S> dev.checkpointer.CheckpointedPipeline<T, S> pipeline(dev.checkpointer.PipelineSpec<T, S> spec) {
        Objects.requireNonNull(spec, "spec");
        return new DefaultPipeline<>(this, spec, this::periodicFailure, n -> ctx.notifyListeners(l -> l.onTickSkipped(n)));
    }

    @Override
    public Mono<List<dev.checkpointer.SinkStatus>> sinkStatuses(CheckpointId id) {
        Objects.requireNonNull(id, "id");
        return open(() -> sinks.statuses(id));
    }

    @Override
    public Mono<dev.checkpointer.SinkStatus> markSink(CheckpointId id, String sink, dev.checkpointer.SinkState state,
                                                     @org.jspecify.annotations.Nullable String detail) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(state, "state");
        return open(() -> sinks.mark(id, sink, state, detail));
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            ctx.cpu.close();
            if (ctx.config.ownsStore()) {
                ctx.store.close();
            }
        }
    }

    @Override
    public String toString() {
        return "Checkpointer[" + ctx.store.describe() + ", writer=" + ctx.writerId() + "]";
    }

    private CheckpointException closedError() {
        return new CheckpointException(ErrorCode.CLOSED, "checkpointer for " + ctx.store.describe() + " is closed");
    }

    /** The location's state as this checkpointer knows it (for the engine's own tests). */
    LocationState state() {
        return ctx.state;
    }
}

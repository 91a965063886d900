package dev.checkpointer.internal;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
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
 *   <li>{@link Janitor}: retention, {@code delete}, {@code abort}, {@code prune}.</li>
 * </ul>
 * The protocol is written down in {@code docs/PROTOCOL.md}.
 */
public final class DefaultCheckpointer implements Checkpointer {
    private static final Logger log = LoggerFactory.getLogger(DefaultCheckpointer.class);

    private final Context ctx;
    private final Reads reads;
    private final Saves saves;
    private final Janitor janitor;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates the engine; use {@link Checkpointer#builder()}.
     *
     * @param config validated settings
     */
    public DefaultCheckpointer(EngineConfig config) {
        this.ctx = new Context(Objects.requireNonNull(config, "config"), ProtocolRules.current());
        Chain chain = new Chain(ctx);
        Protocol protocol = new Protocol(ctx, chain);
        this.reads = new Reads(ctx, chain, protocol);
        this.janitor = new Janitor(ctx, chain, protocol);
        this.saves = new Saves(ctx, protocol, janitor, reads);
    }

    /**
     * A writer id naming host, process and a random suffix.
     *
     * @return the id
     */
    public static String defaultWriterId() {
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
    public Flux<Manifest> every(Duration period, Supplier<Mono<Snapshot>> snapshots) {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(snapshots, "snapshots");
        if (period.isZero() || period.isNegative()) {
            return Flux.error(new InvalidInputException("period must be positive, got " + period));
        }
        AtomicLong skipped = new AtomicLong();
        return Flux.interval(period, period)
                .onBackpressureDrop(tick -> {
                    long n = skipped.incrementAndGet();
                    log.debug("checkpoint tick skipped: the previous save is still running ({} skipped so far)", n);
                    ctx.notifyListeners(l -> l.onTickSkipped(n));
                })
                // The save continues on a Reactor worker, not on the thread that completed the snapshot (often the
                // pipeline's own), so checkpointing never stalls the pipeline.
                .concatMap(tick -> Mono.defer(snapshots).publishOn(Schedulers.parallel()).flatMap(this::save), 0);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ctx.config.ownsStore()) {
            ctx.store.close();
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

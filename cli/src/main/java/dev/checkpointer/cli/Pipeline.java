package dev.checkpointer.cli;

import dev.checkpointer.Snapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * The demo's streaming job: reads every partition of the {@link ClickSource} from the state's offsets, counts clicks
 * per user, and answers snapshot requests.
 *
 * <p>Consistency comes from one serialized path, as checkpoint barriers give it in Flink: events and snapshot
 * requests ("barriers") are merged into one Flux, whose items are handled one at a time. A barrier captures the
 * counts and the offsets between two events, so every snapshot holds exactly the events before its offsets, never
 * half of one.
 */
final class Pipeline {
    /** What flows through the serialized path: a click, or a barrier asking for a snapshot. */
    sealed interface Item permits ClickSource.Click, Barrier {}

    /** A snapshot request; answered on the processing path. */
    record Barrier(Sinks.One<Snapshot> reply) implements Item {}

    private final ClickSource source;
    private final CountState state;
    private final String fingerprint;
    private final Map<String, String> metadata;
    private final Consumer<Pipeline> afterEvent;
    private final Sinks.Many<Item> barriers = Sinks.many().unicast().onBackpressureBuffer();
    private final AtomicLong processed = new AtomicLong();
    private final AtomicLong sinceSnapshot = new AtomicLong();
    private final AtomicInteger snapshots = new AtomicInteger();
    private volatile boolean drained;

    /**
     * @param source the input
     * @param state the state to update (fresh or restored); its offsets say where reading starts
     * @param fingerprint recorded in every snapshot
     * @param metadata recorded in every snapshot
     * @param afterEvent called on the processing path after each event (the demo's crash switch)
     */
    Pipeline(ClickSource source, CountState state, String fingerprint, Map<String, String> metadata, Consumer<Pipeline> afterEvent) {
        this.source = source;
        this.state = state;
        this.fingerprint = fingerprint;
        this.metadata = Map.copyOf(metadata);
        this.afterEvent = afterEvent;
    }

    /**
     * The running job: completes never (it waits for more snapshot requests after the input is drained); cancel it
     * to stop. Cold, but meant to be subscribed once.
     *
     * @param perTick events read per partition at each tick
     * @param tick the pace of the source
     * @return the job
     */
    Mono<Void> process(int perTick, Duration tick) {
        return Flux.defer(() -> {
            drained = state.consumedAll();
            List<Flux<ClickSource.Click>> partitions = new ArrayList<>();
            for (int p = 0; p < source.partitions(); p++) {
                partitions.add(source.read(p, state.offset(p), perTick, tick));
            }
            return Flux.merge(Flux.<Item>merge(partitions), barriers.asFlux());
        }).doOnNext(this::handle).then();
    }

    /** Starts the job; failures (such as an offset gap) go to {@code onError}. */
    Disposable start(int perTick, Duration tick, Consumer<Throwable> onError) {
        return process(perTick, tick).subscribe(null, onError);
    }

    private void handle(Item item) {
        if (item instanceof ClickSource.Click c) {
            state.apply(c);
            processed.incrementAndGet();
            sinceSnapshot.incrementAndGet();
            if (state.consumedAll()) {
                drained = true;
            }
            afterEvent.accept(this);
        } else if (item instanceof Barrier b) {
            Snapshot s = state.snapshot(fingerprint, metadata);
            sinceSnapshot.set(0);
            snapshots.incrementAndGet();
            b.reply().tryEmitValue(s);
        }
    }

    /**
     * A snapshot of the state at the next point between two events: for {@code Checkpointer.every(…)}. The request
     * is queued behind the events already read; the processing path answers it between two events.
     *
     * @return the snapshot, once the processing path has taken it (emitted on a bounded-elastic worker, away from the threads that pace the source)
     */
    Mono<Snapshot> snapshot() {
        return Mono.defer(() -> {
            Sinks.One<Snapshot> reply = Sinks.one();
            Sinks.EmitResult r = barriers.tryEmitNext(new Barrier(reply));
            if (r.isFailure()) {
                return Mono.error(new IllegalStateException("the pipeline is not running (" + r + ")"));
            }
            // Taken on the processing path, handed over on another thread: the save that follows must not hold up
            // the events behind the barrier.
            return reply.asMono().publishOn(Schedulers.boundedElastic());
        });
    }

    /** Events this pipeline has processed (since it started). */
    long processed() {
        return processed.get();
    }

    /** Events processed since the last snapshot was taken. */
    long sinceSnapshot() {
        return sinceSnapshot.get();
    }

    /** Snapshots taken so far. */
    int snapshotsTaken() {
        return snapshots.get();
    }

    /** Whether the whole input has been processed. */
    boolean drained() {
        return drained;
    }
}

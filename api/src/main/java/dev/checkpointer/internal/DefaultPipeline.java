package dev.checkpointer.internal;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointedPipeline;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Offsets;
import dev.checkpointer.Payload;
import dev.checkpointer.PipelineResume;
import dev.checkpointer.PipelineSpec;
import dev.checkpointer.SinkState;
import dev.checkpointer.SinkStatus;
import dev.checkpointer.Snapshot;
import dev.checkpointer.TransactionalSink;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The checkpointed pipeline operator ({@link CheckpointedPipeline}). Built only on the public {@link Checkpointer}
 * methods, plus the engine's periodic-failure policy and listener hook.
 *
 * <p>One run: the events and the timer's ticks are merged into one serial stream (Reactor's {@code merge} emits one
 * signal at a time), in which each event is folded and each trigger takes a barrier (state encoded, positions copied,
 * sinks told), emitting a {@link Capture}. Captures pass through a one-slot buffer that drops the older capture when a
 * newer one arrives (coalescing) into a {@code concatMap} that saves one at a time and asks for the next capture only
 * when its save is over. The run's mutable state is touched only in the serial stream.
 *
 * @param <T> the event type
 * @param <S> the state type
 */
final class DefaultPipeline<T, S> implements CheckpointedPipeline<T, S> {
    private static final Logger log = LoggerFactory.getLogger(DefaultPipeline.class);
    /** Metadata key recording the barrier epoch of a pipeline checkpoint. */
    static final String EPOCH_KEY = "pipeline.epoch";

    /** The engine's periodic-failure policy: logs, tells listeners; empty to keep going, an error to give up. */
    interface FailurePolicy {
        Mono<Manifest> report(Throwable failure, int inARow, int giveUpAfter);
    }

    private final Checkpointer checkpointer;
    private final PipelineSpec<T, S> spec;
    private final FailurePolicy failures;
    private final LongConsumer onCoalesced;
    private final AtomicReference<@Nullable PipelineResume<S>> unused = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean();

    DefaultPipeline(Checkpointer checkpointer, PipelineSpec<T, S> spec, FailurePolicy failures, LongConsumer onCoalesced) {
        this.checkpointer = checkpointer;
        this.spec = spec;
        this.failures = failures;
        this.onCoalesced = onCoalesced;
    }

    // ------------------------------------------------------------------------------------------------ resume

    @Override
    public Mono<PipelineResume<S>> resume() {
        return load().doOnNext(unused::set);
    }

    private Mono<PipelineResume<S>> load() {
        return checkpointer.latest()
                .flatMap(this::from)
                .switchIfEmpty(Mono.fromSupplier(() -> new PipelineResume<>(Optional.empty(),
                        Objects.requireNonNull(spec.initialState().get(), "the initial state supplier returned null"), Offsets.empty(), 0, List.of())));
    }

    private Mono<PipelineResume<S>> from(Checkpoint cp) {
        Manifest m = cp.manifest();
        CheckpointId id = Objects.requireNonNull(m.id());
        if (spec.topology().isPresent()) {
            List<String> problems = m.validate(spec.topology().get());
            if (!problems.isEmpty()) {
                return Mono.error(new IncompatibleCheckpointException("checkpoint " + id + " does not fit the pipeline's topology: "
                        + String.join("; ", problems)));
            }
        }
        if (m.partition(spec.operator(), 0).isEmpty()) {
            return Mono.error(new IncompatibleCheckpointException("checkpoint " + id + " has no state partition '" + spec.operator()
                    + "'/0: it was not written by this pipeline"));
        }
        long epoch = epochOf(m);
        return cp.read(spec.operator(), 0)
                .map(DefaultPipeline::bytes)
                .map(b -> decode(id, b))
                .flatMap(state -> checkpointer.sinkStatuses(id)
                        .flatMap(statuses -> recommit(id, statuses).thenReturn(
                                new PipelineResume<>(Optional.of(m), state, Offsets.of(m.offsets()), epoch, statuses))));
    }

    private S decode(CheckpointId id, byte[] bytes) {
        try {
            return Objects.requireNonNull(spec.codec().decode(bytes), "the state codec decoded null");
        } catch (CheckpointException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CheckpointException(ErrorCode.INCOMPATIBLE, "the state of checkpoint " + id + " cannot be decoded by the pipeline's codec: "
                    + e.getMessage(), e);
        }
    }

    /** Commits again every sink of the spec still pending in the checkpoint resumed from, and marks it. */
    private Mono<Void> recommit(CheckpointId id, List<SinkStatus> statuses) {
        Map<String, TransactionalSink> byName = new LinkedHashMap<>();
        spec.sinks().forEach(s -> byName.put(s.name(), s));
        return Flux.fromIterable(statuses)
                .filter(s -> s.state() == SinkState.PENDING && byName.containsKey(s.sink()))
                .concatMap(s -> {
                    log.info("resuming from checkpoint {}: sink '{}' is still pending at epoch {}, committing it again", id, s.sink(), s.epoch());
                    return commit(id, byName.get(s.sink()), s.epoch(), s.prepared());
                })
                .then();
    }

    /** A sink's commit, then its mark: COMMITTED, or FAILED with the error's message (and the error). */
    private Mono<Void> commit(CheckpointId id, TransactionalSink sink, long epoch, @Nullable String prepared) {
        return Mono.defer(() -> sink.commit(epoch, prepared))
                .then(Mono.defer(() -> checkpointer.markSink(id, sink.name(), SinkState.COMMITTED, null)))
                .onErrorResume(e -> !(e instanceof CheckpointException), e -> checkpointer
                        .markSink(id, sink.name(), SinkState.FAILED, detail(e))
                        .then(Mono.error(new CheckpointException(ErrorCode.SINK_FAILED, "sink '" + sink.name() + "' could not commit epoch "
                                + epoch + " of checkpoint " + id + ": " + e.getMessage(), e))))
                .then();
    }

    private static String detail(Throwable e) {
        String s = e.getClass().getSimpleName() + ": " + e.getMessage();
        s = s.replaceAll("\\p{Cntrl}", " ");
        return s.length() > SinkStatuses.MAX_DETAIL ? s.substring(0, SinkStatuses.MAX_DETAIL) : s;
    }

    private static long epochOf(Manifest m) {
        String recorded = m.metadata().get(EPOCH_KEY);
        if (recorded != null) {
            try {
                return Long.parseLong(recorded);
            } catch (NumberFormatException e) {
                // fall through to the sink epochs
            }
        }
        return m.sinkEpochs().values().stream().mapToLong(Long::longValue).max().orElse(0);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ run

    @Override
    public Flux<Manifest> apply(Flux<T> events) {
        Objects.requireNonNull(events, "events");
        return Flux.defer(() -> {
            if (!running.compareAndSet(false, true)) {
                return Flux.error(new InvalidInputException("this pipeline is already running: one run at a time"));
            }
            PipelineResume<S> ready = unused.getAndSet(null);
            Mono<PipelineResume<S>> start = ready != null ? Mono.just(ready) : load();
            return start.flatMapMany(r -> new Run(r).flux(events)).doFinally(s -> running.set(false));
        });
    }

    /** A barrier's capture: what one checkpoint will save (or why it cannot). */
    private record Capture(long epoch, byte @Nullable [] state, Offsets offsets, @Nullable Throwable failure) {}

    private static final Object END = new Object();

    private record Tick(long generation) {}

    /** The failure policy gave up: the run ends with this failure. */
    private record GiveUp(Throwable failure) {}

    /** One run's serial state. Fields are touched only in the serial stream (merge emits one signal at a time). */
    private final class Run {
        private S state;
        private final TreeMap<String, TreeMap<String, String>> positions = new TreeMap<>();
        private long epoch;
        private long sinceBarrier;
        private long generation;
        private final Sinks.Many<Long> resets = Sinks.many().multicast().directBestEffort();
        private final AtomicLong coalesced = new AtomicLong();
        private final AtomicInteger failuresInARow = new AtomicInteger();

        Run(PipelineResume<S> from) {
            this.state = from.state();
            this.epoch = from.epoch();
            from.offsets().asMap().forEach((source, kv) -> positions.put(source, new TreeMap<>(kv)));
        }

        Flux<Manifest> flux(Flux<T> events) {
            Flux<Object> items = events.<Object>map(e -> e).concatWith(Mono.just(END));
            boolean pause = spec.slowSaves() == PipelineSpec.SlowSaves.PAUSE_SOURCE;
            Flux<Object> signals;
            Optional<Duration> every = spec.every();
            if (every.isPresent()) {
                Duration period = every.get();
                Flux<Object> ticks = resets.asFlux().startWith(0L)
                        .switchMap(g -> Flux.interval(period, period, spec.scheduler()).<Object>map(i -> new Tick(g)))
                        .onBackpressureDrop();
                // Holding the source back needs demand to reach it: merge then prefetches one item per source, not 32.
                signals = (pause ? Flux.merge(1, items, ticks) : Flux.merge(items, ticks)).takeUntil(x -> x == END);
            } else {
                signals = items;
            }
            int giveUpAfter = spec.failures().maxConsecutiveFailures().orElse(Integer.MAX_VALUE);
            Flux<Capture> captures = signals.handle((x, sink) -> {
                Capture c = onSignal(x);
                if (c != null) {
                    sink.next(c);
                }
            });
            if (!pause) {
                // Coalescing: one capture waits at most; a newer one replaces it (never an unbounded queue).
                captures = captures.onBackpressureBuffer(1, dropped -> {
                    long n = coalesced.incrementAndGet();
                    log.debug("pipeline barrier {} coalesced into a newer one: the previous save is still running ({} so far)",
                            ((Capture) dropped).epoch(), n);
                    onCoalesced.accept(n);
                }, BufferOverflowStrategy.DROP_OLDEST);
            }
            // PAUSE_SOURCE: concatMap's one-slot prefetch is the waiting capture; with it full, no demand reaches the
            // source until the running save ends. COALESCE: the buffer above takes every capture at once (prefetch 0).
            return captures
                    // An error of the source (or fold) reaches the subscriber only after the barriers captured before it
                    // finished saving: what was captured is not lost. Cancelling stops at once.
                    // Giving up must end the run at once, not after the source ends: it travels as a value to the handle below.
                    .concatMapDelayError(c -> save(c)
                            .<Object>map(m -> m)
                            .doOnNext(m -> failuresInARow.set(0))
                            .onErrorResume(e -> failures.report(e, failuresInARow.incrementAndGet(), giveUpAfter)
                                    .<Object>map(m -> m)
                                    .onErrorResume(last -> Mono.just(new GiveUp(last)))), true, pause ? 1 : 0)
                    .handle((x, sink) -> {
                        if (x instanceof GiveUp g) {
                            sink.error(g.failure());
                        } else {
                            sink.next((Manifest) x);
                        }
                    });
        }

        @SuppressWarnings("unchecked")
        private @Nullable Capture onSignal(Object x) {
            if (x == END) {
                return sinceBarrier > 0 ? barrier() : null;
            }
            if (x instanceof Tick t) {
                return t.generation() == generation && sinceBarrier > 0 ? barrier() : null;
            }
            T event = (T) x;
            state = Objects.requireNonNull(spec.fold().apply(state, event), "the fold function returned null");
            Optional<Function<T, Offsets.@Nullable Position>> position = spec.position();
            if (position.isPresent()) {
                Offsets.Position p = position.get().apply(event);
                if (p != null) {
                    positions.computeIfAbsent(p.source(), k -> new TreeMap<>()).put(p.key(), p.value());
                }
            }
            sinceBarrier++;
            long n = spec.everyEvents().orElse(0);
            return n > 0 && sinceBarrier >= n ? barrier() : null;
        }

        /** The barrier: state, positions and sink epochs, all at this point of the stream. */
        private Capture barrier() {
            epoch++;
            sinceBarrier = 0;
            generation++;
            resets.tryEmitNext(generation); // restarts the timer: "every T" counts from the last barrier
            Offsets offsets = Offsets.of(positions);
            try {
                byte[] bytes = Objects.requireNonNull(spec.codec().encode(state), "the state codec encoded null");
                for (TransactionalSink s : spec.sinks()) {
                    s.barrier(epoch);
                }
                return new Capture(epoch, bytes, offsets, null);
            } catch (RuntimeException e) {
                return new Capture(epoch, null, offsets, e);
            }
        }

        private Mono<Manifest> save(Capture c) {
            return Mono.defer(() -> {
                if (c.failure() != null) {
                    return Mono.<Manifest>error(c.failure());
                }
                return Flux.fromIterable(spec.sinks())
                        .concatMap(s -> Mono.defer(() -> s.prepare(c.epoch())).map(d -> Map.entry(s.name(), d))
                                .defaultIfEmpty(Map.entry(s.name(), "")))
                        .collectList()
                        .flatMap(prepared -> checkpointer.save(snapshot(c, prepared))
                                .flatMap(m -> commitAll(m, prepared, c.epoch()).thenReturn(m)));
            }).subscribeOn(spec.scheduler()); // never on the pipeline's thread
        }

        private Snapshot snapshot(Capture c, List<Map.Entry<String, String>> prepared) {
            Snapshot.Builder b = Snapshot.builder()
                    .partition(spec.operator(), 0, Payload.of(Objects.requireNonNull(c.state())))
                    .metadata(EPOCH_KEY, Long.toString(c.epoch()));
            c.offsets().asMap().forEach(b::offsets);
            for (Map.Entry<String, String> p : prepared) {
                b.sinkEpoch(p.getKey(), c.epoch());
                if (!p.getValue().isEmpty()) {
                    b.sinkPrepared(p.getKey(), p.getValue());
                }
            }
            spec.topology().ifPresent(b::topology);
            return b.build();
        }

        private Mono<Void> commitAll(Manifest m, List<Map.Entry<String, String>> prepared, long epoch) {
            CheckpointId id = Objects.requireNonNull(m.id());
            List<Mono<Void>> commits = new ArrayList<>();
            for (TransactionalSink s : spec.sinks()) {
                commits.add(commit(id, s, epoch, m.sinkPrepared().get(s.name())));
            }
            return Flux.concat(commits).then();
        }
    }
}

package dev.checkpointer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What a {@link CheckpointedPipeline} does: how it folds events into its state, how it encodes the state, where each
 * event comes from, when it checkpoints, and which two-phase-commit sinks it coordinates. Immutable; built with
 * {@link #builder(StateCodec, Supplier)}, which validates eagerly.
 *
 * <pre>{@code
 * PipelineSpec<ConsumerRecord<String, String>, HashMap<String, Long>> spec = PipelineSpec
 *         .<ConsumerRecord<String, String>, HashMap<String, Long>>builder(
 *                 StateCodec.jackson(mapper, mapper.getTypeFactory().constructMapType(HashMap.class, String.class, Long.class)),
 *                 HashMap::new)
 *         .fold((counts, rec) -> { counts.merge(rec.value(), 1L, Long::sum); return counts; })
 *         .position(rec -> Offsets.kafka(rec.topic(), rec.partition(), rec.offset() + 1))
 *         .everyEvents(1_000)
 *         .every(Duration.ofSeconds(5))
 *         .sink(kafkaSink)
 *         .topology(Topology.of(Set.of("words"), Set.of("counts-out")))
 *         .build();
 * }</pre>
 *
 * @param <T> the event type
 * @param <S> the state type
 */
public final class PipelineSpec<T, S> {
    /** The default operator name of the state partition. */
    public static final String DEFAULT_OPERATOR = "state";

    /**
     * What a run does when saves are slower than its trigger, i.e. when a barrier is taken while a save still runs
     * and another captured barrier already waits for it. Either way nothing queues without bound: at most one save
     * runs and at most one captured barrier waits.
     */
    public enum SlowSaves {
        /**
         * The default: the newer barrier replaces the waiting one (its events are in the newer state), so checkpoints
         * become fewer while events keep flowing at the source's pace. Reported to
         * {@link dev.checkpointer.CheckpointListener#onTickSkipped(long)}.
         */
        COALESCE,
        /**
         * Every barrier is saved: once a captured barrier waits, the run stops requesting events until the running save
         * ends, so the source is held back by backpressure. Events folded but not yet in a committed checkpoint never
         * exceed two barriers' worth (plus the small prefetch of the trigger's merge when {@code every(T)} is set),
         * which bounds what a {@link TransactionalSink} holds uncommitted.
         */
        PAUSE_SOURCE
    }

    private final StateCodec<S> codec;
    private final Supplier<S> initialState;
    private final BiFunction<S, T, S> fold;
    private final @Nullable Function<T, Offsets.@Nullable Position> position;
    private final String operator;
    private final long everyEvents;
    private final @Nullable Duration every;
    private final Scheduler scheduler;
    private final List<TransactionalSink> sinks;
    private final @Nullable Topology topology;
    private final EveryOptions failures;
    private final SlowSaves slowSaves;

    private PipelineSpec(Builder<T, S> b) {
        this.codec = b.codec;
        this.initialState = b.initialState;
        this.fold = Objects.requireNonNull(b.fold, "fold");
        this.position = b.position;
        this.operator = b.operator;
        this.everyEvents = b.everyEvents;
        this.every = b.every;
        this.scheduler = b.scheduler;
        this.sinks = List.copyOf(b.sinks);
        this.topology = b.topology;
        this.failures = b.failures;
        this.slowSaves = b.slowSaves;
    }

    /**
     * A builder.
     *
     * @param codec encodes and decodes the state
     * @param initialState the state of a first start (no checkpoint yet); called once per such start
     * @param <T> the event type
     * @param <S> the state type
     * @return the builder
     */
    public static <T, S> Builder<T, S> builder(StateCodec<S> codec, Supplier<S> initialState) {
        return new Builder<>(codec, initialState);
    }

    /**
     * The state codec.
     *
     * @return the codec
     */
    public StateCodec<S> codec() {
        return codec;
    }

    /**
     * The initial state supplier.
     *
     * @return the supplier
     */
    public Supplier<S> initialState() {
        return initialState;
    }

    /**
     * The fold function.
     *
     * @return the function
     */
    public BiFunction<S, T, S> fold() {
        return fold;
    }

    /**
     * The position function, if any.
     *
     * @return the function
     */
    public Optional<Function<T, Offsets.@Nullable Position>> position() {
        return Optional.ofNullable(position);
    }

    /**
     * The operator name under which the state is saved (partition 0).
     *
     * @return the name
     */
    public String operator() {
        return operator;
    }

    /**
     * The count trigger.
     *
     * @return events per barrier; empty when there is no count trigger
     */
    public OptionalLong everyEvents() {
        return everyEvents == 0 ? OptionalLong.empty() : OptionalLong.of(everyEvents);
    }

    /**
     * The time trigger.
     *
     * @return time between barriers; empty when there is no time trigger
     */
    public Optional<Duration> every() {
        return Optional.ofNullable(every);
    }

    /**
     * The scheduler of the time trigger.
     *
     * @return the scheduler
     */
    public Scheduler scheduler() {
        return scheduler;
    }

    /**
     * The two-phase-commit sinks.
     *
     * @return the sinks, in the order given
     */
    public List<TransactionalSink> sinks() {
        return sinks;
    }

    /**
     * The topology recorded in each checkpoint and checked on resume.
     *
     * @return the topology
     */
    public Optional<Topology> topology() {
        return Optional.ofNullable(topology);
    }

    /**
     * What happens when checkpoints fail.
     *
     * @return the policy
     */
    public EveryOptions failures() {
        return failures;
    }

    /**
     * What a run does when saves are slower than its trigger.
     *
     * @return the policy, {@link SlowSaves#COALESCE} unless set
     */
    public SlowSaves slowSaves() {
        return slowSaves;
    }

    @Override
    public String toString() {
        return "PipelineSpec[operator=" + operator + ", everyEvents=" + everyEvents + ", every=" + every + ", slowSaves=" + slowSaves + ", sinks="
                + sinks.stream().map(TransactionalSink::name).toList() + "]";
    }

    /**
     * Builds a {@link PipelineSpec}; every method validates at once. {@link #fold} and at least one trigger
     * ({@link #everyEvents} or {@link #every}) are required.
     *
     * @param <T> the event type
     * @param <S> the state type
     */
    public static final class Builder<T, S> {
        private final StateCodec<S> codec;
        private final Supplier<S> initialState;
        private @Nullable BiFunction<S, T, S> fold;
        private @Nullable Function<T, Offsets.@Nullable Position> position;
        private String operator = DEFAULT_OPERATOR;
        private long everyEvents;
        private @Nullable Duration every;
        private Scheduler scheduler = Schedulers.parallel();
        private final List<TransactionalSink> sinks = new ArrayList<>();
        private final Set<String> sinkNames = new HashSet<>();
        private @Nullable Topology topology;
        private EveryOptions failures = EveryOptions.keepGoing();
        private SlowSaves slowSaves = SlowSaves.COALESCE;

        private Builder(StateCodec<S> codec, Supplier<S> initialState) {
            this.codec = Objects.requireNonNull(codec, "codec");
            this.initialState = Objects.requireNonNull(initialState, "initialState");
        }

        /**
         * How each event changes the state, in the event's own signal. It may mutate the state and return it, or
         * return a new one; it must not block. Writes to a {@link TransactionalSink} made here belong to the next
         * barrier's epoch.
         *
         * @param fold (state, event) to the new state, never null
         * @return this builder
         */
        public Builder<T, S> fold(BiFunction<S, T, S> fold) {
            this.fold = Objects.requireNonNull(fold, "fold");
            return this;
        }

        /**
         * Where each event comes from: its position is recorded (replacing the earlier position of the same source
         * and key) and saved with the state at the next barrier, e.g.
         * {@code rec -> Offsets.kafka(rec.topic(), rec.partition(), rec.offset() + 1)}. May return null for an
         * event without a position. Without it, checkpoints record no offsets.
         *
         * @param position event to its position
         * @return this builder
         */
        public Builder<T, S> position(Function<T, Offsets.@Nullable Position> position) {
            this.position = Objects.requireNonNull(position, "position");
            return this;
        }

        /**
         * The operator name of the state partition (default {@value PipelineSpec#DEFAULT_OPERATOR}).
         *
         * @param operator a valid operator name ({@link OperatorNames})
         * @return this builder
         */
        public Builder<T, S> operator(String operator) {
            OperatorNames.validate(operator);
            this.operator = operator;
            return this;
        }

        /**
         * A barrier every {@code n} events (counted since the previous barrier).
         *
         * @param n at least 1
         * @return this builder
         */
        public Builder<T, S> everyEvents(long n) {
            if (n < 1) {
                throw new InvalidInputException("everyEvents needs at least 1 event, got " + n);
            }
            this.everyEvents = n;
            return this;
        }

        /**
         * A barrier every {@code period} (since the previous barrier, of either trigger), when events arrived.
         *
         * @param period positive
         * @return this builder
         */
        public Builder<T, S> every(Duration period) {
            Objects.requireNonNull(period, "period");
            if (period.isZero() || period.isNegative()) {
                throw new InvalidInputException("every needs a positive period, got " + period);
            }
            this.every = period;
            return this;
        }

        /**
         * The scheduler the time trigger runs on (default {@link Schedulers#parallel()}); tests pass a
         * {@code VirtualTimeScheduler}.
         *
         * @param scheduler the scheduler
         * @return this builder
         */
        public Builder<T, S> scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /**
         * Adds a two-phase-commit sink.
         *
         * @param sink the sink; names must be unique
         * @return this builder
         */
        public Builder<T, S> sink(TransactionalSink sink) {
            Objects.requireNonNull(sink, "sink");
            String name = sink.name();
            if (name == null || name.isEmpty() || !sinkNames.add(name)) {
                throw new InvalidInputException("sink names must be non-empty and unique, got '" + name + "'");
            }
            sinks.add(sink);
            return this;
        }

        /**
         * The topology to record in every checkpoint and to check on {@link CheckpointedPipeline#resume()}. Its sinks
         * must include every sink of the spec.
         *
         * @param topology the topology
         * @return this builder
         */
        public Builder<T, S> topology(Topology topology) {
            this.topology = Objects.requireNonNull(topology, "topology");
            return this;
        }

        /**
         * What happens when checkpoints fail (default {@link EveryOptions#keepGoing()}).
         *
         * @param failures the policy
         * @return this builder
         */
        public Builder<T, S> failures(EveryOptions failures) {
            this.failures = Objects.requireNonNull(failures, "failures");
            return this;
        }

        /**
         * What the run does when saves are slower than the trigger (default {@link SlowSaves#COALESCE}): coalesce
         * barriers, or hold the source back ({@link SlowSaves#PAUSE_SOURCE}) so every barrier is saved and a sink's
         * uncommitted writes stay bounded.
         *
         * @param slowSaves the policy
         * @return this builder
         */
        public Builder<T, S> slowSaves(SlowSaves slowSaves) {
            this.slowSaves = Objects.requireNonNull(slowSaves, "slowSaves");
            return this;
        }

        /**
         * Builds the spec.
         *
         * @return the spec
         * @throws InvalidInputException when the fold or every trigger is missing, or the topology lacks a sink
         */
        public PipelineSpec<T, S> build() {
            if (fold == null) {
                throw new InvalidInputException("a pipeline needs a fold function");
            }
            if (everyEvents == 0 && every == null) {
                throw new InvalidInputException("a pipeline needs a trigger: everyEvents(n), every(period), or both");
            }
            if (topology != null) {
                for (String s : sinkNames) {
                    if (!topology.sinks().contains(s)) {
                        throw new InvalidInputException("sink '" + s + "' is not in the topology's sinks " + topology.sinks());
                    }
                }
            }
            return new PipelineSpec<>(this);
        }
    }
}

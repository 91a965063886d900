package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.CheckpointedPipeline;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.EveryOptions;
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
import dev.checkpointer.StateCodec;
import dev.checkpointer.StoreException;
import dev.checkpointer.Topology;
import dev.checkpointer.TransactionalSink;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The checkpointed pipeline operator under virtual time: count and time triggers, whichever comes first, coalescing
 * of slow saves, barrier consistency, resume, the failure policy, cancellation and the two-phase-commit sink cycle.
 */
class PipelineOperatorTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JavaType COUNTS = MAPPER.getTypeFactory().constructMapType(TreeMap.class, String.class, Long.class);
    private static final String TOPIC = "words";

    /** A Kafka-style record. */
    record Rec(int partition, long offset) {}

    /** State: events seen per partition (JSON keys are strings). */
    private static PipelineSpec.Builder<Rec, TreeMap<String, Long>> spec() {
        return PipelineSpec.<Rec, TreeMap<String, Long>>builder(StateCodec.jackson(MAPPER, COUNTS), TreeMap::new)
                .fold((counts, r) -> {
                    counts.merge(Integer.toString(r.partition()), 1L, Long::sum);
                    return counts;
                })
                .position(r -> Offsets.kafka(TOPIC, r.partition(), r.offset() + 1));
    }

    /** Events of one partition, offsets 0.., the first at {@code first}, then one every {@code every}. */
    private static Flux<Rec> events(Duration first, Duration every, int n) {
        return Flux.interval(first, every).take(n).map(i -> new Rec(0, i));
    }

    private static Mono<Rec> at(Duration delay, Rec r) {
        return Mono.just(r).delayElement(delay);
    }

    private static TreeMap<String, Long> state(Checkpointer cp, Manifest m) {
        ByteBuffer b = cp.load(m.id()).flatMap(c -> c.read(PipelineSpec.DEFAULT_OPERATOR, 0)).block();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return StateCodec.<TreeMap<String, Long>>jackson(MAPPER, COUNTS).decode(bytes);
    }

    private static long next(Manifest m) {
        return Offsets.of(m.offsets()).kafkaPosition(TOPIC, 0).orElse(-1);
    }

    private static long epoch(Manifest m) {
        return Long.parseLong(m.metadata().get("pipeline.epoch"));
    }

    @Test
    void theCountTriggerTakesABarrierEveryNEventsAndTheLastOneWhenTheSourceCompletes() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        StepVerifier.withVirtualTime(() -> events(Duration.ofSeconds(1), Duration.ofSeconds(1), 10)
                        .transform(cp.pipeline(spec().everyEvents(3).build())))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(3).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(next(m)).isEqualTo(3))
                .expectNoEvent(Duration.ofSeconds(3).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(next(m)).isEqualTo(6))
                .thenAwait(Duration.ofSeconds(3))
                .assertNext(m -> assertThat(next(m)).isEqualTo(9))
                .thenAwait(Duration.ofSeconds(1))
                .assertNext(m -> assertThat(next(m)).as("the last barrier, when the source completes").isEqualTo(10))
                .expectComplete()
                .verify(T);
        List<Manifest> all = cp.list().collectList().block();
        assertThat(all).extracting(PipelineOperatorTest::epoch).containsExactly(1L, 2L, 3L, 4L);
        assertThat(all).allSatisfy(m -> assertThat(state(cp, m)).containsEntry("0", next(m)));
    }

    @Test
    void theTimeTriggerTakesABarrierEveryPeriodCountedFromTheLastBarrier() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        StepVerifier.withVirtualTime(() -> events(Duration.ofMillis(500), Duration.ofSeconds(1), 12)
                        .transform(cp.pipeline(spec().every(Duration.ofSeconds(5)).build())))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(5).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(next(m)).as("events at 0.5 .. 4.5 s").isEqualTo(5))
                .expectNoEvent(Duration.ofSeconds(5).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(next(m)).isEqualTo(10))
                .thenAwait(Duration.ofMillis(1500))
                .assertNext(m -> assertThat(next(m)).as("the source completed at 11.5 s").isEqualTo(12))
                .expectComplete()
                .verify(T);
    }

    @Test
    void aTimerTickWithoutNewEventsTakesNoBarrier() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        StepVerifier.withVirtualTime(() -> Flux.concat(at(Duration.ofMillis(500), new Rec(0, 0)), at(Duration.ofSeconds(20), new Rec(0, 1)))
                        .transform(cp.pipeline(spec().every(Duration.ofSeconds(5)).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(5))
                .assertNext(m -> assertThat(next(m)).isEqualTo(1))
                .expectNoEvent(Duration.ofMillis(15_499)) // ticks at 10, 15 and 20 s find nothing new
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(next(m)).isEqualTo(2))
                .expectComplete()
                .verify(T);
        assertThat(cp.list().count().block()).isEqualTo(2);
    }

    @Test
    void whicheverTriggerComesFirstTakesTheBarrierAndRestartsTheTimer() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        StepVerifier.withVirtualTime(() -> Flux.concat(
                                at(Duration.ofMillis(500), new Rec(0, 0)), at(Duration.ofMillis(100), new Rec(0, 1)),
                                at(Duration.ofMillis(100), new Rec(0, 2)), at(Duration.ofMillis(1300), new Rec(0, 3)),
                                Mono.<Rec>empty().delaySubscription(Duration.ofSeconds(20)))
                        .transform(cp.pipeline(spec().everyEvents(3).every(Duration.ofSeconds(10)).build())))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(700))
                .assertNext(m -> assertThat(next(m)).as("count first: three events by 0.7 s").isEqualTo(3))
                .expectNoEvent(Duration.ofMillis(9_999)) // the event at 2 s waits for the timer restarted at 0.7 s
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(next(m)).as("time first: one event, at 10.7 s").isEqualTo(4))
                .thenAwait(Duration.ofSeconds(20))
                .expectComplete() // nothing new since 10.7 s: no last barrier
                .verify(T);
    }

    /** A sink that records its calls; its prepare takes {@code prepareTime} (virtual) and can be made to fail. */
    static final class RecordingSink implements TransactionalSink {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final Duration prepareTime;
        volatile boolean failCommit;

        RecordingSink(Duration prepareTime) {
            this.prepareTime = prepareTime;
        }

        @Override
        public String name() {
            return "out";
        }

        @Override
        public void barrier(long epoch) {
            calls.add("barrier " + epoch);
        }

        @Override
        public Mono<String> prepare(long epoch) {
            Mono<String> data = Mono.fromSupplier(() -> {
                calls.add("prepare " + epoch);
                return "txn-" + epoch;
            });
            return prepareTime.isZero() ? data : Mono.delay(prepareTime).then(data);
        }

        @Override
        public Mono<Void> commit(long epoch, @Nullable String prepared) {
            return Mono.fromRunnable(() -> {
                calls.add("commit " + epoch + " " + prepared);
                if (failCommit) {
                    throw new IllegalStateException("producer fenced");
                }
            });
        }
    }

    @Test
    void whenSavesAreSlowerThanTheTriggerBarriersCoalesceToTheNewestAndNothingQueues() {
        AtomicInteger coalesced = new AtomicInteger();
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).listener(new CheckpointListener() {
            @Override
            public void onTickSkipped(long skippedSoFar) {
                coalesced.set((int) skippedSoFar);
            }
        }).build();
        RecordingSink sink = new RecordingSink(Duration.ofSeconds(10));
        StepVerifier.withVirtualTime(() -> events(Duration.ofSeconds(1), Duration.ofSeconds(1), 5)
                        .transform(cp.pipeline(spec().everyEvents(1).sink(sink).build())))
                .expectSubscription()
                .expectNoEvent(Duration.ofSeconds(11).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(epoch(m)).isEqualTo(1)) // barrier at 1 s, saved at 11 s
                .expectNoEvent(Duration.ofSeconds(10).minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> {
                    // barriers 2, 3 and 4 (at 2..4 s) were replaced by 5, which holds all their events
                    assertThat(epoch(m)).isEqualTo(5);
                    assertThat(next(m)).isEqualTo(5);
                    assertThat(m.sinkEpochs()).containsEntry("out", 5L);
                    assertThat(m.sinkPrepared()).containsEntry("out", "txn-5");
                })
                .expectComplete()
                .verify(T);
        assertThat(coalesced.get()).isEqualTo(3);
        assertThat(sink.calls).containsExactly("barrier 1", "barrier 2", "barrier 3", "barrier 4", "barrier 5",
                "prepare 1", "commit 1 txn-1", "prepare 5", "commit 5 txn-5");
        for (Manifest m : cp.list().collectList().block()) {
            assertThat(cp.sinkStatuses(m.id()).block()).singleElement().satisfies(s -> assertThat(s.state()).isEqualTo(SinkState.COMMITTED));
        }
    }

    @Test
    void withPauseSourceEverySlowBarrierIsSavedAndTheSourceWaitsInsteadOfRunningAhead() {
        AtomicInteger coalesced = new AtomicInteger();
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).listener(new CheckpointListener() {
            @Override
            public void onTickSkipped(long skippedSoFar) {
                coalesced.set((int) skippedSoFar);
            }
        }).build();
        RecordingSink sink = new RecordingSink(Duration.ofSeconds(10));
        List<Long> requested = new CopyOnWriteArrayList<>();
        // A source that honours demand: one event a second, each only when asked for.
        StepVerifier.withVirtualTime(() -> Flux.range(0, 5).map(i -> new Rec(0, i)).delayElements(Duration.ofSeconds(1))
                        .doOnRequest(requested::add)
                        .transform(cp.pipeline(spec().everyEvents(1).sink(sink).slowSaves(PipelineSpec.SlowSaves.PAUSE_SOURCE).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(11))
                .assertNext(m -> assertThat(epoch(m)).isEqualTo(1)) // barrier at 1 s, saved at 11 s
                .thenAwait(Duration.ofSeconds(10))
                .assertNext(m -> assertThat(epoch(m)).isEqualTo(2)) // barrier 2 waited at 2 s; no event came in between
                .thenAwait(Duration.ofSeconds(30))
                .assertNext(m -> assertThat(epoch(m)).isEqualTo(3))
                .assertNext(m -> assertThat(epoch(m)).isEqualTo(4))
                .assertNext(m -> {
                    assertThat(epoch(m)).isEqualTo(5);
                    assertThat(next(m)).isEqualTo(5);
                })
                .expectComplete()
                .verify(T);
        assertThat(coalesced.get()).as("nothing coalesced").isZero();
        // While save k runs, barrier k+1 is the only one taken: the source was not asked for more.
        assertThat(sink.calls).containsExactly("barrier 1", "barrier 2", "prepare 1", "commit 1 txn-1",
                "barrier 3", "prepare 2", "commit 2 txn-2", "barrier 4", "prepare 3", "commit 3 txn-3",
                "barrier 5", "prepare 4", "commit 4 txn-4", "prepare 5", "commit 5 txn-5");
        assertThat(requested).as("demand reaches the source one event at a time, never unbounded").allMatch(n -> n == 1);
    }

    @Test
    void withPauseSourceAndATimeTriggerTheMergeDoesNotPrefetchThePausedSource() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        RecordingSink sink = new RecordingSink(Duration.ofSeconds(30));
        List<Long> requested = new CopyOnWriteArrayList<>();
        StepVerifier.withVirtualTime(() -> Flux.range(0, 40).map(i -> new Rec(0, i)).delayElements(Duration.ofSeconds(1))
                        .doOnRequest(requested::add)
                        .transform(cp.pipeline(spec().everyEvents(2).every(Duration.ofSeconds(5)).sink(sink)
                                .slowSaves(PipelineSpec.SlowSaves.PAUSE_SOURCE).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(32))
                .assertNext(m -> assertThat(epoch(m)).isEqualTo(1)) // 2 events by 2 s, saved at 32 s
                .thenCancel()
                .verify(T);
        // Barrier 1 at 2 s, barrier 2 at 4 s waits; then the source is asked for at most one more event (merge's slot).
        long asked = requested.stream().mapToLong(Long::longValue).sum();
        assertThat(asked).isBetween(5L, 6L);
    }

    @Test
    void everyCommittedCheckpointHoldsStateAndOffsetsOfTheSamePointOfTheStream() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        Random random = new Random(18);
        long[] nextOffset = new long[3];
        List<Rec> recs = new ArrayList<>();
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            int p = random.nextInt(3);
            recs.add(new Rec(p, nextOffset[p]++));
            delays.add(Duration.ofMillis(random.nextInt(300)));
        }
        RecordingSink slow = new RecordingSink(Duration.ofMillis(700)); // saves overlap barriers: coalescing happens too
        Function<Rec, Offsets.Position> position = r -> Offsets.kafka(TOPIC, r.partition(), r.offset() + 1);
        // delayElement takes its scheduler when assembled: inside the supplier, so that it is the virtual one
        StepVerifier.withVirtualTime(() -> Flux.range(0, recs.size()).concatMap(i -> at(delays.get(i), recs.get(i)))
                        .transform(cp.pipeline(spec().position(position).everyEvents(7).every(Duration.ofMillis(900)).sink(slow).build())))
                .thenAwait(Duration.ofMinutes(5))
                .thenConsumeWhile(m -> true)
                .expectComplete()
                .verify(T);
        List<Manifest> all = cp.list().collectList().block();
        assertThat(all).hasSizeGreaterThan(10);
        for (Manifest m : all) {
            TreeMap<String, Long> counts = state(cp, m);
            Map<Integer, Long> offsets = Offsets.of(m.offsets()).kafkaPositions(TOPIC);
            for (int p = 0; p < 3; p++) {
                assertThat(counts.getOrDefault(Integer.toString(p), 0L)).as("checkpoint " + m.id() + " partition " + p)
                        .isEqualTo(offsets.getOrDefault(p, 0L));
            }
        }
        Manifest last = all.get(all.size() - 1);
        assertThat(Offsets.of(last.offsets()).kafkaPositions(TOPIC)).containsExactly(
                Map.entry(0, nextOffset[0]), Map.entry(1, nextOffset[1]), Map.entry(2, nextOffset[2]));
    }

    @Test
    void resumeGivesBackStateOffsetsAndEpochAndTheNextRunContinuesFromThem() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        PipelineSpec<Rec, TreeMap<String, Long>> spec = spec().everyEvents(2).build();
        CheckpointedPipeline<Rec, TreeMap<String, Long>> first = cp.pipeline(spec);
        PipelineResume<TreeMap<String, Long>> fresh = first.resume().block();
        assertThat(fresh.checkpoint()).isEmpty();
        assertThat(fresh.state()).isEmpty();
        assertThat(fresh.offsets().isEmpty()).isTrue();
        assertThat(fresh.epoch()).isZero();
        Flux.range(0, 5).map(i -> new Rec(0, i)).transform(first).blockLast(T);

        Checkpointer restarted = Checkpointer.builder().store(store).build();
        CheckpointedPipeline<Rec, TreeMap<String, Long>> second = restarted.pipeline(spec);
        PipelineResume<TreeMap<String, Long>> from = second.resume().block();
        assertThat(from.state()).containsEntry("0", 5L);
        assertThat(from.offsets().kafkaPosition(TOPIC, 0)).hasValue(5);
        assertThat(from.epoch()).isEqualTo(3); // barriers after 2, 4 and the last at 5
        long seek = from.offsets().kafkaPosition(TOPIC, 0).getAsLong();
        List<Manifest> more = Flux.range((int) seek, 3).map(i -> new Rec(0, i)).transform(second).collectList().block(T);
        assertThat(more).extracting(PipelineOperatorTest::epoch).containsExactly(4L, 5L);
        assertThat(state(restarted, more.get(1))).containsEntry("0", 8L);
        assertThat(next(more.get(1))).isEqualTo(8);
    }

    @Test
    void aFailedSaveIsReportedAndTheNextBarrierIncludesItsEventsThenGiveUpAfterEndsTheRun() {
        MapStore store = new MapStore();
        List<String> failures = new CopyOnWriteArrayList<>();
        Checkpointer cp = Checkpointer.builder().store(store).listener(new CheckpointListener() {
            @Override
            public void onPeriodicCheckpointFailed(Throwable error, int consecutiveFailures) {
                failures.add(consecutiveFailures + " " + error.getMessage());
            }
        }).build();
        // keep going: the save at event 1 fails, the one at event 2 commits both events
        StepVerifier.withVirtualTime(() -> events(Duration.ofSeconds(1), Duration.ofSeconds(1), 2)
                        .doOnNext(r -> store.refusePuts = r.offset() == 0)
                        .transform(cp.pipeline(spec().everyEvents(1).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .assertNext(m -> assertThat(next(m)).isEqualTo(2))
                .expectComplete()
                .verify(T);
        assertThat(failures).singleElement().satisfies(f -> assertThat(f).startsWith("1 ").contains("write access revoked"));

        // give up after two in a row: the run ends with the store's error
        failures.clear();
        store.refusePuts = true;
        Checkpointer cp2 = Checkpointer.builder().store(store).listener(new CheckpointListener() {
            @Override
            public void onPeriodicCheckpointFailed(Throwable error, int consecutiveFailures) {
                failures.add(consecutiveFailures + " " + error.getMessage());
            }
        }).build();
        StepVerifier.withVirtualTime(() -> events(Duration.ofSeconds(1), Duration.ofSeconds(1), 10)
                        .transform(cp2.pipeline(spec().everyEvents(1).failures(EveryOptions.giveUpAfter(2)).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(2))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("write access revoked"))
                .verify(T);
        assertThat(failures).hasSize(2);
        store.refusePuts = false;
    }

    @Test
    void aStateThatCannotBeEncodedFailsThatCheckpointOnly() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        AtomicInteger encodes = new AtomicInteger();
        StateCodec<TreeMap<String, Long>> flaky = StateCodec.of(s -> {
            if (encodes.incrementAndGet() == 1) {
                throw new IllegalStateException("cannot encode now");
            }
            return StateCodec.<TreeMap<String, Long>>jackson(MAPPER, COUNTS).encode(s);
        }, b -> StateCodec.<TreeMap<String, Long>>jackson(MAPPER, COUNTS).decode(b));
        PipelineSpec.Builder<Rec, TreeMap<String, Long>> spec = PipelineSpec.<Rec, TreeMap<String, Long>>builder(flaky, TreeMap::new)
                .fold((c, r) -> {
                    c.merge("0", 1L, Long::sum);
                    return c;
                })
                .position(r -> Offsets.kafka(TOPIC, 0, r.offset() + 1)).everyEvents(1);
        // the spec's scheduler is taken inside the supplier, so that it is the virtual one
        StepVerifier.withVirtualTime(() -> events(Duration.ofSeconds(1), Duration.ofSeconds(1), 3)
                        .transform(cp.pipeline(spec.scheduler(reactor.core.scheduler.Schedulers.parallel()).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(3))
                .assertNext(m -> assertThat(next(m)).as("the barrier after the failed one holds its events too").isEqualTo(2))
                .assertNext(m -> assertThat(next(m)).isEqualTo(3))
                .expectComplete()
                .verify(T);
        assertThat(encodes.get()).isEqualTo(3);
    }

    @Test
    void cancellingTheRunCancelsTheSaveInFlightAndTheNextRunResumesFromWhatCommitted() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        RecordingSink sink = new RecordingSink(Duration.ofSeconds(10));
        StepVerifier.withVirtualTime(() -> events(Duration.ofSeconds(1), Duration.ofSeconds(1), 3)
                        .transform(cp.pipeline(spec().everyEvents(1).sink(sink).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(5))
                .thenCancel()
                .verify(T);
        assertThat(sink.calls).doesNotContain("prepare 1");
        assertThat(cp.latest().block()).isNull();
        // the pipeline can run again (one run at a time, and the cancelled one is over), from scratch
        List<Manifest> out = Flux.range(0, 2).map(i -> new Rec(0, i)).transform(cp.pipeline(spec().everyEvents(2).build())).collectList().block(T);
        assertThat(out).singleElement().satisfies(m -> assertThat(next(m)).isEqualTo(2));
    }

    @Test
    void aSourceErrorEndsTheRunOnlyAfterTheCapturedBarriersAreSaved() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        RecordingSink sink = new RecordingSink(Duration.ofSeconds(10));
        StepVerifier.withVirtualTime(() -> events(Duration.ofSeconds(1), Duration.ofSeconds(1), 3)
                        .concatWith(Mono.<Rec>error(new IllegalStateException("broker gone")).delaySubscription(Duration.ofMillis(500)))
                        .transform(cp.pipeline(spec().everyEvents(1).sink(sink).build())))
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(11))
                .assertNext(m -> assertThat(next(m)).isEqualTo(1))
                .thenAwait(Duration.ofSeconds(10))
                .assertNext(m -> assertThat(next(m)).as("barrier 3, captured before the error, still saved").isEqualTo(3))
                .expectErrorMessage("broker gone")
                .verify(T);
        assertThat(sink.calls).doesNotContain("barrier 4");
    }

    @Test
    void oneRunAtATime() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        CheckpointedPipeline<Rec, TreeMap<String, Long>> pipeline = cp.pipeline(spec().everyEvents(1).build());
        Disposable running = Flux.<Rec>never().transform(pipeline).subscribe();
        try {
            assertThatThrownBy(() -> Flux.just(new Rec(0, 0)).transform(pipeline).blockLast(T))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("already running");
        } finally {
            running.dispose();
        }
        assertThat(Flux.just(new Rec(0, 0)).transform(pipeline).blockLast(T)).isNotNull();
    }

    @Test
    void resumeCommitsAgainEverySinkLeftPendingByACrashAndReportsIt() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        // the job died after the checkpoint committed and before its sink's commit was recorded
        Manifest crashed = cp.save(Snapshot.builder()
                .partition(PipelineSpec.DEFAULT_OPERATOR, 0, Payload.of("{\"0\":7}".getBytes()))
                .offsets(TOPIC, Map.of("0", "7")).sinkEpoch("out", 7).sinkPrepared("out", "txn-7").metadata("pipeline.epoch", "7")
                .build()).block();
        RecordingSink sink = new RecordingSink(Duration.ZERO);
        CheckpointedPipeline<Rec, TreeMap<String, Long>> pipeline = cp.pipeline(spec().everyEvents(1).sink(sink).build());
        PipelineResume<TreeMap<String, Long>> from = pipeline.resume().block();
        assertThat(from.pendingSinks()).extracting(SinkStatus::sink, SinkStatus::epoch, SinkStatus::prepared)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("out", 7L, "txn-7"));
        assertThat(sink.calls).containsExactly("commit 7 txn-7");
        assertThat(cp.sinkStatuses(crashed.id()).block()).singleElement().satisfies(s -> assertThat(s.state()).isEqualTo(SinkState.COMMITTED));
        // resuming again finds nothing pending and commits nothing twice
        sink.calls.clear();
        assertThat(pipeline.resume().block().pendingSinks()).isEmpty();
        assertThat(sink.calls).isEmpty();
        // the next barrier's epoch continues above the recovered one
        List<Manifest> out = Flux.just(new Rec(0, 7)).transform(pipeline).collectList().block(T);
        assertThat(out).singleElement().satisfies(m -> assertThat(m.sinkEpochs()).containsEntry("out", 8L));
        assertThat(sink.calls).containsExactly("barrier 8", "prepare 8", "commit 8 txn-8");
    }

    @Test
    void aSinkCommitThatFailsMarksTheSinkFailedAndCountsAsAFailedCheckpoint() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        RecordingSink sink = new RecordingSink(Duration.ZERO);
        sink.failCommit = true;
        assertThatThrownBy(() -> Flux.just(new Rec(0, 0)).transform(cp.pipeline(spec().everyEvents(1).sink(sink)
                .failures(EveryOptions.giveUpAfter(1)).build())).blockLast(T))
                .isInstanceOfSatisfying(dev.checkpointer.CheckpointException.class, e -> assertThat(e.code()).isEqualTo(dev.checkpointer.ErrorCode.SINK_FAILED))
                .hasMessageContaining("sink 'out' could not commit epoch 1").hasMessageContaining("producer fenced");
        Manifest m = cp.latest().block().manifest();
        assertThat(cp.sinkStatuses(m.id()).block()).singleElement().satisfies(s -> {
            assertThat(s.state()).isEqualTo(SinkState.FAILED);
            assertThat(s.detail()).contains("producer fenced");
        });
    }

    @Test
    void resumeRefusesACheckpointOfAnotherTopologyListingEveryProblem() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        Flux.just(new Rec(0, 0)).transform(cp.pipeline(spec().everyEvents(1)
                .topology(Topology.of(Set.of(TOPIC), Set.of(), 4)).build())).blockLast(T);
        assertThat(cp.latest().block().manifest().topology()).hasValue(Topology.of(Set.of(TOPIC), Set.of(), 4));
        CheckpointedPipeline<Rec, TreeMap<String, Long>> other = cp.pipeline(spec().everyEvents(1)
                .topology(Topology.of(Set.of("clicks"), Set.of(), 8)).build());
        assertThatThrownBy(() -> other.resume().block())
                .isInstanceOf(IncompatibleCheckpointException.class)
                .hasMessageContaining("offsets recorded for source 'words'")
                .hasMessageContaining("vnode count mismatch: expected 8, checkpoint has 4")
                .hasMessageContaining("expected source 'clicks' is not in the checkpoint's topology");
    }

    @Test
    void theSpecRefusesMistakesAtOnce() {
        assertThatThrownBy(() -> spec().build()).isInstanceOf(InvalidInputException.class).hasMessageContaining("trigger");
        assertThatThrownBy(() -> spec().everyEvents(0)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> spec().every(Duration.ZERO)).isInstanceOf(InvalidInputException.class);
        RecordingSink sink = new RecordingSink(Duration.ZERO);
        assertThatThrownBy(() -> spec().sink(sink).sink(sink)).isInstanceOf(InvalidInputException.class).hasMessageContaining("unique");
        assertThatThrownBy(() -> spec().everyEvents(1).sink(sink).topology(Topology.of(Set.of(TOPIC), Set.of("other"))).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("sink 'out' is not in the topology");
    }
}

package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The engine under injected faults: crashes at every call, transient errors, lost responses, cancellation. */
class EngineFaultTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final RetrySettings FAST = RetrySettings.defaults().withBackoff(Duration.ofMillis(1), 2, Duration.ofMillis(4)).withMaxAttempts(12);

    private static CheckpointerBuilder builder(dev.checkpointer.spi.ObjectStore store) {
        return Checkpointer.builder().store(store)
                .inlineThreshold(1024).maxInlineBytes(2048)
                .partSize(64 * 1024).multipartThreshold(128 * 1024)
                .orphanGracePeriod(Duration.ZERO)
                .retry(FAST);
    }

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** A snapshot with every shape: inline, packed, single-request and multipart partitions. */
    private static Snapshot snapshot(long version) {
        return Snapshot.builder()
                .partition("inline", 0, Payload.of(bytes(500, version)))
                .partition("packed", 0, Payload.of(bytes(900, version + 1)))
                .partition("packed", 1, Payload.of(bytes(900, version + 2)))
                .partition("single", 0, Payload.of(bytes(20_000, version + 3)))
                .partition("multi", 0, Payload.of(bytes(200_000, version + 4)))
                .offsets("src", Map.of("0", Long.toString(version)))
                .build();
    }

    /** Reads every partition of a checkpoint and checks it is exactly the state of one version. */
    private static long verifiedVersion(Checkpoint c) {
        long v = Long.parseLong(c.manifest().offsets().get("src").get("0"));
        Snapshot expected = snapshot(v);
        for (Snapshot.Partition p : expected.partitions()) {
            byte[] want = Buffers.join(p.payload().content()).block(TIMEOUT);
            assertThat(Buffers.join(c.stream(p.operator(), p.partition())).block(TIMEOUT)).as(p.operator() + "/" + p.partition()).isEqualTo(want);
        }
        return v;
    }


    @ParameterizedTest(name = "write takes effect before the crash: {0}")
    @ValueSource(booleans = {false, true})
    void aCrashAtAnyCallOfASaveLeavesThePreviousOrTheNewCheckpointWhole(boolean afterEffect) {
        CrashSweep.run(new CrashSweep.Fixture(EngineFaultTest::builder, EngineFaultTest::snapshot, EngineFaultTest::verifiedVersion), afterEffect);
    }

    @Test
    void transientErrorsThrottlingAndLostResponsesNeverLoseOrCorruptACheckpoint() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withTransientRate(0.2).withThrottleRate(0.05).withAfterEffectRate(0.5).withSeed(7));
        List<String> retried = new CopyOnWriteArrayList<>();
        Checkpointer cp = builder(store).retry(FAST.withMaxAttempts(20)).listener(new CheckpointListener() {
            @Override
            public void onRetry(String operation, int attempt, Throwable error) {
                retried.add(operation);
            }
        }).build();
        long committed = 0;
        for (long v = 1; v <= 40; v++) {
            Manifest m = cp.save(snapshot(v)).block(TIMEOUT);
            committed++;
            assertThat(m.id().value()).isEqualTo(v);
            assertThat(verifiedVersion(cp.latest().block(TIMEOUT))).isEqualTo(v);
        }
        assertThat(committed).isEqualTo(40);
        assertThat(retried).contains("put", "get");
        store.clearFaults();
        assertThat(cp.list().count().block(TIMEOUT)).isEqualTo(40);
    }

    @ParameterizedTest(name = "lost response on {0}")
    @ValueSource(strings = {"manifest.json", "_latest"})
    void aWriteWhoseResponseWasLostIsRecognisedAsOurOwn(String key) {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = builder(store).build();
        cp.save(snapshot(1)).block(TIMEOUT);
        store.failOnce("put", key, true);
        Manifest m = cp.save(snapshot(2)).block(TIMEOUT);
        assertThat(m.id().value()).isEqualTo(2);
        assertThat(verifiedVersion(builder(MemoryStore.reopen(store.wrapped())).build().latest().block(TIMEOUT))).isEqualTo(2);
    }

    @Test
    void backoffFollowsTheScheduleAndGivesUpAfterMaxAttempts() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withTransientRate(1.0));
        RetrySettings retry = RetrySettings.defaults().withBackoff(Duration.ofMillis(100), 2, Duration.ofSeconds(1)).withMaxAttempts(4).withJitter(0);
        StepVerifier.withVirtualTime(() -> builder(store).retry(retry).build().latest())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(699)) // 100 + 200 + 400 ms between the four attempts
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_TRANSIENT))
                .verify(TIMEOUT);
        assertThat(store.callCount()).isEqualTo(4);
    }

    @Test
    void theElapsedBudgetStopsRetryingBeforeTheAttemptsRunOut() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withThrottleRate(1.0));
        RetrySettings retry = RetrySettings.defaults().withBackoff(Duration.ofSeconds(1), 1.0, Duration.ofSeconds(1))
                .withMaxAttempts(100).withMaxElapsed(Duration.ofSeconds(5)).withJitter(0);
        StepVerifier.withVirtualTime(() -> builder(store).retry(retry).build().latest())
                .expectSubscription()
                .thenAwait(Duration.ofSeconds(10))
                .expectErrorSatisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_THROTTLED))
                .verify(TIMEOUT);
        assertThat(store.callCount()).isBetween(5L, 7L);
    }

    @Test
    void aLostResponseOnTheManifestsLastAttemptIsSettledAndTheSaveGoesOn() {
        // The manifest's create takes effect but its response is lost, and no attempt is left. The save settles the
        // outcome by claiming the key (create-if-absent of an abort marker): refused, it reads its own manifest
        // there and publishes it. Nothing is withdrawn, nothing is half.
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = builder(store).retry(RetrySettings.none()).build();
        cp.save(snapshot(1)).block(TIMEOUT);
        store.failOnce("put", "manifest.json", true);
        Manifest m = cp.save(snapshot(2)).block(TIMEOUT);
        assertThat(m.id().value()).isEqualTo(2);

        Checkpointer reader = builder(MemoryStore.reopen(store.wrapped())).build();
        assertThat(verifiedVersion(reader.latest().block(TIMEOUT))).isEqualTo(2);
        assertThat(reader.list().count().block(TIMEOUT)).isEqualTo(2);
    }

    @Test
    void aLostCreateThatNeverLandedIsSettledByClaimingItsIdAndTheArtifactsGo() {
        // The create fails without taking effect (no attempt left): the save claims the key with an abort marker, so
        // the manifest can never appear later (a delayed request), and only then removes its artifacts.
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = builder(store).retry(RetrySettings.none()).build();
        cp.save(snapshot(1)).block(TIMEOUT);
        store.failOnce("put", "manifest.json", false);
        StepVerifier.create(cp.save(snapshot(2))).expectError(StoreException.class).verify(TIMEOUT);
        Checkpointer reader = builder(MemoryStore.reopen(store.wrapped())).build();
        assertThat(verifiedVersion(reader.latest().block(TIMEOUT))).isEqualTo(1);
        assertThat(store.keys()).filteredOn(k -> k.startsWith("checkpoints/00000000000000000002/"))
                .containsExactly("checkpoints/00000000000000000002/manifest.json");
        assertThat(new String(store.raw("checkpoints/00000000000000000002/manifest.json").orElseThrow(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("checkpointer-abort");
        // The next save moves past the claimed id.
        assertThat(cp.save(snapshot(3)).block(TIMEOUT).id().value()).isEqualTo(3);
    }

    @Test
    void whenTheManifestsFateCannotBeLearntItsArtifactsStayAndTheCheckpointIsWhole() {
        // Lost response on the create, then the read-back that would settle it fails too: nothing may be deleted.
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = builder(store).retry(RetrySettings.none()).build();
        cp.save(snapshot(1)).block(TIMEOUT);
        store.failOnce("put", "manifest.json", true);
        store.failOnce("get", "manifest.json", false);
        StepVerifier.create(cp.save(snapshot(2))).expectError(StoreException.class).verify(TIMEOUT);

        // The manifest stayed, so the checkpoint counts: it must restore whole.
        Checkpointer reader = builder(MemoryStore.reopen(store.wrapped())).build();
        assertThat(verifiedVersion(reader.latest().block(TIMEOUT))).isEqualTo(2);
        // And a later save goes on from it.
        assertThat(cp.save(snapshot(3)).block(TIMEOUT).id().value()).isEqualTo(3);
        assertThat(verifiedVersion(reader.latest().block(TIMEOUT))).isEqualTo(3);
    }

    @Test
    void permanentErrorsAreNotRetried() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.crashAfter(0, false);
        StepVerifier.create(builder(store).build().save(snapshot(1))).expectError(StoreException.class).verify(TIMEOUT);
        assertThat(store.callCount()).isEqualTo(1);
    }

    @Test
    void cancellingALargeSaveAbortsItsUploadsAndCommitsNothing() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = builder(store).build();
        cp.save(snapshot(1)).block(TIMEOUT);
        List<String> before = store.keys();
        List<SaveOutcome.Status> outcomes = new CopyOnWriteArrayList<>();
        FaultInjectingStore slow = new FaultInjectingStore(MemoryStore.reopen(store.wrapped()));
        slow.inject(FaultInjectingStore.Plan.none().withLatency(Duration.ofMillis(10)));
        Checkpointer cancelled = builder(slow).listener(new CheckpointListener() {
            @Override
            public void onSaveFinished(SaveOutcome outcome) {
                outcomes.add(outcome.status());
            }
        }).build();
        Snapshot big = Snapshot.builder().partition("multi", 0, Payload.of(bytes(2_000_000, 3))).build();
        VirtualTimeScheduler time = VirtualTimeScheduler.getOrSet();
        try {
            Disposable running = cancelled.save(big).subscribe();
            time.advanceTimeBy(Duration.ofMillis(45)); // pointer read, epoch claim, multipart start, some parts
            assertThat(slow.calls()).extracting(FaultInjectingStore.Call::operation).contains("startMultipart", "uploadPart");
            assertThat(MemoryStore.pendingUploads(store.wrapped())).isOne();
            running.dispose();
            time.advanceTimeBy(Duration.ofSeconds(1)); // let the abort go through the store's latency
        } finally {
            VirtualTimeScheduler.reset();
        }
        assertThat(slow.calls()).extracting(FaultInjectingStore.Call::operation).contains("abortMultipart").doesNotContain("completeMultipart");
        assertThat(MemoryStore.pendingUploads(store.wrapped())).isZero();
        assertThat(store.keys()).containsExactlyInAnyOrderElementsOf(before);
        assertThat(outcomes).containsExactly(SaveOutcome.Status.CANCELLED);
        assertThat(cp.latest().block(TIMEOUT).manifest().id().value()).isEqualTo(1);
    }

    @Test
    void aSteadyStateCheckpointCostsOneRequestPerLargePartitionPlusTwo() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Checkpointer.builder().store(store).build(); // defaults: 64 KiB inline threshold
        Snapshot.Builder b = Snapshot.builder();
        for (int i = 0; i < 4; i++) {
            b.partition("large", i, Payload.of(bytes(100_000, i)));
        }
        for (int i = 0; i < 20; i++) {
            b.partition("small", i, Payload.of(bytes(1000, i)));
        }
        Snapshot s = b.build();
        cp.save(s).block(TIMEOUT); // first save also reads the pointer and claims an epoch
        store.clearCalls();
        cp.save(s).block(TIMEOUT);
        List<FaultInjectingStore.Call> calls = store.calls();
        assertThat(calls).hasSize(4 + 2);
        assertThat(calls).extracting(FaultInjectingStore.Call::operation).containsOnly("put");
        assertThat(calls.get(4).key()).endsWith("manifest.json");
        assertThat(calls.get(5).key()).isEqualTo("_latest");
    }

    @Test
    void withRetentionASteadyStateCheckpointCostsTheSamePlusOneBatchedDeleteWhenOneExpires() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Checkpointer.builder().store(store).retention(dev.checkpointer.Retention.keepLast(3)).build();
        Snapshot.Builder b = Snapshot.builder();
        for (int i = 0; i < 4; i++) {
            b.partition("large", i, Payload.of(bytes(100_000, i)));
        }
        for (int i = 0; i < 20; i++) {
            b.partition("small", i, Payload.of(bytes(1000, i)));
        }
        Snapshot s = b.build();
        for (int i = 0; i < 3; i++) {
            cp.save(s).block(TIMEOUT); // fills the window; nothing expires yet
        }
        for (int round = 4; round <= 10; round++) {
            store.clearCalls();
            cp.save(s).block(TIMEOUT);
            List<FaultInjectingStore.Call> calls = store.calls();
            // 4 artifacts, the manifest, the pointer (whose compare-and-swap also raises the floor), one batched delete.
            assertThat(calls).as("round %d: %s", round, calls).hasSize(4 + 2 + 1);
            assertThat(calls.subList(0, 6)).extracting(FaultInjectingStore.Call::operation).containsOnly("put");
            assertThat(calls.get(4).key()).endsWith("manifest.json");
            assertThat(calls.get(5).key()).isEqualTo("_latest");
            assertThat(calls.get(6).operation()).isEqualTo("deleteAll");
        }
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(8L, 9L, 10L);
        assertThat(store.keys()).allMatch(k -> k.equals("_latest") || k.compareTo("checkpoints/00000000000000000008/") >= 0);
    }

    @Test
    void theUploadBudgetIsSharedByConcurrentSaves() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withLatency(Duration.ofMillis(20)));
        CountingStore counting = new CountingStore(store);
        Checkpointer cp = Checkpointer.builder().store(counting).maxConcurrentUploads(3).inlineThreshold(0).build();
        Flux<Manifest> two = Flux.range(0, 2).flatMap(n -> {
            Snapshot.Builder b = Snapshot.builder().epoch(1);
            for (int i = 0; i < 8; i++) {
                b.partition("p" + n, i, Payload.of(bytes(1000, i)));
            }
            return cp.save(b.build());
        });
        StepVerifier.withVirtualTime(() -> two)
                .thenAwait(Duration.ofSeconds(10))
                .expectNextCount(2)
                .verifyComplete();
        assertThat(counting.peakArtifactPuts.get()).as("peak artifact uploads in flight").isEqualTo(3);
    }

    @Test
    void everySavesOnEachTickAndSkipsTicksWhileASaveIsRunning() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        AtomicLong skipped = new AtomicLong();
        AtomicInteger ticks = new AtomicInteger();
        Checkpointer cp = builder(store).listener(new CheckpointListener() {
            @Override
            public void onTickSkipped(long skippedSoFar) {
                skipped.set(skippedSoFar);
            }
        }).build();
        StepVerifier.withVirtualTime(() -> cp.every(Duration.ofSeconds(1), () -> Mono.fromCallable(() -> snapshot(ticks.incrementAndGet()))))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(m -> assertThat(m.id().value()).isEqualTo(1))
                .thenAwait(Duration.ofSeconds(2))
                .expectNextCount(2)
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(skipped.get()).isZero();

        // Each store call now takes 700 ms, so a save spans several ticks: those ticks are skipped, not queued.
        store.inject(FaultInjectingStore.Plan.none().withLatency(Duration.ofMillis(700)));
        List<Manifest> saved = new CopyOnWriteArrayList<>();
        VirtualTimeScheduler time = VirtualTimeScheduler.getOrSet();
        try {
            Disposable running = cp.every(Duration.ofSeconds(1), () -> Mono.fromCallable(() -> snapshot(ticks.incrementAndGet())))
                    .subscribe(saved::add);
            time.advanceTimeBy(Duration.ofSeconds(30));
            running.dispose();
        } finally {
            VirtualTimeScheduler.reset();
        }
        assertThat(saved).hasSizeBetween(2, 15);
        assertThat(skipped.get()).isGreaterThanOrEqualTo(30 - saved.size() - 1);
        assertThat(saved).extracting(m -> m.id().value()).isSorted().doesNotHaveDuplicates();
    }

    /** Counts artifact puts in flight at once. */
    private static final class CountingStore extends dev.checkpointer.spi.ForwardingObjectStore {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger peakArtifactPuts = new AtomicInteger();

        CountingStore(dev.checkpointer.spi.ObjectStore delegate) {
            super(delegate);
        }

        @Override
        public Mono<dev.checkpointer.spi.ObjectInfo> put(String key, Payload payload, dev.checkpointer.spi.PutOptions options) {
            if (key.endsWith("manifest.json") || key.equals("_latest")) {
                return super.put(key, payload, options);
            }
            return Mono.defer(() -> {
                peakArtifactPuts.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                Runnable finished = () -> {
                    if (done.compareAndSet(false, true)) {
                        inFlight.decrementAndGet();
                    }
                };
                // Counted as finished before the result travels on (and releases the engine's permit).
                return super.put(key, payload, options)
                        .doOnSuccess(i -> finished.run())
                        .doOnError(e -> finished.run())
                        .doOnCancel(finished);
            });
        }
    }
}

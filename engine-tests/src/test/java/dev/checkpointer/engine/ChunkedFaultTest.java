package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Chunking;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Chunked checkpoints under injected faults: a crash at every store call of a save that reuses chunks, transient
 * errors and lost responses on chunk requests, corruption in transit, and a chunk request that never answers. The
 * property is the one every save keeps: the newest checkpoint is whole (every chunk there, every byte verified), and
 * once prune has run, what is left is exactly what the retained checkpoints reference.
 */
class ChunkedFaultTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final RetrySettings FAST = RetrySettings.defaults().withBackoff(Duration.ofMillis(1), 2, Duration.ofMillis(4)).withMaxAttempts(12);
    /** 8 KiB chunks, so a 192 KiB partition is about 24 of them and an edit changes one or two. */
    private static final Chunking CHUNKING = Chunking.on().withThreshold(64 * 1024).withAverageChunkSize(8 * 1024);
    private static final int SIZE = 192 * 1024;
    private static final byte[] BASE = random(SIZE, 42);
    private static final byte[] TEXT = "{\"counter\":12345,\"key\":\"user-0001\"}\n".repeat(SIZE / 36 + 1).substring(0, SIZE).getBytes(StandardCharsets.UTF_8);

    private static CheckpointerBuilder builder(ObjectStore store, boolean zstd) {
        return Checkpointer.builder().store(store)
                .chunking(zstd ? CHUNKING.withZstd(3) : CHUNKING)
                .orphanGracePeriod(Duration.ZERO)
                .retry(FAST);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Version {@code v} of the state: the base with a 2 KiB edit at a place that moves with v, in both partitions. */
    private static Snapshot snapshot(long v) {
        byte[] blob = BASE.clone();
        byte[] text = TEXT.clone();
        int at = (int) ((v * 37_813) % (SIZE - 2048));
        System.arraycopy(random(2048, v), 0, blob, at, 2048);
        byte[] digits = Long.toString(1_000_000 + v).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 2048; i += digits.length + 1) {
            System.arraycopy(digits, 0, text, Math.min(SIZE - digits.length, at + i), digits.length);
        }
        return Snapshot.builder()
                .partition("blob", 0, Payload.of(blob))
                .partition("text", 0, Payload.of(text))
                .partition("small", 0, Payload.of(random(300, v))) // inline: chunking leaves it alone
                .offsets("src", Map.of("0", Long.toString(v)))
                .build();
    }

    /** Reads every partition and checks it is exactly the state of one version, which it returns. */
    private static long verifiedVersion(Checkpoint c) {
        long v = Long.parseLong(c.manifest().offsets().get("src").get("0"));
        for (Snapshot.Partition p : snapshot(v).partitions()) {
            byte[] want = Buffers.join(p.payload().content()).block(TIMEOUT);
            assertThat(Buffers.toArray(c.read(p.operator(), p.partition()).block(TIMEOUT))).as(p.operator() + "/" + p.partition()).isEqualTo(want);
        }
        assertThat(c.manifest().partition("blob", 0).orElseThrow().isChunked()).isTrue();
        return v;
    }


    @ParameterizedTest(name = "write takes effect before the crash: {0}, zstd: {1}")
    @CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void aCrashAtAnyCallOfASaveReusingChunksLeavesThePreviousOrTheNewCheckpointWhole(boolean afterEffect, boolean zstd) {
        CrashSweep.Fixture fixture = new CrashSweep.Fixture(store -> builder(store, zstd), ChunkedFaultTest::snapshot, ChunkedFaultTest::verifiedVersion);
        // The second save, from a fresh process, reuses its head's chunks and puts only the changed ones.
        long chunkPuts = CrashSweep.probe(fixture).calls().stream().filter(c -> c.operation().equals("put") && c.key().startsWith(ChunkRef.AREA)).count();
        assertThat(chunkPuts).as("the second save puts its changed chunks only").isBetween(2L, 12L);
        CrashSweep.run(fixture, afterEffect);
    }

    @ParameterizedTest(name = "zstd: {0}")
    @ValueSource(booleans = {false, true})
    void transientErrorsThrottlingAndLostResponsesOnChunksNeverLoseOrCorruptACheckpoint(boolean zstd) {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withTransientRate(0.2).withThrottleRate(0.05).withAfterEffectRate(0.5).withSeed(zstd ? 11 : 7));
        List<String> retried = new CopyOnWriteArrayList<>();
        Checkpointer cp = builder(store, zstd).retry(FAST.withMaxAttempts(20)).listener(new CheckpointListener() {
            @Override
            public void onRetry(String operation, int attempt, Throwable error) {
                retried.add(operation);
            }
        }).build();
        for (long v = 1; v <= 25; v++) {
            Manifest m = cp.save(snapshot(v)).block(TIMEOUT);
            assertThat(m.id().value()).isEqualTo(v);
            assertThat(verifiedVersion(cp.latest().block(TIMEOUT))).isEqualTo(v);
        }
        assertThat(retried).contains("put", "get");
        store.clearFaults();
        cp.prune().block(TIMEOUT);
        assertThat(store.keys()).containsExactlyInAnyOrderElementsOf(CrashSweep.referencedKeys(cp));
        assertThat(cp.list().count().block(TIMEOUT)).isEqualTo(25);
        verifiedVersion(cp.load(cp.list().blockFirst(TIMEOUT).id()).block(TIMEOUT));
    }

    @ParameterizedTest(name = "zstd: {0}")
    @ValueSource(booleans = {false, true})
    void aChunkCorruptedInTransitIsRetriedOrRefusedAndNeverHandedOut(boolean zstd) {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Manifest m = builder(store, zstd).build().save(snapshot(1)).block(TIMEOUT);
        byte[] want = Buffers.join(snapshot(1).partitions().get(0).payload().content()).block(TIMEOUT);
        FaultInjectingStore flipping = new FaultInjectingStore(MemoryStore.reopen(store.wrapped()))
                .inject(FaultInjectingStore.Plan.none().withCorruptReadRate(0.05).withSeed(zstd ? 5 : 3));
        // Loading reads the manifest through the same faults: a flipped manifest is refused too, so load until one
        // load reads it intact (each attempt draws its faults anew).
        Checkpoint viaFlipping = builder(flipping, zstd).build().load(m.id()).retry(100).block(TIMEOUT);
        int correct = 0;
        int refused = 0;
        for (int i = 0; i < 40; i++) {
            try {
                byte[] got = Buffers.toArray(viaFlipping.read("blob", 0).block(TIMEOUT));
                assertThat(got).as("bytes handed out are the bytes saved").isEqualTo(want);
                correct++;
            } catch (IntegrityException e) {
                assertThat(e.getMessage()).contains(ChunkRef.AREA);
                refused++;
            }
        }
        // About 24 chunks a read at 5%: most reads meet a flipped bit, and none hands one out.
        assertThat(refused).as("corruption was met").isPositive();
        assertThat(correct + refused).isEqualTo(40);
    }

    @Test
    void aChunkRequestThatNeverAnswersFailsTheReadAtTheOperationDeadlineAndNamesTheChunk() {
        ObjectStore memory = MemoryStore.create();
        Manifest m = builder(memory, false).build().save(snapshot(1)).block(TIMEOUT);
        ChunkRef stuck = m.partition("blob", 0).orElseThrow().chunks().get(5);
        ObjectStore hanging = new ForwardingObjectStore(MemoryStore.reopen(memory)) {
            @Override
            public Mono<ObjectContent> get(String key, ByteRange range) {
                return key.equals(stuck.key()) ? Mono.never() : super.get(key, range);
            }
        };
        StepVerifier.withVirtualTime(() -> builder(hanging, false).operationTimeout(Duration.ofSeconds(2)).build()
                        .load(m.id()).flatMap(c -> c.read("blob", 0)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(1999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(StoreException.class);
                    assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
                    assertThat(e.getMessage()).contains(stuck.key(), "operation deadline");
                })
                .verify(TIMEOUT);
    }

    @Test
    void aCreateSettledAfterItsCheckpointWasBuiltOnAndExpiredLeavesItsChunksToTheCheckpointsThatReuseThem() {
        // Writer A's create of manifest 1 lands but its response is lost; A settles the outcome with an abort marker,
        // held here until writer B has rolled checkpoint 1 forward, built 2 and 3 on it (reusing its chunks, which
        // stay under chunks/1/) and expired it (keep 1), which empties the manifest key. The marker then lands on an
        // empty key. That does not prove checkpoint 1 was never published: A must report an unknown outcome and
        // delete nothing, or checkpoint 3 loses chunks (the simulation found this; FoundInChunksTest).
        ObjectStore memory = MemoryStore.create();
        String manifest1 = "checkpoints/00000000000000000001/manifest.json";
        Sinks.Empty<Void> atMarker = Sinks.empty();
        Sinks.Empty<Void> release = Sinks.empty();
        AtomicInteger puts = new AtomicInteger();
        ObjectStore held = new ForwardingObjectStore(memory) {
            @Override
            public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
                if (key.equals(manifest1) && puts.incrementAndGet() == 2) {
                    return Mono.defer(() -> {
                        atMarker.tryEmitEmpty();
                        return release.asMono();
                    }).then(super.put(key, payload, options));
                }
                return super.put(key, payload, options);
            }
        };
        FaultInjectingStore a = new FaultInjectingStore(held);
        a.failOnce("put", "manifest.json", true);
        CompletableFuture<Manifest> saveA = builder(a, false).retry(RetrySettings.none()).build().save(snapshot(1)).toFuture();
        atMarker.asMono().block(TIMEOUT);

        Checkpointer b = builder(MemoryStore.reopen(memory), false).retention(Retention.keepLast(1)).build();
        b.save(snapshot(2)).block(TIMEOUT);
        Manifest third = b.save(snapshot(3)).block(TIMEOUT);
        assertThat(third.partition("blob", 0).orElseThrow().chunks()).as("checkpoint 3 reuses chunks checkpoint 1 wrote")
                .anyMatch(c -> c.firstId().value() == 1);
        assertThat(MemoryStore.reopen(memory).head(manifest1).onErrorResume(e -> Mono.empty()).blockOptional(TIMEOUT))
                .as("checkpoint 1 expired").isEmpty();

        release.tryEmitEmpty();
        Throwable outcome = catchThrowable(() -> saveA.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
        Checkpointer reader = builder(MemoryStore.reopen(memory), false).build();
        assertThat(verifiedVersion(reader.latest().block(TIMEOUT))).isEqualTo(3);
        assertThat(outcome).cause().isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OUTCOME_UNKNOWN));
    }
}

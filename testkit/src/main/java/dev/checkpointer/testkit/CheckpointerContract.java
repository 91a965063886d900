package dev.checkpointer.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Retention;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * End-to-end behaviour of a {@link Checkpointer} over a real store: the commit protocol, integrity checks, recovery
 * from corrupt metadata, fencing, retention and clean-up. Every store module extends this with its store, so the
 * protocol is proved on each provider, not just in memory.
 */
public abstract class CheckpointerContract {
    /** Bound on any single blocking wait in these tests. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private ObjectStore store;

    /**
     * A store over a fresh, empty location.
     *
     * @param testName a name unique to the test, usable as a prefix
     * @return the store
     */
    protected abstract ObjectStore createStore(String testName);

    /**
     * Another store over the same location as {@code store} (what a restarted process opens). The default returns
     * the same instance.
     *
     * @param original the store
     * @return a store over the same location
     */
    protected ObjectStore reopen(ObjectStore original) {
        return original;
    }

    @BeforeEach
    void openStore(TestInfo info) {
        String name = getClass().getSimpleName() + "-" + info.getTestMethod().map(m -> m.getName()).orElse("t") + "-" + System.nanoTime();
        store = createStore(name.toLowerCase(java.util.Locale.ROOT));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        store.close();
    }

    /**
     * The store under test.
     *
     * @return the store opened for this test
     */
    protected ObjectStore store() {
        return store;
    }

    /**
     * A builder over a store, with small sizes so multipart and packing happen at test scale.
     *
     * @param s the store
     * @return the builder
     */
    protected CheckpointerBuilder builder(ObjectStore s) {
        return Checkpointer.builder().store(s)
                .inlineThreshold(1024)
                .maxInlineBytes(4096)
                .partSize(64 * 1024)
                .multipartThreshold(128 * 1024)
                .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(5), 2, Duration.ofMillis(50)));
    }

    /**
     * Builds a checkpointer that is closed after the test.
     *
     * @param b the builder
     * @return the checkpointer
     */
    protected Checkpointer open(CheckpointerBuilder b) {
        Checkpointer cp = b.build();
        toClose.add(cp);
        return cp;
    }

    /**
     * Deterministic random bytes.
     *
     * @param size how many
     * @param seed the seed
     * @return the bytes
     */
    protected static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * Reads a partition with {@link Checkpoint#read}.
     *
     * @param cp the checkpoint
     * @param op operator
     * @param partition partition
     * @return the verified bytes
     */
    protected static byte[] read(Checkpoint cp, String op, int partition) {
        return Buffers.toArray(cp.read(op, partition).block(TIMEOUT));
    }

    /**
     * Reads a partition with {@link Checkpoint#stream}.
     *
     * @param cp the checkpoint
     * @param op operator
     * @param partition partition
     * @return the verified bytes
     */
    protected static byte[] streamed(Checkpoint cp, String op, int partition) {
        return Buffers.join(cp.stream(op, partition)).block(TIMEOUT);
    }

    /**
     * Every key in a store.
     *
     * @param s the store
     * @return the keys
     */
    protected List<String> keys(ObjectStore s) {
        return s.list("").map(ObjectInfo::key).collectList().block(TIMEOUT);
    }

    /**
     * Replaces an object unconditionally (tampering, or debris of another writer).
     *
     * @param s the store
     * @param key the key
     * @param content the new bytes
     */
    protected void overwrite(ObjectStore s, String key, byte[] content) {
        s.put(key, Payload.of(content), PutOptions.none()).block(TIMEOUT);
    }

    /**
     * Reads an object's stored bytes, bypassing the engine.
     *
     * @param s the store
     * @param key the key
     * @return the bytes
     */
    protected byte[] rawRead(ObjectStore s, String key) {
        return s.get(key, ByteRange.ALL).flatMap(c -> Buffers.join(c.body())).block(TIMEOUT);
    }

    private static Snapshot simple(String tag) {
        return Snapshot.builder()
                .partition("counts", 0, Payload.of(tag.getBytes(StandardCharsets.UTF_8)))
                .offsets("clicks", Map.of("0", tag))
                .build();
    }

    private static String tag(Checkpoint c) {
        return new String(read(c, "counts", 0), StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------------------------------------------------ basics

    @Test
    void anEmptyLocationHasNoCheckpoint() {
        Checkpointer cp = open(builder(store));
        StepVerifier.create(cp.latest()).expectComplete().verify(TIMEOUT);
        StepVerifier.create(cp.list()).expectComplete().verify(TIMEOUT);
        StepVerifier.create(cp.load(CheckpointId.of(1)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CheckpointNotFoundException.class)
                        .hasMessageContaining("1"))
                .verify(TIMEOUT);
    }

    @Test
    void everyKindOfPartitionRoundTripsVerified(@TempDir Path dir) throws IOException {
        byte[] tiny = bytes(100, 1);
        byte[] packed1 = bytes(900, 2);
        byte[] packed2 = bytes(1000, 3);
        byte[] large = bytes(100_000, 4);
        byte[] huge = bytes(300_000 + 17, 5);
        byte[] fromFile = bytes(200_000, 6);
        Path file = dir.resolve("state.bin");
        Files.write(file, fromFile);
        Snapshot snapshot = Snapshot.builder()
                .partition("tiny", 0, Payload.of(tiny))
                .partition("empty", 0, Payload.of(new byte[0]))
                .partition("packed", 0, Payload.of(packed1))
                .partition("packed", 1, PartitionKind.DELTA, Payload.of(ByteBuffer.wrap(packed2)))
                .partition("large", 0, Payload.of(large))
                .partition("huge", 3, Payload.of(() -> Flux.range(0, 16).map(i -> {
                    int chunk = (huge.length + 15) / 16;
                    int from = i * chunk;
                    return ByteBuffer.wrap(huge, from, Math.min(chunk, huge.length - from));
                }), huge.length))
                .partition("file", 0, Payload.of(file))
                .partition("tiny", 1, Payload.of(tiny))
                .partition("tiny", 2, Payload.of(tiny))
                .offsets("clicks", Map.of("0", "42", "1", "7"))
                .watermark("clicks", Instant.parse("2026-01-01T00:00:00Z"))
                .fingerprint("pipeline-v1")
                .metadata("app", "contract")
                .build();
        Checkpointer cp = open(builder(store).maxInlineBytes(1100));
        Manifest saved = cp.save(snapshot).block(TIMEOUT);

        assertThat(saved.id()).isEqualTo(CheckpointId.of(1));
        assertThat(saved.partitions()).extracting(PartitionEntry::name).containsExactly(
                "tiny/0", "empty/0", "packed/0", "packed/1", "large/0", "huge/3", "file/0", "tiny/1", "tiny/2");
        assertThat(saved.partition("tiny", 0).orElseThrow().isInline()).isTrue();
        // Inline budget 1100 bytes, first come first served: tiny/0 + packed/0 + tiny/1 fit; packed/1 and tiny/2 go
        // to one sidecar object.
        assertThat(saved.partition("packed", 0).orElseThrow().isInline()).isTrue();
        assertThat(saved.partition("tiny", 1).orElseThrow().isInline()).isTrue();
        assertThat(saved.partition("packed", 1).orElseThrow().isInline()).isFalse();
        assertThat(saved.partition("packed", 1).orElseThrow().key()).isEqualTo(saved.partition("tiny", 2).orElseThrow().key());
        assertThat(saved.partition("packed", 1).orElseThrow().kind()).isEqualTo(PartitionKind.DELTA);
        assertThat(saved.totalBytes()).isEqualTo(3L * tiny.length + packed1.length + packed2.length + large.length + huge.length + fromFile.length);

        Checkpoint latest = open(builder(reopen(store))).latest().block(TIMEOUT);
        assertThat(latest.manifest()).isEqualTo(saved);
        assertThat(latest.manifest().offsets()).isEqualTo(Map.of("clicks", Map.of("0", "42", "1", "7")));
        assertThat(latest.manifest().fingerprint()).isEqualTo("pipeline-v1");
        assertThat(read(latest, "tiny", 0)).isEqualTo(tiny);
        assertThat(read(latest, "empty", 0)).isEmpty();
        assertThat(read(latest, "packed", 0)).isEqualTo(packed1);
        assertThat(read(latest, "packed", 1)).isEqualTo(packed2);
        assertThat(read(latest, "large", 0)).isEqualTo(large);
        assertThat(streamed(latest, "huge", 3)).isEqualTo(huge);
        assertThat(streamed(latest, "file", 0)).isEqualTo(fromFile);
        assertThat(streamed(latest, "packed", 1)).isEqualTo(packed2);
        StepVerifier.create(latest.read("nope", 0))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidInputException.class).hasMessageContaining("nope"))
                .verify(TIMEOUT);
    }

    @Test
    void idsIncreaseAndTheLatestPointerFollows() {
        Checkpointer cp = open(builder(store));
        for (int i = 1; i <= 3; i++) {
            assertThat(cp.save(simple("v" + i)).block(TIMEOUT).id()).isEqualTo(CheckpointId.of(i));
        }
        Checkpointer other = open(builder(reopen(store)));
        assertThat(tag(other.latest().block(TIMEOUT))).isEqualTo("v3");
        assertThat(other.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(1L, 2L, 3L);
        assertThat(tag(other.load(CheckpointId.of(2)).block(TIMEOUT))).isEqualTo("v2");
        // A new writer continues the sequence and claims a newer epoch.
        Manifest next = other.save(simple("v4")).block(TIMEOUT);
        assertThat(next.id()).isEqualTo(CheckpointId.of(4));
        assertThat(next.epoch()).isGreaterThan(cp.list().blockLast(TIMEOUT).epoch() - 1);
    }

    @Test
    void aSnapshotMayNameItsIdButNeverReuseOne() {
        Checkpointer cp = open(builder(store));
        cp.save(Snapshot.builder().id(CheckpointId.of(10)).partition("a", 0, Payload.of(new byte[] {1})).build()).block(TIMEOUT);
        StepVerifier.create(cp.save(Snapshot.builder().id(CheckpointId.of(10)).partition("a", 0, Payload.of(new byte[] {2})).build()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConcurrentCheckpointException.class).hasMessageContaining("10"))
                .verify(TIMEOUT);
        assertThat(read(cp.load(CheckpointId.of(10)).block(TIMEOUT), "a", 0)).containsExactly(1);
        assertThat(cp.save(simple("after")).block(TIMEOUT).id()).isEqualTo(CheckpointId.of(11));
    }

    @Test
    void theLargestIdKeepsTheLocationReadableAndNothingIsWrittenBeyondIt() {
        Checkpointer cp = open(builder(store));
        CheckpointId last = CheckpointId.of(CheckpointId.MAX_VALUE);
        cp.save(Snapshot.builder().id(last).partition("a", 0, Payload.of(new byte[] {7})).build()).block(TIMEOUT);
        // latest() must not look for an id after the last one.
        Checkpoint latest = open(builder(reopen(store))).latest().block(TIMEOUT);
        assertThat(latest.manifest().id()).isEqualTo(last);
        assertThat(read(latest, "a", 0)).containsExactly(7);
        List<String> before = keys(store);
        StepVerifier.create(cp.save(simple("beyond")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidInputException.class).hasMessageContaining("so that an id can follow it"))
                .verify(TIMEOUT);
        assertThat(keys(store)).containsExactlyInAnyOrderElementsOf(before);
    }

    // ------------------------------------------------------------------------------------------------ integrity

    @Test
    void aFlippedByteInAnArtifactIsNeverReturned() {
        Checkpointer cp = open(builder(store));
        byte[] large = bytes(200_000, 9);
        Manifest m = cp.save(Snapshot.builder().partition("big", 0, Payload.of(large)).build()).block(TIMEOUT);
        String key = m.partition("big", 0).orElseThrow().key();
        byte[] stored = rawRead(store, key);
        stored[123_456] ^= 1;
        overwrite(store, key, stored);

        Checkpoint c = cp.latest().block(TIMEOUT);
        StepVerifier.create(c.read("big", 0))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IntegrityException.class).hasMessageContaining(key))
                .verify(TIMEOUT);
        List<ByteBuffer> seen = new CopyOnWriteArrayList<>();
        StepVerifier.create(c.stream("big", 0).doOnNext(seen::add))
                .thenConsumeWhile(b -> true)
                .expectError(IntegrityException.class)
                .verify(TIMEOUT);
    }

    @Test
    void aTruncatedArtifactIsRefusedBeforeItsBytesAreUsed() {
        Checkpointer cp = open(builder(store));
        Manifest m = cp.save(Snapshot.builder().partition("big", 0, Payload.of(bytes(50_000, 3))).build()).block(TIMEOUT);
        String key = m.partition("big", 0).orElseThrow().key();
        byte[] stored = rawRead(store, key);
        overwrite(store, key, java.util.Arrays.copyOf(stored, stored.length - 1));
        Checkpoint c = cp.load(m.id()).block(TIMEOUT);
        StepVerifier.create(c.read("big", 0)).expectError(IntegrityException.class).verify(TIMEOUT);
        StepVerifier.create(c.stream("big", 0)).expectError(IntegrityException.class).verify(TIMEOUT);
    }

    @Test
    void aCorruptManifestIsPassedOverForTheNextOlderCheckpoint() {
        List<CheckpointId> reported = new CopyOnWriteArrayList<>();
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onCorruptCheckpoint(CheckpointId id, CheckpointException error) {
                reported.add(id);
            }
        };
        Checkpointer cp = open(builder(store).listener(listener));
        cp.save(simple("one")).block(TIMEOUT);
        Manifest two = cp.save(simple("two")).block(TIMEOUT);
        String key = "checkpoints/" + two.id().padded() + "/manifest.json";
        byte[] manifest = rawRead(store, key);
        String text = new String(manifest, StandardCharsets.UTF_8).replace("\"two\"", "\"Two\"");
        overwrite(store, key, text.getBytes(StandardCharsets.UTF_8));

        assertThat(tag(cp.latest().block(TIMEOUT))).isEqualTo("one");
        assertThat(reported).contains(two.id());
        StepVerifier.create(cp.load(two.id()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CorruptMetadataException.class)
                        .hasMessageContaining("digest"))
                .verify(TIMEOUT);
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(1L);
    }

    @Test
    void aCorruptOrMissingPointerIsRecoveredForReadsReportedAndRepairedOnlyOnRequest() {
        Checkpointer cp = open(builder(store));
        cp.save(simple("one")).block(TIMEOUT);
        cp.save(simple("two")).block(TIMEOUT);
        overwrite(store, "_latest", "{\"id\":1,\"epoch\":1".getBytes(StandardCharsets.UTF_8));
        List<CheckpointId> recoveries = new CopyOnWriteArrayList<>();
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onPointerRecovery(CheckpointId recovered, String reason) {
                recoveries.add(recovered);
            }
        };
        Checkpointer fresh = open(builder(reopen(store)).listener(listener));
        assertThat(tag(fresh.latest().block(TIMEOUT))).isEqualTo("two");
        assertThat(fresh.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(1L, 2L);
        assertThat(recoveries).contains(CheckpointId.of(2));
        // Writes need the pointer repaired first: it may have held an epoch no manifest records.
        List<String> before = keys(store);
        StepVerifier.create(fresh.save(simple("refused")))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CorruptMetadataException.class).hasMessageContaining("repair"))
                .verify(TIMEOUT);
        assertThat(keys(store)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(fresh.repairPointer().block(TIMEOUT).id()).isEqualTo(CheckpointId.of(2));
        assertThat(fresh.save(simple("three")).block(TIMEOUT).id()).isEqualTo(CheckpointId.of(3));
        assertThat(new String(rawRead(store, "_latest"), StandardCharsets.UTF_8)).contains("\"id\":3");

        // A missing pointer: the same recovery; a save that opted in repairs it first.
        store.delete("_latest").block(TIMEOUT);
        assertThat(tag(open(builder(reopen(store))).latest().block(TIMEOUT))).isEqualTo("three");
        Checkpointer repairing = open(builder(reopen(store)).repairPointerOnSave(true));
        assertThat(repairing.save(simple("four")).block(TIMEOUT).id()).isEqualTo(CheckpointId.of(4));
        assertThat(tag(open(builder(reopen(store))).latest().block(TIMEOUT))).isEqualTo("four");
        assertThat(open(builder(reopen(store))).list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aManifestOfANewerFormatMajorIsRefusedWithAClearError() {
        Checkpointer cp = open(builder(store));
        Manifest m = cp.save(simple("one")).block(TIMEOUT);
        String key = "checkpoints/" + m.id().padded() + "/manifest.json";
        String newer = (Manifest.FORMAT_MAJOR + 1) + ".0";
        String body = "{\"formatVersion\":\"" + newer + "\",\"id\":1,\"epoch\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"partitions\":[],\"newThing\":true}";
        String sha = sha256Hex(body.getBytes(StandardCharsets.UTF_8));
        overwrite(store, key, ("{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"" + sha + "\",\"manifest\":" + body + "}")
                .getBytes(StandardCharsets.UTF_8));
        StepVerifier.create(cp.load(m.id()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IncompatibleCheckpointException.class)
                        .hasMessageContaining(newer).hasMessageContaining("upgrade"))
                .verify(TIMEOUT);
    }

    @Test
    void aFingerprintMismatchIsRefused() {
        open(builder(store)).save(Snapshot.builder().fingerprint("v1").partition("a", 0, Payload.of(new byte[] {1})).build()).block(TIMEOUT);
        Checkpointer v2 = open(builder(reopen(store)).expectFingerprint("v2"));
        StepVerifier.create(v2.load(CheckpointId.of(1)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IncompatibleCheckpointException.class).hasMessageContaining("v1"))
                .verify(TIMEOUT);
        StepVerifier.create(v2.latest()).expectComplete().verify(TIMEOUT);
    }

    // ------------------------------------------------------------------------------------------------ concurrency

    @Test
    void twoWritersRacingForOneIdNeverBothCommit() {
        int rounds = 25;
        Checkpointer a = open(builder(store).writerId("writer-a"));
        Checkpointer b = open(builder(reopen(store)).writerId("writer-b"));
        long lastLatest = 0;
        for (int round = 1; round <= rounds; round++) {
            CheckpointId id = CheckpointId.of(round);
            Snapshot sa = Snapshot.builder().epoch(7).id(id).partition("p", 0, Payload.of(bytes(2000, round))).metadata("by", "a").build();
            Snapshot sb = Snapshot.builder().epoch(7).id(id).partition("p", 0, Payload.of(bytes(2000, -round))).metadata("by", "b").build();
            List<Object> results = Flux.merge(
                            a.save(sa).subscribeOn(Schedulers.parallel()).map(m -> (Object) m).onErrorResume(e -> Mono.just(e)),
                            b.save(sb).subscribeOn(Schedulers.parallel()).map(m -> (Object) m).onErrorResume(e -> Mono.just(e)))
                    .collectList().block(TIMEOUT);
            List<Manifest> won = results.stream().filter(Manifest.class::isInstance).map(Manifest.class::cast).toList();
            assertThat(won).as("round %d: %s", round, results).hasSize(1);
            assertThat(results.stream().filter(r -> !(r instanceof Manifest)))
                    .allSatisfy(e -> assertThat(e).isInstanceOf(ConcurrentCheckpointException.class));
            Checkpoint latest = open(builder(reopen(store))).latest().block(TIMEOUT);
            assertThat(latest.manifest().id().value()).isGreaterThanOrEqualTo(lastLatest);
            lastLatest = latest.manifest().id().value();
            Manifest winner = won.get(0);
            Checkpoint committed = a.load(id).block(TIMEOUT);
            assertThat(committed.manifest()).isEqualTo(winner);
            assertThat(read(committed, "p", 0)).isEqualTo(bytes(2000, "a".equals(winner.metadata().get("by")) ? round : -round));
        }
        assertThat(lastLatest).isEqualTo(rounds);
    }

    @Test
    void aNewerInstanceFencesTheOlderOne() {
        Checkpointer zombie = open(builder(store).writerId("zombie"));
        Manifest first = zombie.save(simple("z1")).block(TIMEOUT);
        Checkpointer successor = open(builder(reopen(store)).writerId("successor"));
        Manifest second = successor.save(simple("s1")).block(TIMEOUT);
        assertThat(second.epoch()).isGreaterThan(first.epoch());

        // The zombie's next saves are refused; nothing of them becomes visible.
        for (int i = 0; i < 2; i++) {
            StepVerifier.create(zombie.save(simple("z-late")))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConcurrentCheckpointException.class))
                    .verify(TIMEOUT);
        }
        StepVerifier.create(zombie.save(simple("z-later")))
                .expectErrorSatisfies(e -> assertThat(((ConcurrentCheckpointException) e).fenced()).isTrue())
                .verify(TIMEOUT);
        assertThat(tag(successor.latest().block(TIMEOUT))).isEqualTo("s1");
        assertThat(successor.list().map(Manifest::writerId).collectList().block(TIMEOUT)).containsExactly("zombie", "successor");
        assertThat(successor.save(simple("s2")).block(TIMEOUT).id()).isEqualTo(CheckpointId.of(3));
        // A snapshot may carry an epoch from an external coordinator: an old one is fenced too.
        StepVerifier.create(successor.save(Snapshot.builder().epoch(first.epoch()).partition("a", 0, Payload.of(new byte[1])).build()))
                .expectErrorSatisfies(e -> assertThat(((ConcurrentCheckpointException) e).fenced()).isTrue())
                .verify(TIMEOUT);
    }

    @Test
    void concurrentSavesOfOneCheckpointerAllCommitWithDistinctIds() {
        Checkpointer cp = open(builder(store).maxConcurrentUploads(3));
        List<Manifest> saved = Flux.range(0, 12)
                .flatMap(i -> cp.save(Snapshot.builder().partition("p", i, Payload.of(bytes(5000, i))).build())
                        .subscribeOn(Schedulers.parallel()), 6)
                .collectList().block(TIMEOUT);
        assertThat(saved).extracting(m -> m.id().value()).doesNotHaveDuplicates().hasSize(12);
        assertThat(cp.latest().block(TIMEOUT).manifest().id().value()).isEqualTo(12L);
    }

    // ------------------------------------------------------------------------------------------------ many hosts

    private static final com.fasterxml.jackson.databind.ObjectMapper WIRE = new com.fasterxml.jackson.databind.ObjectMapper();

    private static PartitionEntry overTheWire(PartitionEntry e) {
        try {
            String json = WIRE.writeValueAsString(e);
            PartitionEntry back = WIRE.readValue(json, PartitionEntry.class);
            assertThat(WIRE.writeValueAsString(back)).isEqualTo(json);
            return back;
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new AssertionError(ex);
        }
    }

    @Test
    void aCoordinatorCommitsWhatWorkersStaged() {
        Checkpointer coordinator = open(builder(store).maxInlineBytes(1500));
        coordinator.save(simple("before")).block(TIMEOUT);
        CheckpointId id = coordinator.begin().block(TIMEOUT);
        assertThat(id).isEqualTo(CheckpointId.of(2));
        List<Checkpointer> workers = List.of(open(builder(reopen(store)).maxInlineBytes(1500)), open(builder(reopen(store)).maxInlineBytes(1500)));
        List<PartitionEntry> entries = Flux.range(0, 6)
                .flatMapSequential(i -> workers.get(i % 2).stage(id, "op", i,
                        Payload.of(bytes(i < 3 ? 700 : 150_000 + i, i))).subscribeOn(Schedulers.parallel()))
                .map(CheckpointerContract::overTheWire)
                .collectList().block(TIMEOUT);
        assertThat(entries.subList(0, 3)).allSatisfy(e -> assertThat(e.isInline()).isTrue());
        assertThat(entries.subList(3, 6)).allSatisfy(e -> assertThat(e.key()).startsWith("checkpoints/" + id.padded() + "/op/"));

        Manifest m = coordinator.commit(id, dev.checkpointer.CheckpointMetadata.builder().offsets("src", Map.of("0", "9")).build(), entries)
                .block(TIMEOUT);
        assertThat(m.id()).isEqualTo(id);
        // 3 x 700 inline bytes exceed the 1500-byte budget: the third went to a sidecar at commit.
        assertThat(m.partitions().stream().filter(PartitionEntry::isInline).count()).isEqualTo(2);
        Checkpoint restored = open(builder(reopen(store))).latest().block(TIMEOUT);
        assertThat(restored.manifest().id()).isEqualTo(id);
        for (int i = 0; i < 6; i++) {
            assertThat(read(restored, "op", i)).isEqualTo(bytes(i < 3 ? 700 : 150_000 + i, i));
        }
        assertThat(keys(store)).noneMatch(k -> k.endsWith("_begin"));
    }

    @Test
    void twoCoordinatorsCannotBeginTheSameCheckpoint() {
        Checkpointer a = open(builder(store).writerId("coordinator-a"));
        Checkpointer b = open(builder(reopen(store)).writerId("coordinator-b"));
        CheckpointId first = a.begin().block(TIMEOUT);
        StepVerifier.create(b.begin())
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConcurrentCheckpointException.class).hasMessageContaining("begun"))
                .verify(TIMEOUT);
        a.commit(first, dev.checkpointer.CheckpointMetadata.empty(), List.of()).block(TIMEOUT);
        assertThat(b.begin().block(TIMEOUT)).isEqualTo(first.next());
    }

    @Test
    void aCommitNamingArtifactsThatWereNeverStagedOrDifferIsRefusedAndWritesNothing() {
        Checkpointer cp = open(builder(store));
        cp.save(simple("before")).block(TIMEOUT);
        CheckpointId id = cp.begin().block(TIMEOUT);
        PartitionEntry real = open(builder(reopen(store))).stage(id, "op", 0, Payload.of(bytes(200_000, 1))).block(TIMEOUT);
        String sha = real.sha256();
        PartitionEntry ghost = PartitionEntry.stored("op", 1, PartitionKind.SNAPSHOT, "checkpoints/" + id.padded() + "/op/1.ghost.snapshot", 0, 10, sha);
        PartitionEntry resized = PartitionEntry.stored("op", 0, PartitionKind.SNAPSHOT, real.key(), 0, real.size() - 1, sha);
        PartitionEntry foreign = PartitionEntry.stored("op", 2, PartitionKind.SNAPSHOT, "checkpoints/" + CheckpointId.of(1).padded() + "/x", 0, 1, sha);
        List<String> before = keys(store);
        for (List<PartitionEntry> bad : List.of(List.of(real, ghost), List.of(resized), List.of(real, foreign), List.of(real, real))) {
            StepVerifier.create(cp.commit(id, dev.checkpointer.CheckpointMetadata.empty(), bad))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidInputException.class).hasMessageContaining("checkpoint " + id))
                    .verify(TIMEOUT);
        }
        assertThat(keys(store)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(tag(cp.latest().block(TIMEOUT))).isEqualTo("before");
        // The real entry alone commits.
        assertThat(cp.commit(id, dev.checkpointer.CheckpointMetadata.empty(), List.of(real)).block(TIMEOUT).id()).isEqualTo(id);
    }

    @Test
    void abortRemovesWhatWasStagedButNeverACommittedCheckpoint() {
        Checkpointer cp = open(builder(store));
        CheckpointId id = cp.begin().block(TIMEOUT);
        cp.stage(id, "op", 0, Payload.of(bytes(200_000, 1))).block(TIMEOUT);
        assertThat(keys(store)).anyMatch(k -> k.startsWith("checkpoints/" + id.padded() + "/"));
        cp.abort(id).block(TIMEOUT);
        // What was staged is gone; an abort marker holds the id, so no coordinator can commit it afterwards.
        assertThat(keys(store)).filteredOn(k -> k.startsWith("checkpoints/" + id.padded() + "/"))
                .containsExactly("checkpoints/" + id.padded() + "/manifest.json");
        cp.abort(id).block(TIMEOUT); // idempotent
        StepVerifier.create(cp.commit(id, dev.checkpointer.CheckpointMetadata.empty(), List.of()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConcurrentCheckpointException.class).hasMessageContaining("aborted"))
                .verify(TIMEOUT);
        Manifest m = cp.save(simple("x")).block(TIMEOUT);
        assertThat(m.id()).isEqualTo(id.next());
        StepVerifier.create(cp.abort(m.id()))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(ConcurrentCheckpointException.class).hasMessageContaining("committed"))
                .verify(TIMEOUT);
        assertThat(tag(cp.load(m.id()).block(TIMEOUT))).isEqualTo("x");
    }

    @Test
    void stagedArtifactsOfACheckpointNeverCommittedStayWhileItCanCommitAndArePrunedOnceTheHeadPassesIt() {
        Checkpointer cp = open(builder(store).orphanGracePeriod(Duration.ZERO));
        cp.save(simple("one")).block(TIMEOUT);
        CheckpointId id = cp.begin().block(TIMEOUT);
        PartitionEntry staged = cp.stage(id, "op", 0, Payload.of(bytes(200_000, 1))).block(TIMEOUT);
        // Above the head: a coordinator may still commit it, however long it takes, so prune never touches it.
        assertThat(cp.prune().block(TIMEOUT).deletedOrphans()).isEmpty();
        assertThat(keys(store)).contains(staged.key(), "checkpoints/" + id.padded() + "/_begin");
        // Once a later checkpoint is committed above it, nothing can ever commit it: it is garbage.
        Checkpointer other = open(builder(reopen(store)).orphanGracePeriod(Duration.ZERO));
        Manifest later = other.save(Snapshot.builder().id(id.next()).partition("a", 0, Payload.of(new byte[] {1})).build()).block(TIMEOUT);
        PruneReport report = cp.prune().block(TIMEOUT);
        assertThat(report.deletedOrphans()).contains(staged.key(), "checkpoints/" + id.padded() + "/_begin");
        assertThat(keys(store)).noneMatch(k -> k.startsWith("checkpoints/" + id.padded() + "/"));
        StepVerifier.create(cp.commit(id, dev.checkpointer.CheckpointMetadata.empty(), List.of(staged)))
                .expectError().verify(TIMEOUT);
        assertThat(cp.latest().block(TIMEOUT).manifest().id()).isEqualTo(later.id());
    }

    // ------------------------------------------------------------------------------------------------ delete & prune

    @Test
    void deleteRemovesEverythingOfACheckpointAndIsIdempotent() {
        Checkpointer cp = open(builder(store));
        Manifest one = cp.save(Snapshot.builder().partition("big", 0, Payload.of(bytes(10_000, 1))).build()).block(TIMEOUT);
        cp.save(simple("two")).block(TIMEOUT);
        cp.delete(one.id()).block(TIMEOUT);
        cp.delete(one.id()).block(TIMEOUT);
        cp.delete(CheckpointId.of(99)).block(TIMEOUT);
        // A tombstone keeps the chain whole and the id from ever being committed again; everything else is gone.
        assertThat(keys(store)).filteredOn(k -> k.startsWith("checkpoints/" + one.id().padded()))
                .containsExactly("checkpoints/" + one.id().padded() + "/manifest.json");
        StepVerifier.create(cp.save(Snapshot.builder().id(one.id()).partition("a", 0, Payload.of(new byte[] {1})).build()))
                .expectError(ConcurrentCheckpointException.class).verify(TIMEOUT);
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(2L);
        StepVerifier.create(cp.load(one.id())).expectError(CheckpointNotFoundException.class).verify(TIMEOUT);
    }

    @Test
    void retentionKeepsTheNewestAndPinnedAndSweepsOrphans() {
        Checkpointer cp = open(builder(store).retention(Retention.keepLast(2).withPinned(CheckpointId.of(1))).orphanGracePeriod(Duration.ZERO));
        for (int i = 1; i <= 5; i++) {
            cp.save(Snapshot.builder().partition("big", 0, Payload.of(bytes(3000, i))).build()).block(TIMEOUT);
        }
        // Retention runs after each save: 1 is pinned, 4 and 5 are the last two; 2 and 3 left tombstones only.
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(1L, 4L, 5L);
        for (long gone : new long[] {2, 3}) {
            assertThat(keys(store)).filteredOn(k -> k.startsWith("checkpoints/" + CheckpointId.of(gone).padded() + "/"))
                    .containsExactly("checkpoints/" + CheckpointId.of(gone).padded() + "/manifest.json");
            StepVerifier.create(cp.load(CheckpointId.of(gone))).expectError(CheckpointNotFoundException.class).verify(TIMEOUT);
        }
        // Debris above the head (a save that may still commit) and an unreferenced artifact next to a committed one.
        String above = "checkpoints/" + CheckpointId.of(6).padded() + "/big/0.inflight.snapshot";
        String loser = "checkpoints/" + CheckpointId.of(5).padded() + "/big/0.loser.snapshot";
        overwrite(store, above, bytes(10, 1));
        overwrite(store, loser, bytes(20, 1));
        PruneReport report = cp.prune().block(TIMEOUT);
        assertThat(report.deletedOrphans()).containsExactly(loser);
        assertThat(report.bytesFreed()).isGreaterThanOrEqualTo(20);
        assertThat(keys(store)).contains(above);
        Checkpoint latest = cp.latest().block(TIMEOUT);
        assertThat(read(latest, "big", 0)).isEqualTo(bytes(3000, 5));
        assertThat(read(cp.load(CheckpointId.of(1)).block(TIMEOUT), "big", 0)).isEqualTo(bytes(3000, 1));
    }

    @Test
    void retentionRaisesTheFloorAndOnlyThenDeletesWhatFellBelowIt() {
        Checkpointer cp = open(builder(store).retention(Retention.keepLast(2)));
        for (int i = 1; i <= 6; i++) {
            cp.save(Snapshot.builder().partition("big", 0, Payload.of(bytes(3000, i))).build()).block(TIMEOUT);
        }
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(5L, 6L);
        assertThat(new String(rawRead(store, "_latest"), StandardCharsets.UTF_8)).contains("\"floor\":5");
        // Everything below the floor is gone, tombstones and all.
        assertThat(keys(store)).allMatch(k -> k.equals("_latest") || k.startsWith("checkpoints/" + CheckpointId.of(5).padded())
                || k.startsWith("checkpoints/" + CheckpointId.of(6).padded()));
        StepVerifier.create(cp.load(CheckpointId.of(4))).expectError(CheckpointNotFoundException.class).verify(TIMEOUT);
        // A stale writer re-creating an expired id below the floor is never seen by anyone.
        overwrite(store, "checkpoints/" + CheckpointId.of(3).padded() + "/manifest.json", rawRead(store, "checkpoints/" + CheckpointId.of(6).padded() + "/manifest.json"));
        Checkpointer fresh = open(builder(reopen(store)));
        assertThat(fresh.list().map(m -> m.id().value()).collectList().block(TIMEOUT)).containsExactly(5L, 6L);
        StepVerifier.create(fresh.load(CheckpointId.of(3))).expectError(CheckpointNotFoundException.class).verify(TIMEOUT);
    }

    @Test
    void orphansYoungerThanTheGracePeriodAreKept() {
        Checkpointer cp = open(builder(store).orphanGracePeriod(Duration.ofHours(1)));
        cp.save(simple("one")).block(TIMEOUT);
        String inFlight = "checkpoints/" + CheckpointId.of(2).padded() + "/big/0.inflight.snapshot";
        overwrite(store, inFlight, bytes(10, 1));
        PruneReport report = cp.prune().block(TIMEOUT);
        assertThat(report.deletedOrphans()).isEmpty();
        assertThat(keys(store)).contains(inFlight);
    }

    // ------------------------------------------------------------------------------------------------ bad input & listeners

    @Test
    void aPayloadThatLiesAboutItsLengthIsRefusedAndLeavesNothing() {
        Checkpointer cp = open(builder(store));
        cp.save(simple("one")).block(TIMEOUT);
        List<String> before = keys(store);
        // inlined, single request (short and long), multipart (short and long): the caller's error on every path
        int[][] cases = {{10, 20}, {50_000, 60_000}, {70_000, 60_000}, {150_000, 200_000}, {350_000, 300_000}};
        for (int[] c : cases) {
            int emitted = c[0];
            long declared = c[1];
            Payload liar = Payload.of(() -> Flux.just(ByteBuffer.wrap(bytes(emitted, emitted))), declared);
            StepVerifier.create(cp.save(Snapshot.builder().partition("liar", 0, liar).build()))
                    .expectErrorSatisfies(e -> assertThat(e).as("emits %d, declares %d", emitted, declared)
                            .isInstanceOf(InvalidInputException.class).hasMessageContaining("declared " + declared))
                    .verify(TIMEOUT);
        }
        assertThat(keys(store)).containsExactlyInAnyOrderElementsOf(before);
        assertThat(tag(cp.latest().block(TIMEOUT))).isEqualTo("one");
    }

    @Test
    void listenersHearOfEverySaveExactlyOnceAndCannotBreakIt() {
        List<SaveOutcome.Status> outcomes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger started = new AtomicInteger();
        CheckpointListener counting = new CheckpointListener() {
            @Override
            public void onSaveStarted(Snapshot snapshot) {
                started.incrementAndGet();
            }

            @Override
            public void onSaveFinished(SaveOutcome outcome) {
                outcomes.add(outcome.status());
            }
        };
        CheckpointListener throwing = new CheckpointListener() {
            @Override
            public void onSaveStarted(Snapshot snapshot) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onSaveFinished(SaveOutcome outcome) {
                throw new IllegalStateException("listener bug");
            }
        };
        Checkpointer cp = open(builder(store).listener(throwing).listener(counting));
        cp.save(simple("ok")).block(TIMEOUT);
        Payload failing = Payload.of(() -> Flux.error(new IllegalStateException("source broke")), 5);
        StepVerifier.create(cp.save(Snapshot.builder().partition("a", 0, failing).build())).expectError().verify(TIMEOUT);
        StepVerifier.create(cp.save(Snapshot.builder().partition("a", 0, Payload.of(() -> Flux.never(), 500_000)).build()))
                .thenCancel()
                .verify(TIMEOUT);
        assertThat(started.get()).isEqualTo(3);
        assertThat(outcomes).containsExactly(SaveOutcome.Status.COMMITTED, SaveOutcome.Status.FAILED, SaveOutcome.Status.CANCELLED);
    }

    @Test
    void aClosedCheckpointerRefusesWork() {
        Checkpointer cp = builder(store).build();
        cp.close();
        StepVerifier.create(cp.save(simple("x")))
                .expectErrorSatisfies(e -> assertThat(((CheckpointException) e).code()).isEqualTo(ErrorCode.CLOSED))
                .verify(TIMEOUT);
        StepVerifier.create(cp.latest()).expectError(CheckpointException.class).verify(TIMEOUT);
    }

    @Test
    void invalidNamesAreRefusedBeforeAnythingIsWritten() {
        for (String bad : List.of("", "..", ".", "x\u0000y", "tab\there", "\ud800lone")) {
            assertThatThrownBy(() -> Snapshot.builder().partition(bad, 0, Payload.of(new byte[1])))
                    .as("operator %s", bad).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> Snapshot.builder().partition("ok", -1, Payload.of(new byte[1]))).isInstanceOf(InvalidInputException.class);
        assertThat(keys(store)).isEmpty();
    }

    private static String sha256Hex(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

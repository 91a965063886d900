package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Chunking;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/**
 * Incremental checkpoints: chunked partitions, reuse of the parent's chunks, verified reads, format version, and
 * garbage collection of chunks by reachability (retention and prune).
 */
class ChunkedCheckpointTest {
    private static final int AVG = 4096;
    private static final Chunking CHUNKING = Chunking.on().withAverageChunkSize(AVG).withThreshold(64 * 1024);

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** How long a clean-up test waits for late writes and their deletes to settle before it fails. */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private static Checkpointer checkpointer(MapStore store, Chunking chunking) {
        return Checkpointer.builder().store(store).chunking(chunking).orphanGracePeriod(Duration.ZERO).build();
    }

    private static Snapshot state(byte[]... partitions) {
        Snapshot.Builder b = Snapshot.builder();
        for (int i = 0; i < partitions.length; i++) {
            b.partition("op", i, Payload.of(partitions[i]));
        }
        return b.build();
    }

    private static List<String> chunkPuts(MapStore store) {
        return store.calls().stream().filter(c -> c.startsWith("put " + ChunkRef.AREA)).toList();
    }

    private static long chunkBytes(MapStore store, List<String> puts) {
        return puts.stream().mapToLong(c -> store.raw(c.substring(4)).length).sum();
    }

    private static byte[] read(Checkpointer cp, CheckpointId id, int partition) {
        return Buffers.toArray(cp.load(id).flatMap(c -> c.read("op", partition)).block());
    }

    private static byte[] streamed(Checkpointer cp, CheckpointId id, int partition) {
        return Buffers.join(cp.load(id).flatMapMany(c -> c.stream("op", partition))).block();
    }

    private static Set<String> chunkKeys(Manifest m) {
        return m.partitions().stream().flatMap(e -> e.chunks().stream()).map(ChunkRef::key).collect(Collectors.toSet());
    }

    private static Set<String> storedChunks(MapStore store) {
        return store.keys().stream().filter(k -> k.startsWith(ChunkRef.AREA)).collect(Collectors.toSet());
    }

    @Test
    void aFirstSaveAtAnotherLocationUploadsItsOwnChunksEvenWhenThisProcessSavedTheSameBytesBefore() {
        // Found by the CLI's copy: the base-less index was one shared instance, so its memo of uploaded chunks handed
        // the first location's refs to the second location's save, which committed chunks it never uploaded.
        byte[] bytes = random(256 * 1024, 4242);
        MapStore first = new MapStore();
        MapStore second = new MapStore();
        Manifest a = checkpointer(first, CHUNKING).save(state(bytes)).block();
        Checkpointer other = checkpointer(second, CHUNKING);
        Manifest b = other.save(state(bytes)).block();
        assertThat(storedChunks(second)).isEqualTo(chunkKeys(b));
        assertThat(chunkKeys(b)).doesNotContainAnyElementsOf(chunkKeys(a));
        assertThat(read(other, b.id(), 0)).isEqualTo(bytes);
    }

    @Test
    void aLargePartitionIsStoredAsChunksInFormat3AndReadsBackVerifiedWholeAndStreamed() {
        MapStore store = new MapStore();
        Checkpointer cp = checkpointer(store, CHUNKING);
        byte[] big = random(1 << 20, 1);
        byte[] small = "small".getBytes(StandardCharsets.UTF_8);
        Manifest m = cp.save(state(big, small)).block();

        PartitionEntry e = m.partition("op", 0).orElseThrow();
        assertThat(e.isChunked()).isTrue();
        assertThat(e.key()).isNull();
        assertThat(e.chunks()).hasSizeGreaterThan(100); // about 1 MiB / 4 KiB
        assertThat(e.chunks()).allSatisfy(c -> {
            assertThat(c.firstId()).isEqualTo(m.id());
            assertThat(c.codec()).isEqualTo("none");
        });
        assertThat(e.sha256()).isEqualTo(ChunkRef.listDigest(e.chunks()));
        assertThat(m.partition("op", 1).orElseThrow().isChunked()).as("below the threshold: written whole").isFalse();
        assertThat(m.formatVersion()).isEqualTo(Manifest.CHUNKED_FORMAT_VERSION);
        assertThat(m.chunker()).isEqualTo("fastcdc-v1/1024/4096/32768");
        assertThat(chunkPuts(store)).hasSize(e.chunks().size());

        Checkpointer fresh = checkpointer(store, Chunking.off()); // a reader needs no chunking setting
        assertThat(read(fresh, m.id(), 0)).isEqualTo(big);
        assertThat(streamed(fresh, m.id(), 0)).isEqualTo(big);
        assertThat(read(fresh, m.id(), 1)).isEqualTo(small);
    }

    @Test
    void withoutChunkedPartitionsTheManifestKeepsFormat2() {
        MapStore store = new MapStore();
        Manifest m = checkpointer(store, CHUNKING).save(state(random(1000, 2))).block();
        assertThat(m.formatVersion()).isEqualTo(Manifest.FORMAT_VERSION);
        Manifest off = checkpointer(new MapStore(), Chunking.off()).save(state(random(1 << 20, 2))).block();
        assertThat(off.formatVersion()).isEqualTo("2.0");
        assertThat(off.partition("op", 0).orElseThrow().isChunked()).isFalse();
    }

    @Test
    void aSecondCheckpointOfUnchangedStateUploadsNoChunkAndReferencesTheFirstOnesChunks() {
        MapStore store = new MapStore();
        Checkpointer cp = checkpointer(store, CHUNKING);
        byte[] a = random(1 << 20, 3);
        byte[] b = random(300_000, 4);
        Manifest first = cp.save(state(a, b)).block();
        store.clearCalls();

        Manifest second = cp.save(state(a, b)).block();

        assertThat(chunkPuts(store)).as("no chunk uploaded").isEmpty();
        assertThat(store.calls()).as("a steady save reads no manifest: the head's chunks are known")
                .noneMatch(c -> c.startsWith("get checkpoints/"));
        assertThat(second.partition("op", 0).orElseThrow().chunks()).isEqualTo(first.partition("op", 0).orElseThrow().chunks());
        assertThat(second.partition("op", 0).orElseThrow().sha256()).isEqualTo(first.partition("op", 0).orElseThrow().sha256());
        assertThat(read(cp, second.id(), 0)).isEqualTo(a);
        assertThat(read(cp, second.id(), 1)).isEqualTo(b);
    }

    @Test
    void aNewProcessReusesTheHeadsChunksAfterReadingItsManifestOnce() {
        MapStore store = new MapStore();
        byte[] a = random(1 << 20, 5);
        checkpointer(store, CHUNKING).save(state(a)).block();
        store.clearCalls();

        Checkpointer next = checkpointer(store, CHUNKING);
        Manifest m = next.save(state(a)).block();

        assertThat(chunkPuts(store)).isEmpty();
        // Opening the location reads the head once, and the first save once more for its chunks; later saves none.
        assertThat(store.calls().stream().filter(c -> c.startsWith("get checkpoints/") && c.endsWith("manifest.json"))).hasSizeLessThanOrEqualTo(2);
        assertThat(read(next, m.id(), 0)).isEqualTo(a);
    }

    @Test
    void aOnePercentChangeUploadsAboutOnePercentPlusChunkBoundaries() {
        MapStore store = new MapStore();
        Checkpointer cp = checkpointer(store, CHUNKING);
        int size = 4 << 20;
        byte[] a = random(size, 6);
        Manifest first = cp.save(state(a)).block();
        long full = chunkBytes(store, chunkPuts(store));
        assertThat(full).isEqualTo(size);

        // 1% of the bytes change: ten in-place edits of 4 KiB and a 1 KiB insert, at random places.
        Random r = new Random(7);
        byte[] edited = a.clone();
        int changed = 0;
        for (int i = 0; i < 10; i++) {
            int at = r.nextInt(size - 4096);
            byte[] patch = random(4096, 100 + i);
            System.arraycopy(patch, 0, edited, at, patch.length);
            changed += patch.length;
        }
        int insertAt = r.nextInt(size);
        byte[] withInsert = new byte[size + 1024];
        System.arraycopy(edited, 0, withInsert, 0, insertAt);
        System.arraycopy(random(1024, 200), 0, withInsert, insertAt, 1024);
        System.arraycopy(edited, insertAt, withInsert, insertAt + 1024, size - insertAt);
        changed += 1024;
        store.clearCalls();

        Manifest second = cp.save(state(withInsert)).block();

        long uploaded = chunkBytes(store, chunkPuts(store));
        double ratio = uploaded / (double) size;
        assertThat(uploaded).as("at least the changed bytes").isGreaterThanOrEqualTo(changed);
        // Each edit costs the chunks it touches: its own bytes plus, at each end, the rest of the chunk it falls in
        // (a chunk covering a given byte is larger than the average), so at most about three average chunks more.
        assertThat(uploaded).as("uploaded %d of %d bytes for %d changed", uploaded, size, changed).isLessThanOrEqualTo(changed + 11L * 3 * AVG);
        assertThat(ratio).isLessThan(0.05);
        long reused = second.partition("op", 0).orElseThrow().chunks().stream().filter(c -> c.firstId().equals(first.id())).count();
        assertThat(reused).isGreaterThan(first.partition("op", 0).orElseThrow().chunks().size() * 9L / 10);
        assertThat(read(cp, second.id(), 0)).isEqualTo(withInsert);
    }

    @Test
    void twoLocationsWithTheSameStateEachStoreTheirOwnChunks() {
        byte[] a = random(1 << 20, 26);
        MapStore first = new MapStore();
        MapStore second = new MapStore();
        Manifest m1 = checkpointer(first, CHUNKING).save(state(a)).block();
        Manifest m2 = checkpointer(second, CHUNKING).save(state(a)).block();
        assertThat(storedChunks(first)).isEqualTo(chunkKeys(m1));
        assertThat(storedChunks(second)).as("nothing of the first location is taken for the second's").isEqualTo(chunkKeys(m2));
        assertThat(read(checkpointer(second, Chunking.off()), m2.id(), 0)).isEqualTo(a);
    }

    @Test
    void aChangedAverageChunkSizeStillSavesAndRestoresExactly() {
        MapStore store = new MapStore();
        byte[] a = random(1 << 20, 27);
        checkpointer(store, CHUNKING).save(state(a)).block();
        Checkpointer bigger = checkpointer(store, CHUNKING.withAverageChunkSize(16384));
        Manifest m = bigger.save(state(a)).block();
        // the parent's 4 KiB boundaries are not hints for a 16 KiB chunker: its own cuts are canonical
        assertThat(m.chunker()).isEqualTo("fastcdc-v1/4096/16384/131072");
        assertThat(m.partition("op", 0).orElseThrow().chunks().size()).isLessThan(100);
        Manifest again = bigger.save(state(a)).block();
        assertThat(again.partition("op", 0).orElseThrow().chunks()).isEqualTo(m.partition("op", 0).orElseThrow().chunks());
        assertThat(read(bigger, m.id(), 0)).isEqualTo(a);
    }

    @Test
    void chunksRepeatedInsideOneSaveAreUploadedOnce() {
        MapStore store = new MapStore();
        byte[] a = random(512 * 1024, 8);
        Manifest m = checkpointer(store, CHUNKING).save(state(a, a.clone())).block();
        List<ChunkRef> p0 = m.partition("op", 0).orElseThrow().chunks();
        assertThat(m.partition("op", 1).orElseThrow().chunks()).isEqualTo(p0);
        assertThat(chunkPuts(store)).hasSize(p0.size());
    }

    @Test
    void zstdChunksAreStoredSmallerRecordTheirCodecAndStayReadableWhenCompressionIsTurnedOff() {
        MapStore store = new MapStore();
        byte[] text = new byte[1 << 20];
        for (int i = 0; i < text.length; i++) {
            text[i] = (byte) ("counter-" + (i % 977)).charAt(i % 8);
        }
        Manifest m = checkpointer(store, CHUNKING.withZstd(3)).save(state(text)).block();
        PartitionEntry e = m.partition("op", 0).orElseThrow();
        assertThat(e.chunks()).allSatisfy(c -> {
            assertThat(c.codec()).isEqualTo("zstd");
            assertThat(c.storedSize()).isLessThan(c.size());
            assertThat(store.raw(c.key())).hasSize((int) c.storedSize());
        });
        store.clearCalls();

        Checkpointer plain = checkpointer(store, CHUNKING);
        Manifest next = plain.save(state(text)).block();
        assertThat(chunkPuts(store)).as("compressed chunks are reused as they are").isEmpty();
        assertThat(next.partition("op", 0).orElseThrow().chunks()).allSatisfy(c -> assertThat(c.codec()).isEqualTo("zstd"));
        assertThat(read(plain, next.id(), 0)).isEqualTo(text);
        assertThat(streamed(plain, next.id(), 0)).isEqualTo(text);
    }

    @Test
    void aCorruptChunkFailsTheReadAndTheStreamAsAnIntegrityError() {
        MapStore store = new MapStore();
        Checkpointer cp = checkpointer(store, CHUNKING);
        Manifest m = cp.save(state(random(1 << 20, 9))).block();
        ChunkRef victim = m.partition("op", 0).orElseThrow().chunks().get(17);
        byte[] bytes = store.raw(victim.key()).clone();
        bytes[100] ^= 1;
        store.putRaw(victim.key(), bytes);

        StepVerifier.create(cp.load(m.id()).flatMap(c -> c.read("op", 0))).expectError(IntegrityException.class).verify();
        StepVerifier.create(cp.load(m.id()).flatMapMany(c -> c.stream("op", 0)))
                .expectNextCount(17) // the chunks before it are handed out, each verified
                .expectError(IntegrityException.class)
                .verify();
    }

    @Test
    void aCompressedChunkThatDoesNotDecodeIsAnIntegrityError() {
        MapStore store = new MapStore();
        byte[] text = "abcdefgh".repeat(200_000).getBytes(StandardCharsets.UTF_8);
        Checkpointer cp = checkpointer(store, CHUNKING.withZstd(3));
        Manifest m = cp.save(state(text)).block();
        ChunkRef victim = m.partition("op", 0).orElseThrow().chunks().get(0);
        byte[] bytes = store.raw(victim.key()).clone();
        bytes[bytes.length / 2] ^= 0x5a;
        store.putRaw(victim.key(), bytes);
        StepVerifier.create(cp.load(m.id()).flatMap(c -> c.read("op", 0))).expectError(IntegrityException.class).verify();
    }

    @Test
    void aMissingChunkMeansTheCheckpointIsGone() {
        MapStore store = new MapStore();
        Checkpointer cp = checkpointer(store, CHUNKING);
        Manifest m = cp.save(state(random(1 << 20, 10))).block();
        ChunkRef victim = m.partition("op", 0).orElseThrow().chunks().get(3);
        store.delete(victim.key()).block();
        StepVerifier.create(cp.load(m.id()).flatMap(c -> c.read("op", 0)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CheckpointNotFoundException.class).hasMessageContaining(victim.key()))
                .verify();
    }

    @Test
    void retentionDeletesOnlyTheChunksNoKeptCheckpointReferences() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).chunking(CHUNKING).retention(Retention.keepLast(2)).build();
        byte[] a = random(1 << 20, 11);
        List<Manifest> saved = new ArrayList<>();
        Random r = new Random(12);
        for (int i = 0; i < 6; i++) {
            int at = r.nextInt(a.length - 20_000);
            System.arraycopy(random(20_000, 300 + i), 0, a, at, 20_000);
            saved.add(cp.save(state(a)).block());
            Manifest newest = saved.get(saved.size() - 1);
            Set<String> live = new HashSet<>(chunkKeys(newest));
            if (saved.size() >= 2) {
                live.addAll(chunkKeys(saved.get(saved.size() - 2)));
            }
            assertThat(storedChunks(store)).as("after save %d: exactly the chunks of the two kept checkpoints", i + 1).isEqualTo(live);
        }
        Manifest head = saved.get(saved.size() - 1);
        assertThat(head.partition("op", 0).orElseThrow().chunks().stream().map(ChunkRef::firstId).distinct().count())
                .as("the head still references chunks the first checkpoint wrote").isGreaterThan(1);
        assertThat(read(cp, head.id(), 0)).isEqualTo(a);
    }

    @Test
    void pruneSweepsChunksOfDeletedCheckpointsKeepsSharedOnesAndNeverTouchesChunksAboveTheHead() {
        MapStore store = new MapStore();
        Checkpointer cp = checkpointer(store, CHUNKING);
        byte[] a = random(1 << 20, 13);
        Manifest m1 = cp.save(state(a)).block();
        byte[] b = a.clone();
        System.arraycopy(random(50_000, 14), 0, b, 500_000, 50_000);
        Manifest m2 = cp.save(state(b)).block();
        Manifest m3 = cp.save(state(a)).block(); // back to m1's content: reuses what m2 shares with it only

        String aboveHead = ChunkRef.keyOf(CheckpointId.of(m3.id().value() + 5), "ab".repeat(32), "0123456789abcdef");
        store.putRaw(aboveHead, new byte[] {1, 2, 3});
        String orphanBelow = ChunkRef.keyOf(m1.id(), "cd".repeat(32), "fedcba9876543210");
        store.putRaw(orphanBelow, new byte[] {4});

        cp.delete(m2.id()).block();
        cp.prune().block();

        Set<String> live = new HashSet<>(chunkKeys(m1));
        live.addAll(chunkKeys(m3));
        Set<String> left = storedChunks(store);
        assertThat(left).contains(aboveHead).doesNotContain(orphanBelow);
        left.remove(aboveHead);
        assertThat(left).as("m2's own chunks are gone; what m1 and m3 reference stays").isEqualTo(live);
        assertThat(read(cp, m3.id(), 0)).isEqualTo(a);
        assertThat(read(cp, m1.id(), 0)).isEqualTo(a);
    }

    @Test
    void aSaveWhoseBaseWasPassedByAnotherWriterIsStagedAgainOnTheNewHead() {
        MapStore store = new MapStore();
        Checkpointer one = checkpointer(store, CHUNKING);
        Checkpointer two = checkpointer(store, CHUNKING);
        byte[] a = random(1 << 20, 15);
        one.save(Snapshot.builder().epoch(1).partition("op", 0, Payload.of(a)).build()).block();
        // two skips id 2, so one's next id (2) is free but below the head: its prepared manifest can never publish
        two.save(Snapshot.builder().epoch(1).id(CheckpointId.of(3)).partition("op", 0, Payload.of(a)).build()).block();
        byte[] b = a.clone();
        b[10] ^= 1;
        store.clearCalls();
        // one's view is stale: its base moved under it, so the chunks it chose to reuse may not be the head's
        Manifest m = one.save(Snapshot.builder().epoch(1).partition("op", 0, Payload.of(b)).build()).block();

        assertThat(read(one, m.id(), 0)).isEqualTo(b);
        Manifest latest = two.latest().block().manifest();
        assertThat(latest.id()).isEqualTo(m.id());
        assertThat(latest.parent().orElseThrow().id()).isEqualTo(CheckpointId.of(3));
        assertThat(m.id()).isGreaterThan(CheckpointId.of(3));
        assertThat(store.calls()).as("the first attempt prepared checkpoint 2 and lost").contains("put checkpoints/00000000000000000002/manifest.json");
        // every chunk it references exists
        for (ChunkRef c : latest.partition("op", 0).orElseThrow().chunks()) {
            assertThat(store.keys()).contains(c.key());
        }
    }

    @Test
    void aStagedCommitRefusesChunkedEntries() {
        MapStore store = new MapStore();
        Checkpointer cp = checkpointer(store, CHUNKING);
        Manifest m = cp.save(state(random(1 << 20, 16))).block();
        CheckpointId id = cp.begin().block();
        PartitionEntry chunked = m.partition("op", 0).orElseThrow();
        StepVerifier.create(cp.commit(id, dev.checkpointer.CheckpointMetadata.empty(), List.of(chunked)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidInputException.class).hasMessageContaining("chunked"))
                .verify();
    }

    @Test
    void aManifestTamperedToSayFormat2WithChunksIsRefusedAndAChunkedEntryRelaysAsJson() {
        ChunkRef c = new ChunkRef("ab".repeat(32), 10, "none", 10, CheckpointId.of(1), "00ff");
        PartitionEntry e = PartitionEntry.chunked("op", 0, PartitionKind.SNAPSHOT, 10, ChunkRef.listDigest(List.of(c)), List.of(c));
        assertThat(PartitionEntry.fromJson(e.toJson())).isEqualTo(e);
        assertThat(e.toJson()).contains("\"chunks\":[{\"sha256\":\"" + c.sha256() + "\",\"size\":10,\"firstId\":1,\"token\":\"00ff\"}]");

        Manifest ok = Manifest.builder().id(CheckpointId.of(2)).epoch(1).createdAt(java.time.Instant.EPOCH).partition(e).build();
        assertThat(ok.formatVersion()).isEqualTo("3.0");
        assertThat(ok.validate()).isEmpty();
        Manifest old = ok.toBuilder().formatVersion("2.0").build();
        assertThat(old.validate()).anyMatch(p -> p.contains("need format 3.0"));

        PartitionEntry lying = PartitionEntry.chunked("op", 0, PartitionKind.SNAPSHOT, 11, "00".repeat(32), List.of(c,
                new ChunkRef("zz", 0, "lz4", 5, CheckpointId.of(9), "XY")));
        List<String> problems = Manifest.builder().id(CheckpointId.of(2)).epoch(1).createdAt(java.time.Instant.EPOCH).partition(lying).build().validate();
        assertThat(String.join("\n", problems)).contains("sha256 must be 64", "size must be >= 1", "unknown codec 'lz4'", "token must be",
                "first written by checkpoint 9", "chunks add up to 10 bytes but size says 11");
        assertThatThrownBy(() -> PartitionEntry.fromJson(lying.toJson())).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("unknown codec 'lz4'");
    }

    @Test
    void aSaveFailingMidwayRemovesTheChunksItUploadedAndNothingElse() {
        MapStore store = new MapStore();
        Quiescing settling = new Quiescing(store);
        Checkpointer cp = Checkpointer.builder().store(settling).chunking(CHUNKING).orphanGracePeriod(Duration.ZERO).build();
        byte[] a = random(1 << 20, 17);
        Manifest first = cp.save(state(a)).block();
        Set<String> before = storedChunks(store);
        byte[] b = random(1 << 20, 18);
        Payload failing = Payload.of(() -> reactor.core.publisher.Flux.concat(
                reactor.core.publisher.Flux.just(ByteBuffer.wrap(Arrays.copyOf(b, 700_000))),
                reactor.core.publisher.Flux.error(new IllegalStateException("source broke"))), b.length);
        StepVerifier.create(cp.save(Snapshot.builder().partition("op", 0, failing).build()))
                .expectErrorSatisfies(e -> assertThat(e).hasMessageContaining("source broke"))
                .verify();
        // Chunk PUTs sent before the failure may land after it, on other threads, and are deleted when they do.
        settling.awaitSettled(() -> storedChunks(store).equals(before), SETTLE);
        assertThat(storedChunks(store)).isEqualTo(before);
        assertThat(read(cp, first.id(), 0)).isEqualTo(a);
        assertThat(cp.latest().block().manifest().id()).isEqualTo(first.id());
    }

    @Test
    void aStateRevertingToAnOlderVersionStillReadsBackAfterRetentionExpiredThatVersion() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).chunking(CHUNKING).retention(Retention.keepLast(1)).build();
        byte[] a = random(1 << 20, 19);
        byte[] b = random(1 << 20, 20);
        cp.save(state(a)).block();
        cp.save(state(b)).block();
        Manifest m = cp.save(state(a)).block(); // a's chunks were deleted with the first checkpoint: uploaded again
        assertThat(read(cp, m.id(), 0)).isEqualTo(a);
        assertThat(storedChunks(store)).isEqualTo(chunkKeys(m));
    }

    @Test
    void zstdWithoutALevelInRangeIsRefusedUpFront() {
        assertThatThrownBy(() -> Chunking.on().withZstd(0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("1 to 22");
        assertThatThrownBy(() -> Chunking.on().withAverageChunkSize(3000)).isInstanceOf(InvalidInputException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> Chunking.on().withThreshold(0)).isInstanceOf(InvalidInputException.class);
        assertThat(ConcurrentCheckpointException.class).isNotNull();
    }

    @Test
    void aChunkedPayloadLongerOrShorterThanDeclaredIsRefusedAndLeavesNoChunk() {
        MapStore store = new MapStore();
        Quiescing settling = new Quiescing(store);
        Checkpointer cp = Checkpointer.builder().store(settling).chunking(CHUNKING).orphanGracePeriod(Duration.ZERO).build();
        byte[] b = random(300_000, 21);
        for (long declared : new long[] {b.length - 1, b.length + 1}) {
            Payload lying = Payload.of(() -> reactor.core.publisher.Flux.just(ByteBuffer.wrap(b)), declared);
            StepVerifier.create(cp.save(Snapshot.builder().partition("op", 0, lying).build()))
                    .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(InvalidInputException.class)
                            .satisfies(x -> assertThat(((InvalidInputException) x).code()).isEqualTo(dev.checkpointer.ErrorCode.PAYLOAD_LENGTH_MISMATCH)))
                    .verify();
        }
        settling.awaitSettled(() -> storedChunks(store).isEmpty(), SETTLE);
        assertThat(storedChunks(store)).isEmpty();
        assertThat(cp.latest().blockOptional()).isEmpty();
    }

    @Test
    void everyFormOfInMemoryPayloadIsCutIntoTheSameChunks() {
        // An array (or a heap buffer over part of one) is cut where it lies, other forms are streamed through the
        // chunker's working array: the chunks must be the same, and each reads back.
        byte[] b = random(1 << 20, 26);
        byte[] padded = new byte[b.length + 777];
        System.arraycopy(b, 0, padded, 333, b.length);
        ByteBuffer direct = ByteBuffer.allocateDirect(b.length).put(b).flip();
        List<Payload> forms = List.of(Payload.of(b), Payload.of(ByteBuffer.wrap(padded, 333, b.length)), Payload.of(ByteBuffer.wrap(b).asReadOnlyBuffer()),
                Payload.of(direct), Payload.of(() -> reactor.core.publisher.Flux.just(ByteBuffer.wrap(b, 0, 1000), ByteBuffer.wrap(b, 1000, b.length - 1000)), b.length));
        List<String> reference = null;
        for (Payload form : forms) {
            MapStore store = new MapStore();
            Checkpointer cp = checkpointer(store, CHUNKING);
            Manifest m = cp.save(Snapshot.builder().partition("op", 0, form).build()).block();
            List<String> digests = m.partition("op", 0).orElseThrow().chunks().stream().map(ChunkRef::sha256).toList();
            if (reference == null) {
                reference = digests;
            }
            assertThat(digests).as("%s", form).hasSizeGreaterThan(4).isEqualTo(reference);
            assertThat(read(cp, m.id(), 0)).as("%s", form).isEqualTo(b);
        }
    }

    @Test
    void aChunkStoredAsIsDeclaresItsSha256AndACompressedOneLeavesTheChecksumToTheStore() {
        for (boolean zstd : new boolean[] {false, true}) {
            MapStore store = new MapStore();
            java.util.Map<String, java.util.Optional<String>> declared = new java.util.concurrent.ConcurrentHashMap<>();
            dev.checkpointer.spi.ObjectStore recording = new dev.checkpointer.spi.ForwardingObjectStore(store) {
                @Override
                public reactor.core.publisher.Mono<dev.checkpointer.spi.ObjectInfo> put(String key, Payload payload, dev.checkpointer.spi.PutOptions options) {
                    if (key.startsWith(ChunkRef.AREA)) {
                        declared.put(key, options.declaredSha256());
                    }
                    return super.put(key, payload, options);
                }
            };
            byte[] text = "abcdefgh-0123456789".repeat(60_000).getBytes(StandardCharsets.UTF_8);
            Manifest m = Checkpointer.builder().store(recording).chunking(zstd ? CHUNKING.withZstd(3) : CHUNKING).build().save(state(text)).block();
            List<ChunkRef> chunks = m.partition("op", 0).orElseThrow().chunks();
            assertThat(declared.keySet()).containsExactlyInAnyOrderElementsOf(chunks.stream().map(ChunkRef::key).distinct().toList());
            for (ChunkRef c : chunks) {
                // SHA-256 of the bytes as stored: the chunk's own digest when stored as is. A compressed chunk's stored
                // bytes are covered by the store's native checksum, computed by its client (S3 CRC32C, GCS crc32c,
                // Azure Content-MD5), and the chunk's digest is checked after decoding on every read.
                assertThat(declared.get(c.key())).as("zstd %s", zstd).isEqualTo(zstd ? java.util.Optional.empty() : java.util.Optional.of(c.sha256()));
                assertThat(c.compressed()).isEqualTo(zstd);
            }
        }
    }

    @Test
    void aCancelledChunkedSaveRemovesWhatItUploadedEvenWhatLandsAfterTheCancel() throws Exception {
        MapStore store = new MapStore();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch landed = new java.util.concurrent.CountDownLatch(1);
        reactor.core.publisher.Sinks.Empty<Void> release = reactor.core.publisher.Sinks.empty();
        java.util.concurrent.atomic.AtomicReference<String> held = new java.util.concurrent.atomic.AtomicReference<>();
        // The first chunk's PUT reaches the store and is held there until after the save is cancelled.
        dev.checkpointer.spi.ObjectStore holding = new dev.checkpointer.spi.ForwardingObjectStore(store) {
            private final java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean();

            @Override
            public reactor.core.publisher.Mono<dev.checkpointer.spi.ObjectInfo> put(String key, Payload payload, dev.checkpointer.spi.PutOptions options) {
                if (key.startsWith(ChunkRef.AREA) && first.compareAndSet(false, true)) {
                    held.set(key);
                    started.countDown();
                    return release.asMono().then(super.put(key, payload, options)).doFinally(s -> landed.countDown());
                }
                return super.put(key, payload, options);
            }
        };
        Quiescing settling = new Quiescing(holding);
        Checkpointer cp = Checkpointer.builder().store(settling).chunking(CHUNKING).build();
        byte[] b = random(1 << 20, 22);

        StepVerifier.create(cp.save(Snapshot.builder().partition("op", 0, Payload.of(b)).build()))
                .then(() -> await(started))
                .thenCancel()
                .verify();
        release.tryEmitEmpty();
        await(landed);
        // The other chunks' PUTs sent before the cancel land on other threads, and the held one's clean-up follows its
        // landing: wait until no write is in flight and nothing is left (or give up, and fail below).
        settling.awaitSettled(() -> storedChunks(store).isEmpty(), SETTLE);

        List<String> calls = store.calls();
        // Landed after the cancel (released only then), and deleted then: by the abandoned save's log or by the late
        // landing's own undo, whichever comes first.
        assertThat(calls).as("the held chunk was put").contains("put " + held.get());
        assertThat(store.keys()).as("the held chunk is gone").doesNotContain(held.get());
        assertThat(storedChunks(store)).as("what landed before and after the cancel is removed").isEmpty();
        assertThat(cp.latest().blockOptional()).isEmpty();
    }

    @Test
    void concurrentSavesOfOneProcessBothCommitRestorablyAndReuseAcrossEachOther() {
        for (boolean firstChanges : new boolean[] {false, true}) {
            MapStore store = new MapStore();
            Checkpointer cp = checkpointer(store, CHUNKING);
            byte[] base = random(1 << 20, 23);
            cp.save(state(base)).block();
            byte[] a = base.clone();
            if (firstChanges) {
                System.arraycopy(random(8000, 24), 0, a, 100_000, 8000);
            }
            byte[] b = base.clone();
            System.arraycopy(random(8000, 25), 0, b, 700_000, 8000);
            store.clearCalls();

            List<Manifest> both = reactor.core.publisher.Flux.merge(cp.save(state(a)), cp.save(state(b))).collectList().block();

            assertThat(both).hasSize(2);
            Manifest head = cp.latest().block().manifest();
            assertThat(both).extracting(Manifest::id).contains(head.id());
            for (Manifest m : both) {
                assertThat(store.keys()).as("every chunk of %s exists", m.id()).containsAll(chunkKeys(m));
            }
            assertThat(List.of(read(cp, both.get(0).id(), 0), read(cp, both.get(1).id(), 0))).anySatisfy(x -> assertThat(x).isEqualTo(a))
                    .anySatisfy(x -> assertThat(x).isEqualTo(b));
            long prepared = store.calls().stream().filter(c -> c.startsWith("put checkpoints/") && c.endsWith("/manifest.json")).count();
            if (!firstChanges) {
                // the first to commit references every chunk of the base, so the second publishes on it as staged
                assertThat(prepared).as("no save staged twice").isEqualTo(2);
            }
        }
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            assertThat(latch.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the first chunk reached the store").isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}

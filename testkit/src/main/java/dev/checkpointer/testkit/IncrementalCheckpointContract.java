package dev.checkpointer.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Chunking;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Incremental checkpoints end to end on a real store (an emulator): what a save actually sends under
 * {@code chunks/}, measured at the store boundary by {@link ChunkUploadMeter} and cross-checked against the store's
 * own listing, for a first save, a save of unchanged state, a 1% change, zstd-compressed chunks, and retention.
 *
 * <p><b>Scale.</b> The state is {@value #PARTITIONS} partitions of {@value #PARTITION_SIZE} bytes (32 MiB) cut into
 * chunks of {@value #AVERAGE} bytes on average: 1024 chunks, as many as the 1 GiB state of benchmark P7 at the
 * default 1 MiB average. What a scattered change costs relative to the state depends only on the number of chunks
 * and the number of edited places, not on the bytes per chunk, so this measures the P7 ratio at a size an emulator
 * serves in a minute or two.
 */
public abstract class IncrementalCheckpointContract {
    /** Bound on any single blocking wait in these tests. */
    protected static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** The average chunk size of these tests. */
    protected static final int AVERAGE = 32 * 1024;
    /** Partitions in the state. */
    protected static final int PARTITIONS = 4;
    /** Bytes per partition. */
    protected static final int PARTITION_SIZE = 8 << 20;
    private static final String OP = "window";
    private static final Chunking CHUNKING = Chunking.on().withAverageChunkSize(AVERAGE).withThreshold(1 << 20);

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private String location = "";

    /**
     * A store over the given location (a prefix unique to the test). Called again with the same location for what a
     * restarted process opens: both stores see the same objects.
     *
     * @param location the location, usable as a key prefix
     * @return the store
     */
    protected abstract ObjectStore openStore(String location);

    /**
     * The emulator's name, for the figures the tests print.
     *
     * @return e.g. {@code S3Mock}
     */
    protected abstract String emulator();

    @BeforeEach
    void location(TestInfo info) {
        location = ("incremental-" + info.getTestMethod().map(m -> m.getName()).orElse("t") + "-" + System.nanoTime()).toLowerCase(Locale.ROOT);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /**
     * Counts what the store is sent for chunk objects: PUT requests, multipart uploads, and the payload bytes the
     * store actually consumed (counted as the store reads the payload, so a retried upload counts twice, as it
     * crosses the wire twice). Everything else passes through uncounted.
     */
    protected static final class ChunkUploadMeter extends ForwardingObjectStore {
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong requests = new AtomicLong();
        private final AtomicLong multiparts = new AtomicLong();

        /**
         * Meters a store.
         *
         * @param delegate the store
         */
        public ChunkUploadMeter(ObjectStore delegate) {
            super(delegate);
        }

        private Payload counted(Payload p) {
            return Payload.of(() -> p.content().doOnNext(b -> bytes.addAndGet(b.remaining())), p.length());
        }

        @Override
        public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
            if (!key.startsWith(ChunkRef.AREA)) {
                return super.put(key, payload, options);
            }
            return Mono.defer(() -> {
                requests.incrementAndGet();
                return super.put(key, counted(payload), options);
            });
        }

        @Override
        public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
            if (!key.startsWith(ChunkRef.AREA)) {
                return super.startMultipart(key, options);
            }
            return Mono.defer(() -> {
                multiparts.incrementAndGet();
                return super.startMultipart(key, options).map(upload -> new MultipartUpload() {
                    @Override
                    public String key() {
                        return upload.key();
                    }

                    @Override
                    public Mono<PartInfo> uploadPart(int number, Payload part) {
                        return Mono.defer(() -> {
                            requests.incrementAndGet();
                            return upload.uploadPart(number, counted(part));
                        });
                    }

                    @Override
                    public Mono<ObjectInfo> complete(List<PartInfo> parts) {
                        return upload.complete(parts);
                    }

                    @Override
                    public Mono<Void> abort() {
                        return upload.abort();
                    }
                });
            });
        }

        /** Starts counting from zero. */
        public void reset() {
            bytes.set(0);
            requests.set(0);
            multiparts.set(0);
        }

        /** @return payload bytes the store consumed for chunk objects since the last reset */
        public long bytes() {
            return bytes.get();
        }

        /** @return PUT and upload-part requests for chunk objects since the last reset */
        public long requests() {
            return requests.get();
        }

        /** @return multipart uploads started for chunk objects since the last reset */
        public long multiparts() {
            return multiparts.get();
        }

        /**
         * The chunk objects in the store, by its own listing.
         *
         * @return key to stored size
         */
        public Map<String, Long> storedChunks() {
            return delegate().list(ChunkRef.AREA).collectMap(ObjectInfo::key, ObjectInfo::size).block(TIMEOUT);
        }
    }

    private ChunkUploadMeter meteredStore() {
        ChunkUploadMeter meter = new ChunkUploadMeter(openStore(location));
        toClose.add(meter);
        return meter;
    }

    private Checkpointer checkpointer(ObjectStore store, Chunking chunking, Retention retention) {
        Checkpointer cp = Checkpointer.builder().store(store).chunking(chunking).retention(retention)
                .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(200))).build();
        toClose.add(cp);
        return cp;
    }

    private static Snapshot snapshot(List<byte[]> state) {
        Snapshot.Builder b = Snapshot.builder().epoch(1);
        for (int i = 0; i < state.size(); i++) {
            b.partition(OP, i, Payload.of(state.get(i)));
        }
        return b.build();
    }

    private static List<byte[]> randomState(long seed) {
        Random r = new Random(seed);
        List<byte[]> state = new ArrayList<>();
        for (int i = 0; i < PARTITIONS; i++) {
            byte[] p = new byte[PARTITION_SIZE];
            r.nextBytes(p);
            state.add(p);
        }
        return state;
    }

    private static long size(List<byte[]> state) {
        return state.stream().mapToLong(p -> p.length).sum();
    }

    private static Set<String> chunkKeys(Manifest m) {
        return m.partitions().stream().flatMap(e -> e.chunks().stream()).map(ChunkRef::key).collect(Collectors.toSet());
    }

    /** The chunk objects this save added to the store, by the store's listing, with their stored sizes. */
    private static long addedBytes(Map<String, Long> before, Map<String, Long> after) {
        return after.entrySet().stream().filter(e -> !before.containsKey(e.getKey())).mapToLong(Map.Entry::getValue).sum();
    }

    /** Reads every partition of {@code id} back, whole and streamed, through a reader that has no chunking setting. */
    private void assertRestores(ObjectStore store, CheckpointId id, List<byte[]> expected) {
        Checkpointer reader = checkpointer(store, Chunking.off(), Retention.keepAll());
        Checkpoint cp = reader.load(id).block(TIMEOUT);
        assertThat(cp.manifest().partitions()).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            byte[] read = Buffers.toArray(cp.read(OP, i).block(TIMEOUT));
            byte[] streamed = Buffers.join(cp.stream(OP, i)).block(TIMEOUT);
            assertThat(Arrays.mismatch(read, expected.get(i))).as("checkpoint %s partition %d: first differing byte of read()", id, i).isEqualTo(-1);
            assertThat(Arrays.mismatch(streamed, expected.get(i))).as("checkpoint %s partition %d: first differing byte of stream()", id, i).isEqualTo(-1);
        }
    }

    /**
     * Prints a measured figure, and appends it to {@code target/incremental-checkpoints.txt} of the module under test
     * (surefire's own output file is replaced by each execution of a module that has several).
     */
    private static void report(String line, Object... args) {
        String text = String.format(Locale.ROOT, line, args);
        System.out.println(text);
        try {
            java.nio.file.Path target = java.nio.file.Path.of("target");
            if (java.nio.file.Files.isDirectory(target)) {
                java.nio.file.Files.writeString(target.resolve("incremental-checkpoints.txt"), text + System.lineSeparator(),
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            }
        } catch (java.io.IOException e) {
            System.out.println("(could not append to target/incremental-checkpoints.txt: " + e + ")");
        }
    }

    @Test
    void unchangedStateUploadsNoChunkBytesAndAOnePercentChangeUploadsAboutOnePercent() {
        ChunkUploadMeter store = meteredStore();
        Checkpointer cp = checkpointer(store, CHUNKING, Retention.keepAll());
        List<byte[]> state = randomState(1);
        long stateSize = size(state);

        // (a) The first checkpoint uploads the whole state, once, as chunks of about the average size.
        Manifest first = cp.save(snapshot(state)).block(TIMEOUT);
        Map<String, Long> afterFirst = store.storedChunks();
        assertThat(first.formatVersion()).isEqualTo(Manifest.CHUNKED_FORMAT_VERSION);
        assertThat(first.partitions()).allSatisfy(e -> assertThat(e.isChunked()).isTrue());
        assertThat(store.bytes()).as("first checkpoint: chunk bytes the store received").isEqualTo(stateSize);
        assertThat(afterFirst.values().stream().mapToLong(Long::longValue).sum()).as("chunk bytes the store holds").isEqualTo(stateSize);
        assertThat(afterFirst.keySet()).isEqualTo(chunkKeys(first));
        assertThat(store.requests()).as("one PUT per chunk").isEqualTo(afterFirst.size());
        assertThat(store.multiparts()).isZero();
        assertThat(afterFirst.size()).as("about state / average chunks").isBetween((int) (stateSize / AVERAGE / 2), (int) (stateSize / AVERAGE * 2));
        report("[%s] first checkpoint: %d chunk bytes in %d PUTs for %d bytes of state", emulator(), store.bytes(), store.requests(), stateSize);
        assertRestores(store, first.id(), state);

        // (b) Unchanged state: zero chunk bytes, zero chunk requests, the same chunk list.
        store.reset();
        Manifest unchanged = cp.save(snapshot(state)).block(TIMEOUT);
        assertThat(store.bytes()).as("unchanged state: chunk bytes uploaded").isZero();
        assertThat(store.requests()).as("unchanged state: chunk PUT requests").isZero();
        assertThat(store.multiparts()).isZero();
        assertThat(store.storedChunks()).isEqualTo(afterFirst);
        for (PartitionEntry e : unchanged.partitions()) {
            assertThat(e.chunks()).isEqualTo(first.partition(e.operator(), e.partition()).orElseThrow().chunks());
        }
        report("[%s] unchanged state: %d chunk bytes in %d PUTs", emulator(), store.bytes(), store.requests());
        assertRestores(store, unchanged.id(), state);

        // (c) 1% of the bytes change: eight in-place edits of 40 KiB and one 8 KiB insert, at seeded random places.
        Random r = new Random(2);
        List<byte[]> edited = new ArrayList<>();
        state.forEach(p -> edited.add(p.clone()));
        int edits = 8;
        int editSize = 40 * 1024;
        int insertSize = 8 * 1024;
        long changed = 0;
        for (int i = 0; i < edits; i++) {
            byte[] p = edited.get(r.nextInt(PARTITIONS));
            byte[] patch = new byte[editSize];
            r.nextBytes(patch);
            System.arraycopy(patch, 0, p, r.nextInt(p.length - editSize), editSize);
            changed += editSize;
        }
        int target = r.nextInt(PARTITIONS);
        byte[] old = edited.get(target);
        int at = r.nextInt(old.length);
        byte[] insert = new byte[insertSize];
        r.nextBytes(insert);
        byte[] grown = new byte[old.length + insertSize];
        System.arraycopy(old, 0, grown, 0, at);
        System.arraycopy(insert, 0, grown, at, insertSize);
        System.arraycopy(old, at, grown, at + insertSize, old.length - at);
        edited.set(target, grown);
        changed += insertSize;
        int places = edits + 1;
        assertThat(changed / (double) stateSize).as("share of the state changed").isBetween(0.0095, 0.0105);

        store.reset();
        Manifest changedCp = cp.save(snapshot(edited)).block(TIMEOUT);
        long uploaded = store.bytes();
        Map<String, Long> afterChange = store.storedChunks();
        assertThat(addedBytes(afterFirst, afterChange)).as("what the store holds more equals what it was sent").isEqualTo(uploaded);
        // Each edited place costs its own bytes, plus the parts of the two chunks it cuts into that lie outside it
        // (together about one chunk, length-biased: a chunk that covers a given byte is larger than the mean), plus
        // about one chunk more until the cut points fall back in step with the old ones (FastCDC's normalized cut
        // masks depend on the distance from the chunk start, so the first old cut point after an edit is not always
        // taken again). FastCDC's mean is about 1.15 times the configured average, so about 2.6 averages per place are
        // expected; 4 per place bounds it with margin for the seed and for chunker tuning.
        long bound = changed + places * 4L * AVERAGE;
        double ratio = uploaded / (double) stateSize;
        report("[%s] 1%% change (%d bytes at %d places): uploaded %d chunk bytes in %d PUTs = %.4f of the state"
                + " (changed bytes alone: %.4f; bound %.4f); overhead %.2f average chunks per place", emulator(), changed, places,
                uploaded, store.requests(), ratio, changed / (double) stateSize, bound / (double) stateSize,
                (uploaded - changed) / (double) places / AVERAGE);
        assertThat(uploaded).as("at least the changed bytes").isGreaterThanOrEqualTo(changed);
        assertThat(uploaded).as("changed bytes + 4 average chunks per edited place").isLessThanOrEqualTo(bound);
        assertThat(store.multiparts()).isZero();
        long reused = changedCp.partitions().stream().flatMap(e -> e.chunks().stream()).filter(c -> c.firstId().equals(first.id())).count();
        assertThat(afterFirst.size() - reused).as("chunks of the first checkpoint no longer referenced").isBetween((long) places, places * 5L);
        assertRestores(store, changedCp.id(), edited);

        // A restarted process (a new store and checkpointer on the location) saving the same state uploads nothing.
        ChunkUploadMeter again = meteredStore();
        Checkpointer restarted = checkpointer(again, CHUNKING, Retention.keepAll());
        Manifest afterRestart = restarted.save(snapshot(edited)).block(TIMEOUT);
        assertThat(again.bytes()).as("restarted process, unchanged state: chunk bytes").isZero();
        assertThat(again.requests()).as("restarted process, unchanged state: chunk requests").isZero();
        report("[%s] restarted process, unchanged state: %d chunk bytes in %d PUTs", emulator(), again.bytes(), again.requests());
        assertThat(afterRestart.parent().orElseThrow().id()).isEqualTo(changedCp.id());
        assertRestores(again, afterRestart.id(), edited);
    }

    /** Compressible state, shaped like JSON-encoded counters. */
    private static byte[] counters(int size, long seed) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder(size + 128);
        while (sb.length() < size) {
            sb.append("{\"key\":\"user-").append(r.nextInt(100_000)).append("\",\"count\":").append(r.nextInt(1_000))
                    .append(",\"window\":").append(1_700_000_000_000L + r.nextInt(3_600_000)).append("}\n");
        }
        return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), size);
    }

    @Test
    void zstdStoresCompressibleStateInFewerBytesAndRestoresItExactly() {
        ChunkUploadMeter store = meteredStore();
        Checkpointer cp = checkpointer(store, CHUNKING.withZstd(3), Retention.keepAll());
        List<byte[]> state = List.of(counters(4 << 20, 3), counters(2 << 20, 4));
        long raw = size(state);

        Manifest m = cp.save(snapshot(state)).block(TIMEOUT);

        long stored = store.bytes();
        long recorded = m.partitions().stream().flatMap(e -> e.chunks().stream()).mapToLong(ChunkRef::storedSize).sum();
        Map<String, Long> held = store.storedChunks();
        report("[%s] zstd 3 on JSON counters: %d raw bytes stored as %d (%.3f)", emulator(), raw, stored, stored / (double) raw);
        assertThat(m.partitions()).allSatisfy(e -> assertThat(e.chunks()).allSatisfy(c -> assertThat(c.codec()).isEqualTo("zstd")));
        assertThat(stored).as("bytes sent for chunks").isLessThan(raw / 2).isEqualTo(recorded);
        assertThat(held.values().stream().mapToLong(Long::longValue).sum()).as("bytes the store holds").isEqualTo(stored);
        assertThat(m.partitions().stream().mapToLong(PartitionEntry::size).sum()).as("sizes are of the uncompressed bytes").isEqualTo(raw);
        assertRestores(store, m.id(), state);

        store.reset();
        cp.save(snapshot(state)).block(TIMEOUT);
        assertThat(store.bytes()).as("unchanged compressed state: chunk bytes").isZero();
        assertThat(store.requests()).isZero();
    }

    @Test
    void retentionKeepsExactlyTheChunksOfTheTwoKeptCheckpoints() {
        ChunkUploadMeter store = meteredStore();
        Checkpointer cp = checkpointer(store, CHUNKING, Retention.keepLast(2));
        List<byte[]> state = new ArrayList<>(randomState(5).subList(0, 2));
        Random r = new Random(6);
        List<Manifest> saved = new ArrayList<>();
        Map<CheckpointId, List<byte[]>> contents = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            if (i > 0) {
                for (int e = 0; e < 3; e++) { // three scattered 64 KiB edits per save
                    int idx = r.nextInt(state.size());
                    byte[] p = state.get(idx).clone();
                    byte[] patch = new byte[64 * 1024];
                    r.nextBytes(patch);
                    System.arraycopy(patch, 0, p, r.nextInt(p.length - patch.length), patch.length);
                    state.set(idx, p);
                }
            }
            Manifest m = cp.save(snapshot(state)).block(TIMEOUT);
            saved.add(m);
            contents.put(m.id(), List.copyOf(state));
            Set<String> live = new HashSet<>(chunkKeys(m));
            if (saved.size() >= 2) {
                live.addAll(chunkKeys(saved.get(saved.size() - 2)));
            }
            assertThat(store.storedChunks().keySet()).as("after save %d: the chunks the store lists are those the kept checkpoints reference", i + 1)
                    .isEqualTo(live);
        }
        List<CheckpointId> kept = cp.list().map(Manifest::id).collectList().block(TIMEOUT);
        assertThat(kept).containsExactlyInAnyOrder(saved.get(3).id(), saved.get(4).id());
        Manifest head = saved.get(4);
        assertThat(head.partitions().stream().flatMap(e -> e.chunks().stream()).map(ChunkRef::firstId).distinct().count())
                .as("the head still references chunks written by checkpoints retention removed").isGreaterThan(1);
        assertThat(head.partitions().stream().flatMap(e -> e.chunks().stream()).map(ChunkRef::firstId))
                .contains(saved.get(0).id());
        assertRestores(store, saved.get(3).id(), contents.get(saved.get(3).id()));
        assertRestores(store, head.id(), contents.get(head.id()));
    }
}

package dev.checkpointer.engine;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.Snapshot;
import dev.checkpointer.internal.ProtocolRules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import reactor.core.publisher.Flux;

/**
 * Writes the format-2 golden location ({@code src/test/resources/golden/v2-location}). Run once per new shape:
 * {@code mvn -pl api test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.checkpointer.engine.GoldenWriter
 * -Dexec.args=api/src/test/resources/golden}; never overwrite a directory that is already committed.
 */
final class GoldenWriter {
    private GoldenWriter() {}

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The directories this writer produces, each from scratch in memory. */
    static final Map<String, java.util.function.Supplier<MapStore>> SHAPES = Map.of(
            "v2-location", GoldenWriter::v2Location,
            "v2-claim-only", GoldenWriter::v2ClaimOnly,
            "v2-pipeline", GoldenWriter::v2Pipeline,
            "v3-chunks", GoldenWriter::v3Chunks);

    public static void main(String[] args) throws Exception {
        for (Map.Entry<String, java.util.function.Supplier<MapStore>> shape : SHAPES.entrySet()) {
            Path out = Path.of(args[0]).resolve(shape.getKey());
            if (Files.exists(out)) {
                System.out.println(out + " exists: golden files are never rewritten");
                continue;
            }
            MapStore store = shape.getValue().get();
            for (String key : store.keys()) {
                Path f = out.resolve(key);
                Files.createDirectories(f.getParent());
                Files.write(f, store.raw(key));
            }
        }
    }

    /** Format 2: a chain with a floor, a tombstone, packed and stored partitions, a many-hosts commit, an abort marker. */
    static MapStore v2Location() {
        MapStore store = new MapStore();
        Clock clock = Clock.fixed(Instant.parse("2026-12-07T10:00:00Z"), ZoneOffset.UTC);
        Checkpointer cp = ProtocolRules.building(Set.of(), new Random(2026), () -> Checkpointer.builder().store(store).clock(clock)
                .writerId("golden-host/7/00c0ffee").inlineThreshold(1024).maxInlineBytes(2048)
                .retention(Retention.keepLast(5)).build());
        // 1: expires below the floor by the end. 2: the floor. 3: tombstoned by delete(). 4: every metadata field, inline.
        for (int i = 1; i <= 3; i++) {
            cp.save(Snapshot.builder().epoch(5).partition("state", 0, Payload.of(bytes(3000, i))).build()).block();
        }
        cp.save(Snapshot.builder().epoch(5).partition("counts", 0, Payload.of("alice=3,bob=5".getBytes()))
                .partition("counts", 1, PartitionKind.DELTA, Payload.of(new byte[0]))
                .offsets("clicks", Map.of("partition-0", "1042")).sinkEpoch("warehouse", 5)
                .watermark("clicks", Instant.parse("2026-12-07T09:59:58Z")).fingerprint("pipeline-v7").metadata("app", "golden")
                .build()).block();
        // 5: sidecar-packed small partitions and a stored delta.
        Snapshot.Builder b5 = Snapshot.builder().epoch(5).fingerprint("pipeline-v7");
        for (int i = 0; i < 4; i++) {
            b5.partition("small", i, Payload.of(bytes(900, 50 + i)));
        }
        cp.save(b5.partition("log", 0, PartitionKind.DELTA, Payload.of(bytes(4000, 55))).build()).block();
        cp.delete(CheckpointId.of(3)).block();
        // 6: many hosts. 7: begun and aborted (an abort marker).
        CheckpointId six = cp.begin().block();
        List<PartitionEntry> entries = Flux.range(0, 2)
                .concatMap(i -> cp.stage(six, "worker-op", i, Payload.of(bytes(i == 0 ? 100 : 20_000, 60 + i))))
                .collectList().block();
        cp.commit(six, CheckpointMetadata.builder().epoch(5).offsets("clicks", Map.of("partition-0", "6000")).build(), entries).block();
        CheckpointId seven = cp.begin().block();
        cp.stage(seven, "worker-op", 0, Payload.of(bytes(20_000, 70))).block();
        cp.abort(seven).block();
        // 8: the head, on top of the aborted id.
        cp.save(Snapshot.builder().epoch(5).partition("state", 0, Payload.of(bytes(3000, 8))).build()).block();
        return store;
    }

    /**
     * Format 2 with the pipeline fields (issue 18): 1: a manifest with a topology (sources, sinks, vnode count),
     * sink epochs and a sink's prepared-transaction data, whose sink status object {@code _sinks} records one sink
     * COMMITTED (with a detail) and one FAILED; 2: the head, same fields, no status object (all sinks pending).
     */
    static MapStore v2Pipeline() {
        MapStore store = new MapStore();
        Clock clock = Clock.fixed(Instant.parse("2026-12-07T12:00:00Z"), ZoneOffset.UTC);
        Checkpointer cp = ProtocolRules.building(Set.of(), new Random(2028), () -> Checkpointer.builder().store(store).clock(clock)
                .writerId("golden-host/18/5eed5eed").build());
        for (int i = 1; i <= 2; i++) {
            cp.save(Snapshot.builder().epoch(2).partition("state", 0, Payload.of(("{\"alice\":" + i + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .partition("state", 3, Payload.of(bytes(40, 80 + i)))
                    .offsets("words", Map.of("0", Long.toString(100L * i), "1", Long.toString(7L * i)))
                    .sinkEpoch("kafka-out", 10 + i).sinkPrepared("kafka-out", "{\"producerId\":4001,\"epoch\":" + (10 + i) + "}")
                    .sinkEpoch("warehouse", 10 + i)
                    .topology(dev.checkpointer.Topology.of(Set.of("words"), Set.of("kafka-out", "warehouse"), 4))
                    .metadata("pipeline.epoch", Integer.toString(10 + i))
                    .build()).block();
        }
        CheckpointId one = CheckpointId.of(1);
        cp.markSink(one, "kafka-out", dev.checkpointer.SinkState.COMMITTED, "transaction kafka-out-0 committed").block();
        cp.markSink(one, "warehouse", dev.checkpointer.SinkState.FAILED, "IllegalStateException: table dropped").block();
        return store;
    }

    /** The compressible payload of {@link #v3Chunks()}: counters as text. */
    static byte[] counters(int n, int round) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; b.length() < n; i++) {
            b.append("{\"key\":\"user-").append(i).append("\",\"count\":").append(i % 7 == 0 ? i * round : i).append("}\n");
        }
        return b.substring(0, n).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The random payload of {@link #v3Chunks()} in round 2: round 1's with 300 bytes replaced at 5000 and 40 inserted at 9000. */
    static byte[] editedState() {
        byte[] a = bytes(12_000, 90);
        System.arraycopy(bytes(300, 91), 0, a, 5000, 300);
        byte[] out = new byte[a.length + 40];
        System.arraycopy(a, 0, out, 0, 9000);
        System.arraycopy(bytes(40, 92), 0, out, 9000, 40);
        System.arraycopy(a, 9000, out, 9040, a.length - 9000);
        return out;
    }

    /**
     * Format 3.0, chunked partitions (issue 19), 512-byte average chunks from 4 KiB up: 1: a chunked random partition
     * (uncompressed) and an inline one; 2: the head, its random partition edited (in place and an insert) so that it
     * reuses most of 1's chunks, plus a zstd-compressed counters partition.
     */
    static MapStore v3Chunks() {
        MapStore store = new MapStore();
        Clock clock = Clock.fixed(Instant.parse("2026-12-07T13:00:00Z"), ZoneOffset.UTC);
        dev.checkpointer.Chunking chunking = dev.checkpointer.Chunking.on().withAverageChunkSize(512).withThreshold(4096);
        Checkpointer plain = ProtocolRules.building(Set.of(), new Random(2029), () -> Checkpointer.builder().store(store).clock(clock)
                .writerId("golden-host/19/c4c4c4c4").inlineThreshold(1024).chunking(chunking).build());
        plain.save(Snapshot.builder().epoch(1).partition("state", 0, Payload.of(bytes(12_000, 90)))
                .partition("state", 1, Payload.of(bytes(100, 93))).build()).block();
        Checkpointer zstd = ProtocolRules.building(Set.of(), new Random(2030), () -> Checkpointer.builder().store(store).clock(clock)
                .writerId("golden-host/19/c4c4c4c4").inlineThreshold(1024).chunking(chunking.withZstd(3)).build());
        zstd.save(Snapshot.builder().epoch(1).partition("state", 0, Payload.of(editedState()))
                .partition("counts", 0, Payload.of(counters(6000, 2))).build()).block();
        return store;
    }

    /**
     * Format 2, claim only: an explicit-epoch writer created {@code _latest} (id 0, epoch 3) before its first manifest,
     * and its save then failed, so the location has a pointer and no checkpoint.
     */
    static MapStore v2ClaimOnly() {
        MapStore store = new MapStore();
        Clock clock = Clock.fixed(Instant.parse("2026-12-07T11:00:00Z"), ZoneOffset.UTC);
        Checkpointer cp = ProtocolRules.building(Set.of(), new Random(2027), () -> Checkpointer.builder().store(store).clock(clock)
                .writerId("golden-host/9/0badcafe").build());
        Payload failing = Payload.of(() -> Flux.<java.nio.ByteBuffer>error(new IllegalStateException("the writer's source failed")), 10);
        try {
            cp.save(Snapshot.builder().epoch(3).partition("state", 0, failing).build()).block();
        } catch (RuntimeException expected) {
            // the claim stays: that is the shape
        }
        return store;
    }
}

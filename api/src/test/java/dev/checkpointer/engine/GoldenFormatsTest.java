package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every location shape an earlier version wrote (src/test/resources/golden, never edited) still restores, byte for
 * byte, and a v2 writer continues its chain.
 */
class GoldenFormatsTest {
    private static final Duration T = Duration.ofSeconds(10);

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static MapStore golden(String name) throws Exception {
        return MapStore.fromDirectory(resource(name));
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(GoldenFormatsTest.class.getResource("/golden/" + name).toURI());
    }

    private static byte[] read(Checkpoint c, String op, int p) {
        return Buffers.toArray(c.read(op, p).block(T));
    }

    private static void assertV1Contents(Checkpointer cp) {
        Checkpoint one = cp.load(CheckpointId.of(1)).block(T);
        Manifest m1 = one.manifest();
        assertThat(m1.formatVersion()).isEqualTo("1.0");
        assertThat(m1.epoch()).isEqualTo(3);
        assertThat(m1.createdAt()).isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
        assertThat(m1.writerId()).isEqualTo("golden-host/4242/0a1b2c3d");
        assertThat(m1.offsets()).isEqualTo(Map.of("clicks", Map.of("partition-0", "1042", "partition-1", "77")));
        assertThat(m1.sinkEpochs()).isEqualTo(Map.of("warehouse", 3L));
        assertThat(m1.watermarks()).isEqualTo(Map.of("clicks", Instant.parse("2026-12-01T09:59:58Z")));
        assertThat(m1.fingerprint()).isEqualTo("pipeline-v7");
        assertThat(m1.metadata()).isEqualTo(Map.of("app", "golden", "note", "every field"));
        assertThat(m1.parent()).isEmpty();
        assertThat(new String(read(one, "counts", 0), StandardCharsets.UTF_8)).isEqualTo("alice=3,bob=5");
        assertThat(m1.partition("counts", 1).orElseThrow().kind()).isEqualTo(PartitionKind.DELTA);
        assertThat(read(one, "counts", 1)).isEmpty();
        assertThat(read(one, "Ünïcode op-x", 0)).containsExactly(1, 2, 3);

        Checkpoint two = cp.load(CheckpointId.of(2)).block(T);
        assertThat(read(two, "state", 0)).isEqualTo(bytes(5000, 2));
        assertThat(two.manifest().partition("state", 1).orElseThrow().kind()).isEqualTo(PartitionKind.DELTA);
        assertThat(read(two, "state", 1)).isEqualTo(bytes(3000, 3));

        Checkpoint three = cp.load(CheckpointId.of(3)).block(T);
        // Two small partitions fit the 2 KiB inline budget; the other two were packed into the sidecar.
        assertThat(three.manifest().partitions()).filteredOn(e -> e.key() != null && e.key().contains("/state.") && e.key().endsWith(".bin")).hasSize(2);
        for (int i = 0; i < 4; i++) {
            assertThat(read(three, "small", i)).isEqualTo(bytes(900, 10 + i));
        }
        assertThat(read(three, "big", 0)).isEqualTo(bytes(300_000, 4));
        assertThat(Buffers.join(three.stream("big", 0)).block(T)).isEqualTo(bytes(300_000, 4));

        Checkpoint four = cp.load(CheckpointId.of(4)).block(T);
        assertThat(four.manifest().metadata()).containsEntry("coordinator", "c1");
        assertThat(read(four, "worker-op", 0)).isEqualTo(bytes(100, 20));
        assertThat(read(four, "worker-op", 1)).isEqualTo(bytes(20_000, 21));
        assertThat(read(four, "worker-op", 2)).isEqualTo(bytes(20_000, 22));
    }

    @Test
    void aFormatOneLocationRestoresEveryPartitionOfEveryCheckpoint() throws Exception {
        Checkpointer cp = Checkpointer.builder().store(golden("v1-location")).build();
        assertThat(cp.latest().block(T).manifest().id()).isEqualTo(CheckpointId.of(4));
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(T)).containsExactly(1L, 2L, 3L, 4L);
        assertV1Contents(cp);
    }

    @Test
    void aVersionTwoWriterContinuesAFormatOneChainAndUpgradesThePointer() throws Exception {
        MapStore store = golden("v1-location");
        String v1Head = MapStore.sha256Hex(store.raw("checkpoints/00000000000000000004/manifest.json"));
        Checkpointer cp = Checkpointer.builder().store(store).build();
        Manifest five = cp.save(Snapshot.builder().partition("next", 0, Payload.of(bytes(2000, 5))).build()).block(T);
        assertThat(five.id()).isEqualTo(CheckpointId.of(5));
        assertThat(five.parent()).contains(new Manifest.Link(CheckpointId.of(4), v1Head));
        assertThat(five.epoch()).isEqualTo(4); // claimed above the v1 pointer's epoch 3
        assertThat(new String(store.raw("_latest"), StandardCharsets.UTF_8)).contains("\"format\":\"checkpointer-pointer\"");

        Checkpointer fresh = Checkpointer.builder().store(store).build();
        assertThat(fresh.list().map(m -> m.id().value()).collectList().block(T)).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(read(fresh.latest().block(T), "next", 0)).isEqualTo(bytes(2000, 5));
        assertV1Contents(fresh);

        // Retention expires the format-1 members by raising the floor, then deletes them.
        Checkpointer retaining = Checkpointer.builder().store(store).retention(Retention.keepLast(2)).build();
        retaining.save(Snapshot.builder().partition("next", 0, Payload.of(bytes(2000, 6))).build()).block(T);
        assertThat(fresh.list().map(m -> m.id().value()).collectList().block(T)).containsExactly(5L, 6L);
        assertThat(store.keys()).noneMatch(k -> k.startsWith("checkpoints/0000000000000000000" + "1/")
                || k.startsWith("checkpoints/00000000000000000004/"));
    }

    @Test
    void aFormatOneClaimOnlyPointerIsAnEmptyLocationWhoseEpochStands() throws Exception {
        MapStore store = golden("v1-claim-only");
        Checkpointer cp = Checkpointer.builder().store(store).build();
        assertThat(cp.latest().blockOptional(T)).isEmpty();
        assertThat(cp.list().collectList().block(T)).isEmpty();
        Manifest first = cp.save(Snapshot.builder().partition("a", 0, Payload.of(new byte[] {1})).build()).block(T);
        assertThat(first.id()).isEqualTo(CheckpointId.of(1));
        assertThat(first.epoch()).isEqualTo(2);
        assertThat(first.parent()).isEmpty();
        assertThat(List.of(cp.latest().block(T).manifest().id())).containsExactly(CheckpointId.of(1));
    }

    @Test
    void aFormatTwoLocationWithATombstoneAFloorAndAnAbortMarkerRestores() throws Exception {
        MapStore store = golden("v2-location");
        Checkpointer cp = Checkpointer.builder().store(store).orphanGracePeriod(Duration.ZERO).build();
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(T)).containsExactly(2L, 4L, 5L, 6L, 8L);
        Checkpoint head = cp.latest().block(T);
        assertThat(head.manifest().id()).isEqualTo(CheckpointId.of(8));
        assertThat(head.manifest().parent().orElseThrow().id()).isEqualTo(CheckpointId.of(6));
        assertThat(head.manifest().grandparent().orElseThrow().id()).isEqualTo(CheckpointId.of(5));
        assertThat(read(head, "state", 0)).isEqualTo(bytes(3000, 8));
        assertThat(read(cp.load(CheckpointId.of(2)).block(T), "state", 0)).isEqualTo(bytes(3000, 2));
        Checkpoint four = cp.load(CheckpointId.of(4)).block(T);
        assertThat(new String(read(four, "counts", 0), StandardCharsets.UTF_8)).isEqualTo("alice=3,bob=5");
        assertThat(four.manifest().sinkEpochs()).containsEntry("warehouse", 5L);
        Checkpoint five = cp.load(CheckpointId.of(5)).block(T);
        for (int i = 0; i < 4; i++) {
            assertThat(read(five, "small", i)).isEqualTo(bytes(900, 50 + i));
        }
        assertThat(read(five, "log", 0)).isEqualTo(bytes(4000, 55));
        Checkpoint six = cp.load(CheckpointId.of(6)).block(T);
        assertThat(read(six, "worker-op", 0)).isEqualTo(bytes(100, 60));
        assertThat(read(six, "worker-op", 1)).isEqualTo(bytes(20_000, 61));
        for (long gone : new long[] {1, 3, 7}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> cp.load(CheckpointId.of(gone)).block(T))
                    .isInstanceOf(dev.checkpointer.CheckpointNotFoundException.class);
        }
        // The abort marker lies below the head: garbage, swept; the tombstone is a chain member and stays.
        assertThat(cp.prune().block(T).deletedOrphans()).containsExactly("checkpoints/00000000000000000007/manifest.json");
        assertThat(store.keys()).contains("checkpoints/00000000000000000003/manifest.json");
        assertThat(cp.list().map(m -> m.id().value()).collectList().block(T)).containsExactly(2L, 4L, 5L, 6L, 8L);
    }

    @Test
    void aFormatTwoLocationWithTopologyPreparedSinkDataAndSinkStatusesRestores() throws Exception {
        MapStore store = golden("v2-pipeline");
        Checkpointer cp = Checkpointer.builder().store(store).orphanGracePeriod(Duration.ZERO).build();
        Manifest one = cp.load(CheckpointId.of(1)).block(T).manifest();
        dev.checkpointer.Topology topology = dev.checkpointer.Topology.of(java.util.Set.of("words"), java.util.Set.of("kafka-out", "warehouse"), 4);
        assertThat(one.topology()).hasValue(topology);
        assertThat(one.validate(topology)).isEmpty();
        assertThat(one.sinkEpochs()).containsEntry("kafka-out", 11L).containsEntry("warehouse", 11L);
        assertThat(one.sinkPrepared()).containsExactly(Map.entry("kafka-out", "{\"producerId\":4001,\"epoch\":11}"));
        assertThat(cp.sinkStatuses(CheckpointId.of(1)).block(T)).extracting(dev.checkpointer.SinkStatus::sink, dev.checkpointer.SinkStatus::state,
                        dev.checkpointer.SinkStatus::detail, dev.checkpointer.SinkStatus::prepared)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("kafka-out", dev.checkpointer.SinkState.COMMITTED, "transaction kafka-out-0 committed",
                                "{\"producerId\":4001,\"epoch\":11}"),
                        org.assertj.core.groups.Tuple.tuple("warehouse", dev.checkpointer.SinkState.FAILED, "IllegalStateException: table dropped", null));
        assertThat(cp.sinkStatuses(CheckpointId.of(2)).block(T)).allSatisfy(s -> assertThat(s.state()).isEqualTo(dev.checkpointer.SinkState.PENDING));
        assertThat(new String(read(cp.latest().block(T), "state", 0), StandardCharsets.UTF_8)).isEqualTo("{\"alice\":2}");
        // the status object of a retained checkpoint is live: prune keeps it
        cp.prune().block(T);
        assertThat(store.keys()).contains("checkpoints/00000000000000000001/_sinks");
    }

    @Test
    void manifestsWrittenBeforeTopologyAndSinkStatusesLoadWithoutThemAndTheirSinksArePending() throws Exception {
        for (String location : new String[] {"v1-location", "v2-location"}) {
            Checkpointer cp = Checkpointer.builder().store(golden(location)).build();
            for (Manifest m : cp.list().collectList().block(T)) {
                assertThat(m.topology()).as(location + " " + m.id()).isEmpty();
                assertThat(m.sinkPrepared()).as(location + " " + m.id()).isEmpty();
                assertThat(m.validate(dev.checkpointer.Topology.of(m.offsets().keySet(), m.sinkEpochs().keySet()))).as(location + " " + m.id()).isEmpty();
                assertThat(cp.sinkStatuses(m.id()).block(T)).as(location + " " + m.id())
                        .allSatisfy(s -> assertThat(s.state()).isEqualTo(dev.checkpointer.SinkState.PENDING))
                        .extracting(dev.checkpointer.SinkStatus::sink).containsExactlyElementsOf(m.sinkEpochs().keySet());
            }
        }
    }

    @Test
    void aFormatTwoClaimOnlyPointerIsAnEmptyLocationWhoseEpochFencesOlderWriters() throws Exception {
        MapStore store = golden("v2-claim-only");
        Checkpointer cp = Checkpointer.builder().store(store).build();
        assertThat(cp.latest().blockOptional(T)).isEmpty();
        assertThat(cp.list().collectList().block(T)).isEmpty();
        assertThatThrownBy(() -> cp.save(Snapshot.builder().epoch(2).partition("a", 0, Payload.of(new byte[] {1})).build()).block(T))
                .isInstanceOfSatisfying(dev.checkpointer.ConcurrentCheckpointException.class, e -> assertThat(e.fenced()).isTrue());
        Manifest first = cp.save(Snapshot.builder().partition("a", 0, Payload.of(new byte[] {1})).build()).block(T);
        assertThat(first.id()).isEqualTo(CheckpointId.of(1));
        assertThat(first.epoch()).isEqualTo(4);
    }

    @Test
    void aFormatThreeLocationWithChunksUncompressedCompressedAndSharedRestoresAndPrunesNothingLive() throws Exception {
        MapStore store = golden("v3-chunks");
        Checkpointer cp = Checkpointer.builder().store(store).orphanGracePeriod(Duration.ZERO).build();
        Manifest one = cp.load(CheckpointId.of(1)).block(T).manifest();
        Manifest two = cp.latest().block(T).manifest();
        assertThat(one.formatVersion()).isEqualTo("3.0");
        assertThat(two.formatVersion()).isEqualTo("3.0");
        assertThat(read(cp.load(CheckpointId.of(1)).block(T), "state", 0)).isEqualTo(GoldenWriter.bytes(12_000, 90));
        assertThat(read(cp.load(CheckpointId.of(1)).block(T), "state", 1)).isEqualTo(GoldenWriter.bytes(100, 93));
        assertThat(read(cp.latest().block(T), "state", 0)).isEqualTo(GoldenWriter.editedState());
        assertThat(read(cp.latest().block(T), "counts", 0)).isEqualTo(GoldenWriter.counters(6000, 2));
        List<dev.checkpointer.ChunkRef> shared = two.partition("state", 0).orElseThrow().chunks();
        assertThat(shared).anyMatch(c -> c.firstId().value() == 1).anyMatch(c -> c.firstId().value() == 2);
        assertThat(two.partition("counts", 0).orElseThrow().chunks()).allMatch(c -> c.codec().equals("zstd") && c.storedSize() < c.size());
        int before = store.keys().size();
        cp.prune().block(T);
        assertThat(store.keys()).hasSize(before);
    }

    @Test
    void todaysWriterProducesEveryGoldenFormatTwoDirectoryByteForByte() throws Exception {
        for (Map.Entry<String, java.util.function.Supplier<MapStore>> shape : GoldenWriter.SHAPES.entrySet()) {
            MapStore golden = golden(shape.getKey());
            MapStore today = shape.getValue().get();
            assertThat(today.keys()).as(shape.getKey()).isEqualTo(golden.keys());
            for (String key : golden.keys()) {
                if (key.startsWith("chunks/") && !Arrays.equals(today.raw(key), golden.raw(key))) {
                    // A compressed chunk may compress differently after a zstd upgrade; what it decodes to may not change.
                    assertThat(com.github.luben.zstd.Zstd.decompress(today.raw(key), 1 << 20)).as(shape.getKey() + "/" + key)
                            .isEqualTo(com.github.luben.zstd.Zstd.decompress(golden.raw(key), 1 << 20));
                    continue;
                }
                assertThat(new String(today.raw(key), StandardCharsets.UTF_8)).as(shape.getKey() + "/" + key)
                        .isEqualTo(new String(golden.raw(key), StandardCharsets.UTF_8));
                assertThat(today.raw(key)).as(shape.getKey() + "/" + key).isEqualTo(golden.raw(key));
            }
        }
    }
}

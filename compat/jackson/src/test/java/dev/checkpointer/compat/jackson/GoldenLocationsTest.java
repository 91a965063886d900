package dev.checkpointer.compat.jackson;

import static dev.checkpointer.compat.jackson.Compat.bytes;
import static dev.checkpointer.compat.jackson.Compat.read;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every object any earlier version wrote ({@code api/src/test/resources/golden}, copied by the build to
 * {@code target/golden} and from there to a fresh {@code file:} location per test) is read on this Jackson through the
 * public API: each pointer, each manifest, each partition object.
 */
class GoldenLocationsTest {
    private static final Path GOLDEN = Path.of(Compat.property("compat.golden.dir"));

    /** A private, writable copy of a golden location, as a {@code file:} URI. */
    private static String copyOf(String name) {
        Path source = GOLDEN.resolve(name);
        assertThat(source).as("golden location copied by the build").isDirectory();
        Path copy = Compat.freshDirectory("golden-" + name);
        Compat.copyTree(source, copy);
        return copy.toUri().toString();
    }

    private static Checkpointer open(String location) {
        return Checkpointer.builder().location(location).orphanGracePeriod(Duration.ZERO).build();
    }

    private static String manifestKey(CheckpointId id) {
        return "checkpoints/" + id.padded() + "/manifest.json";
    }

    /**
     * Reads every partition of every listed checkpoint (the library verifies each digest) and returns the keys that
     * reading accounted for: the pointer, each manifest, each partition's object.
     */
    private static Set<String> readEverything(Checkpointer cp) {
        Set<String> keys = new TreeSet<>(Set.of("_latest"));
        for (Manifest listed : cp.list().collectList().block(Compat.T)) {
            Checkpoint c = cp.load(listed.id()).block(Compat.T);
            keys.add(manifestKey(c.manifest().id()));
            for (PartitionEntry e : c.manifest().partitions()) {
                assertThat(read(c, e.operator(), e.partition())).as("%s of %s", e.name(), listed.id()).hasSize((int) e.size());
                if (e.isChunked()) {
                    e.chunks().forEach(chunk -> keys.add(chunk.key()));
                } else if (!e.isInline()) {
                    keys.add(e.key());
                }
            }
        }
        return keys;
    }

    @Test
    void everyGoldenLocationIsCovered() throws Exception {
        try (var dirs = Files.list(GOLDEN)) {
            assertThat(dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString()))
                    .as("a new golden location needs a test here too")
                    .containsExactlyInAnyOrder("v1-location", "v1-claim-only", "v2-location", "v2-claim-only", "v2-pipeline", "v3-chunks", "entries");
        }
    }

    @Test
    void aChunkedLocationRestoresEveryPartitionFromSharedUncompressedAndCompressedChunksAndPruneKeepsThemAll() {
        String location = copyOf("v3-chunks");
        try (Checkpointer cp = open(location)) {
            Manifest head = cp.latest().block(Compat.T).manifest();
            assertThat(head.formatVersion()).isEqualTo("3.0");
            assertThat(head.partitions()).anyMatch(e -> e.chunks().stream().anyMatch(c -> c.codec().equals("zstd")));
            assertThat(head.partitions()).anyMatch(e -> e.chunks().stream().anyMatch(c -> c.firstId().value() == 1));
            Set<String> keys = readEverything(cp);
            assertThat(keys).containsExactlyInAnyOrderElementsOf(Compat.storeKeys(location));
            cp.prune().block(Compat.T);
            assertThat(Compat.storeKeys(location)).containsExactlyInAnyOrderElementsOf(keys);
        }
    }

    @Test
    void aPipelineLocationRestoresTopologyPreparedDataAndSinkStatuses() {
        String location = copyOf("v2-pipeline");
        try (Checkpointer cp = open(location)) {
            Manifest one = cp.load(CheckpointId.of(1)).block(Compat.T).manifest();
            dev.checkpointer.Topology topology = dev.checkpointer.Topology.of(Set.of("words"), Set.of("kafka-out", "warehouse"), 4);
            assertThat(one.topology()).hasValue(topology);
            assertThat(one.validate(topology)).isEmpty();
            assertThat(one.sinkEpochs()).containsEntry("kafka-out", 11L).containsEntry("warehouse", 11L);
            assertThat(one.sinkPrepared()).containsExactly(Map.entry("kafka-out", "{\"producerId\":4001,\"epoch\":11}"));
            assertThat(cp.sinkStatuses(CheckpointId.of(1)).block(Compat.T))
                    .extracting(s -> s.sink() + "=" + s.state() + ":" + s.epoch() + ":" + s.detail())
                    .containsExactly("kafka-out=COMMITTED:11:transaction kafka-out-0 committed", "warehouse=FAILED:11:IllegalStateException: table dropped");
            assertThat(cp.sinkStatuses(CheckpointId.of(2)).block(Compat.T))
                    .allSatisfy(s -> assertThat(s.state()).isEqualTo(dev.checkpointer.SinkState.PENDING));
            Set<String> keys = readEverything(cp);
            keys.add("checkpoints/" + CheckpointId.of(1).padded() + "/_sinks");
            assertThat(keys).containsExactlyInAnyOrderElementsOf(Compat.storeKeys(location));
            // a retained checkpoint's sink statuses are live: prune keeps them
            cp.prune().block(Compat.T);
            assertThat(Compat.storeKeys(location)).contains("checkpoints/" + CheckpointId.of(1).padded() + "/_sinks");
        }
    }

    @Test
    void formatOneLocationRestoresEveryObjectAndEveryField() {
        String location = copyOf("v1-location");
        try (Checkpointer cp = open(location)) {
            assertThat(cp.latest().block(Compat.T).manifest().id()).isEqualTo(CheckpointId.of(4));
            assertThat(cp.list().map(m -> m.id().value()).collectList().block(Compat.T)).containsExactly(1L, 2L, 3L, 4L);
            assertThat(readEverything(cp)).containsExactlyInAnyOrderElementsOf(Compat.storeKeys(location));

            Checkpoint one = cp.load(CheckpointId.of(1)).block(Compat.T);
            Manifest m1 = one.manifest();
            assertThat(m1).extracting(Manifest::formatVersion, Manifest::epoch, Manifest::createdAt, Manifest::writerId,
                            Manifest::fingerprint, Manifest::offsets, Manifest::sinkEpochs, Manifest::watermarks, Manifest::metadata)
                    .containsExactly("1.0", 3L, Instant.parse("2026-12-01T10:00:00Z"), "golden-host/4242/0a1b2c3d", "pipeline-v7",
                            Map.of("clicks", Map.of("partition-0", "1042", "partition-1", "77")), Map.of("warehouse", 3L),
                            Map.of("clicks", Instant.parse("2026-12-01T09:59:58Z")), Map.of("app", "golden", "note", "every field"));
            assertThat(new String(read(one, "counts", 0), UTF_8)).isEqualTo("alice=3,bob=5");
            assertThat(m1.partition("counts", 1).orElseThrow().kind()).isEqualTo(PartitionKind.DELTA);
            assertThat(read(one, "Ünïcode op-x", 0)).containsExactly(1, 2, 3);

            Checkpoint three = cp.load(CheckpointId.of(3)).block(Compat.T);
            for (int i = 0; i < 4; i++) {
                assertThat(read(three, "small", i)).isEqualTo(bytes(900, 10 + i));
            }
            assertThat(read(three, "big", 0)).isEqualTo(bytes(300_000, 4));
            Checkpoint four = cp.load(CheckpointId.of(4)).block(Compat.T);
            assertThat(four.manifest().metadata()).containsEntry("coordinator", "c1");
            assertThat(read(four, "worker-op", 2)).isEqualTo(bytes(20_000, 22));
        }
    }

    @Test
    void thisJacksonContinuesAFormatOneChainAndAFreshReaderFollowsIt() {
        String location = copyOf("v1-location");
        try (Checkpointer cp = open(location)) {
            Manifest five = cp.save(Snapshot.builder().partition("next", 0, Payload.of(bytes(2000, 5))).build()).block(Compat.T);
            assertThat(five.id()).isEqualTo(CheckpointId.of(5));
            assertThat(five.parent().orElseThrow().id()).isEqualTo(CheckpointId.of(4));
            assertThat(five.epoch()).isEqualTo(4);
        }
        try (Checkpointer fresh = open(location)) {
            assertThat(fresh.list().map(m -> m.id().value()).collectList().block(Compat.T)).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(read(fresh.latest().block(Compat.T), "next", 0)).isEqualTo(bytes(2000, 5));
            assertThat(readEverything(fresh)).containsExactlyInAnyOrderElementsOf(Compat.storeKeys(location));
        }
    }

    /** Opens a claim-only location (a {@code _latest} with id 0) and checks it is empty; returns the open checkpointer. */
    private static Checkpointer openClaimOnly(String name) {
        String location = copyOf(name);
        assertThat(Compat.storeKeys(location)).containsExactly("_latest");
        Checkpointer cp = open(location);
        assertThat(cp.latest().blockOptional(Compat.T)).isEmpty();
        assertThat(cp.list().collectList().block(Compat.T)).isEmpty();
        return cp;
    }

    private static Snapshot oneByte(Long epoch) {
        Snapshot.Builder b = Snapshot.builder().partition("a", 0, Payload.of(new byte[] {1}));
        return (epoch == null ? b : b.epoch(epoch)).build();
    }

    @Test
    void formatOneClaimOnlyPointerIsAnEmptyLocationWhoseEpochStands() {
        try (Checkpointer cp = openClaimOnly("v1-claim-only")) {
            Manifest first = cp.save(oneByte(null)).block(Compat.T);
            assertThat(first.id()).isEqualTo(CheckpointId.of(1));
            assertThat(first.epoch()).isEqualTo(2);
        }
    }

    @Test
    void formatTwoClaimOnlyPointerIsAnEmptyLocationWhoseEpochFencesOlderWriters() {
        try (Checkpointer cp = openClaimOnly("v2-claim-only")) {
            assertThatThrownBy(() -> cp.save(oneByte(2L)).block(Compat.T))
                    .isInstanceOfSatisfying(ConcurrentCheckpointException.class, e -> assertThat(e.fenced()).isTrue());
            Manifest first = cp.save(oneByte(null)).block(Compat.T);
            assertThat(first.id()).isEqualTo(CheckpointId.of(1));
            assertThat(first.epoch()).isEqualTo(4);
        }
    }

    @Test
    void relayedEntriesOfEarlierVersionsReadWithEveryRelayAndAreWrittenAgainByteForByte() throws Exception {
        List<Path> files;
        try (var listing = Files.list(GOLDEN.resolve("entries"))) {
            files = listing.sorted().toList();
        }
        assertThat(files).extracting(f -> f.getFileName().toString()).contains("inline-0.1.json", "stored-0.1.json");
        for (Path file : files) {
            String json = Files.readString(file, UTF_8).strip();
            boolean inline = file.getFileName().toString().startsWith("inline-");
            for (Relay relay : Relay.values()) {
                PartitionEntry entry = relay.readEntry(json);
                assertThat(entry.isInline()).as("%s read by %s", file.getFileName(), relay).isEqualTo(inline);
                assertThat(entry.key() == null).isEqualTo(inline);
                if (inline) {
                    assertThat(Base64.getDecoder().decode(entry.inline())).hasSize((int) entry.size());
                }
                assertThat(entry.toJson()).as("%s read by %s, written again", file.getFileName(), relay).isEqualTo(json);
                assertThat(relay.readEntry(relay.writeEntry(entry))).isEqualTo(entry);
            }
        }
    }

    @Test
    void formatTwoLocationRestoresEveryObjectAndSweepsOnlyItsAbortMarker() {
        String location = copyOf("v2-location");
        List<String> files = Compat.storeKeys(location);
        try (Checkpointer cp = open(location)) {
            assertThat(cp.list().map(m -> m.id().value()).collectList().block(Compat.T)).containsExactly(2L, 4L, 5L, 6L, 8L);
            Checkpoint head = cp.latest().block(Compat.T);
            assertThat(head.manifest().id()).isEqualTo(CheckpointId.of(8));
            assertThat(head.manifest().parent().orElseThrow().id()).isEqualTo(CheckpointId.of(6));
            assertThat(head.manifest().grandparent().orElseThrow().id()).isEqualTo(CheckpointId.of(5));
            assertThat(read(head, "state", 0)).isEqualTo(bytes(3000, 8));

            // Every file is a listed checkpoint's, except the tombstone of 3 (deleted) and the abort marker of 7.
            Set<String> tombstoneAndMarker = Set.of(manifestKey(CheckpointId.of(3)), manifestKey(CheckpointId.of(7)));
            Set<String> read = readEverything(cp);
            assertThat(read).doesNotContainAnyElementsOf(tombstoneAndMarker);
            assertThat(files).containsExactlyInAnyOrderElementsOf(union(read, tombstoneAndMarker));
            for (long gone : new long[] {1, 3, 7}) {
                assertThatThrownBy(() -> cp.load(CheckpointId.of(gone)).block(Compat.T)).isInstanceOf(CheckpointNotFoundException.class);
            }

            Checkpoint four = cp.load(CheckpointId.of(4)).block(Compat.T);
            assertThat(new String(read(four, "counts", 0), UTF_8)).isEqualTo("alice=3,bob=5");
            assertThat(four.manifest().sinkEpochs()).isEqualTo(Map.of("warehouse", 5L));
            assertThat(four.manifest().watermarks()).isEqualTo(Map.of("clicks", Instant.parse("2026-12-07T09:59:58Z")));
            assertThat(four.manifest().offsets()).isEqualTo(Map.of("clicks", Map.of("partition-0", "1042")));
            assertThat(four.manifest().fingerprint()).isEqualTo("pipeline-v7");
            assertThat(four.manifest().metadata()).isEqualTo(Map.of("app", "golden"));
            Checkpoint five = cp.load(CheckpointId.of(5)).block(Compat.T);
            for (int i = 0; i < 4; i++) {
                assertThat(read(five, "small", i)).isEqualTo(bytes(900, 50 + i));
            }
            assertThat(read(five, "log", 0)).isEqualTo(bytes(4000, 55));
            assertThat(read(cp.load(CheckpointId.of(6)).block(Compat.T), "worker-op", 1)).isEqualTo(bytes(20_000, 61));

            // The tombstone is a chain member and stays; the abort marker below the head is garbage.
            assertThat(cp.prune().block(Compat.T).deletedOrphans()).containsExactly(manifestKey(CheckpointId.of(7)));
            assertThat(Compat.storeKeys(location)).contains(manifestKey(CheckpointId.of(3)))
                    .doesNotContain(manifestKey(CheckpointId.of(7)));
        }
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }
}

package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Chunking;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI on incremental checkpoints (chunked partitions): inspect's new-versus-reused, verify by chunk, copy, prune. */
class ChunkedCliTest {
    /** Bytes of the chunked partition. */
    private static final int SIZE = 256 * 1024;
    /** Average chunk size: 64 chunks or so per partition. */
    private static final int AVERAGE = 4096;

    private final String uri = Cli.memory();
    private final String dst = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
        Cli.drop(dst);
    }

    private static Chunking chunking(boolean zstd) {
        Chunking c = Chunking.on().withAverageChunkSize(AVERAGE).withThreshold(64 * 1024);
        return zstd ? c.withZstd(3) : c;
    }

    /** Compressible but not trivially so: random words from a small alphabet. */
    private static byte[] state(long seed) {
        Random r = new Random(seed);
        byte[] b = new byte[SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ('a' + r.nextInt(r.nextInt(4) == 0 ? 26 : 6));
        }
        return b;
    }

    /**
     * Saves a chain: checkpoint 1 holds {@code base} in counts/1 (chunked) and a small inline partition; each next
     * one edits 16 bytes in place at another spot, so it should reuse all chunks but about one.
     */
    private static List<byte[]> seedChain(String location, int n, boolean zstd) {
        List<byte[]> states = new ArrayList<>();
        byte[] cur = state(7);
        try (Checkpointer cp = Checkpointer.builder().location(location).chunking(chunking(zstd)).build()) {
            for (int i = 1; i <= n; i++) {
                if (i > 1) {
                    cur = cur.clone();
                    int at = (i * 37_123) % (SIZE - 16);
                    for (int j = 0; j < 16; j++) {
                        cur[at + j] = (byte) ('A' + (i + j) % 26);
                    }
                }
                states.add(cur);
                cp.save(Snapshot.builder()
                        .partition("counts", 0, Payload.of(("small " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .partition("counts", 1, Payload.of(cur))
                        .build()).block();
            }
        }
        return states;
    }

    private static Manifest manifest(String location, long id) {
        try (Checkpointer cp = Checkpointer.open(location)) {
            return Objects.requireNonNull(cp.load(dev.checkpointer.CheckpointId.of(id)).block()).manifest();
        }
    }

    private static PartitionEntry chunked(Manifest m) {
        return m.partitions().stream().filter(PartitionEntry::isChunked).findFirst().orElseThrow();
    }

    private static Map<String, Long> chunkObjects(String location) {
        Map<String, Long> out = new TreeMap<>();
        MemoryStore.named(Cli.bucket(location)).list(ChunkRef.AREA).toStream().forEach(i -> out.put(i.key(), i.size()));
        return out;
    }

    @Test
    void inspectShowsBytesNewVersusReusedPerPartitionAndCheckpoint() {
        seedChain(uri, 2, false);
        Manifest first = manifest(uri, 1);
        Manifest second = manifest(uri, 2);
        PartitionEntry e1 = chunked(first);
        PartitionEntry e2 = chunked(second);
        long newIn2 = e2.chunks().stream().filter(c -> c.firstId().equals(second.id())).mapToLong(ChunkRef::size).sum();
        int newChunksIn2 = (int) e2.chunks().stream().filter(c -> c.firstId().equals(second.id())).count();
        assertThat(e2.chunks().size()).as("the partition is cut into many chunks").isGreaterThan(20);
        assertThat(newChunksIn2).as("a 16-byte edit costs a chunk or two").isBetween(1, 3);

        Cli.Result json = Cli.run("inspect", uri, "2", "--chunks", "--json");
        assertThat(json.exit()).as(json.toString()).isZero();
        JsonNode j = json.json();
        assertThat(j.get("id").asLong()).isEqualTo(2);
        assertThat(j.get("format").asText()).isEqualTo(Manifest.CHUNKED_FORMAT_VERSION);
        JsonNode total = j.get("total");
        long inline = ("small 2").length();
        assertThat(total.get("bytes").asLong()).isEqualTo(SIZE + inline);
        assertThat(total.get("newBytes").asLong()).isEqualTo(newIn2 + inline);
        assertThat(total.get("reusedBytes").asLong()).isEqualTo(SIZE - newIn2);
        assertThat(total.get("chunks").asInt()).isEqualTo(e2.chunks().size());
        assertThat(total.get("newChunks").asInt()).isEqualTo(newChunksIn2);
        assertThat(total.get("storedNewBytes").asLong()).as("uncompressed: stored as is").isEqualTo(newIn2 + inline);
        JsonNode parts = j.get("partitions");
        assertThat(parts).hasSize(2);
        JsonNode p1 = parts.get(1);
        assertThat(p1.get("operator").asText()).isEqualTo("counts");
        assertThat(p1.get("partition").asInt()).isEqualTo(1);
        assertThat(p1.get("chunked").asBoolean()).isTrue();
        assertThat(p1.get("tally").get("newBytes").asLong()).isEqualTo(newIn2);
        assertThat(p1.get("chunks")).hasSize(e2.chunks().size());
        JsonNode c0 = p1.get("chunks").get(0);
        assertThat(c0.fieldNames()).toIterable().containsExactly("key", "sha256", "size", "codec", "storedSize", "firstId", "isNew");
        assertThat(c0.get("key").asText()).isEqualTo(e2.chunks().get(0).key());
        assertThat(parts.get(0).get("chunked").asBoolean()).isFalse();
        assertThat(parts.get(0).get("chunks")).isEmpty();

        // The first checkpoint wrote everything.
        JsonNode t1 = Cli.run("inspect", uri, "1", "--chunks", "--json").json().get("total");
        assertThat(t1.get("reusedBytes").asLong()).isZero();
        assertThat(t1.get("newChunks").asInt()).isEqualTo(e1.chunks().size());

        Cli.Result text = Cli.run("inspect", uri, "2");
        assertThat(text.exit()).as(text.toString()).isZero();
        assertThat(text.out()).contains("format       3.0").contains("1 chunked")
                .contains("incremental  " + Format.bytes(newIn2 + inline) + " new (" + newChunksIn2 + " of " + e2.chunks().size() + " chunks), "
                        + Format.bytes(SIZE - newIn2) + " reused")
                .contains(e2.chunks().size() + " chunks (" + newChunksIn2 + " new)")
                .doesNotContain("null");
        Cli.Result chunksText = Cli.run("inspect", uri, "2", "--chunks");
        assertThat(chunksText.out()).contains("checkpoint 2 (format 3.0): ").contains("NEW CHUNKS");
        // --json alone still prints the manifest exactly as stored.
        assertThat(Cli.run("inspect", uri, "2", "--json").json().get("manifest").get("partitions")).hasSize(2);
    }

    @Test
    void verifyReportsAFlippedByteAndAMissingChunkByKey() {
        seedChain(uri, 2, false);
        Manifest second = manifest(uri, 2);
        List<ChunkRef> chunks = chunked(second).chunks();
        ChunkRef reused = chunks.stream().filter(c -> !c.firstId().equals(second.id())).findFirst().orElseThrow();
        ChunkRef other = chunks.stream().filter(c -> !c.firstId().equals(second.id()) && !c.key().equals(reused.key())).reduce((a, b) -> b).orElseThrow();
        assertThat(Cli.run("verify", uri).exit()).isZero();

        FaultInjectingStore raw = new FaultInjectingStore(MemoryStore.named(Cli.bucket(uri)));
        raw.flipByte(reused.key(), 10);
        raw.delete(other.key()).block();

        Cli.Result r = Cli.run("verify", uri, "--json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        JsonNode j = r.json();
        assertThat(j.get("ok").asBoolean()).isFalse();
        for (JsonNode cp : j.get("checkpoints")) {
            // Both chunks were written by checkpoint 1 and are shared by checkpoint 2: both fail, each names both keys.
            assertThat(cp.get("ok").asBoolean()).isFalse();
            Map<String, String> byChunk = new TreeMap<>();
            cp.get("failures").forEach(f -> {
                assertThat(f.get("operator").asText()).isEqualTo("counts");
                assertThat(f.get("partition").asInt()).isEqualTo(1);
                byChunk.put(f.get("chunk").asText(), f.get("code").asText());
            });
            assertThat(byChunk).containsExactlyInAnyOrderEntriesOf(Map.of(reused.key(), Chunks.CORRUPT, other.key(), Chunks.MISSING));
        }
        Cli.Result text = Cli.run("verify", uri, "2");
        assertThat(text.exit()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(text.out()).contains("checkpoint 2  FAILED  2 problems")
                .contains("counts/1: chunk '" + reused.key() + "' has SHA-256 ")
                .contains("counts/1: chunk '" + other.key() + "' is missing, yet checkpoint 2 is still committed");
    }

    @Test
    void verifyReadsCompressedChunksAndFindsACorruptOne() {
        seedChain(uri, 2, true);
        ChunkRef c = chunked(manifest(uri, 2)).chunks().get(0);
        assertThat(c.codec()).isEqualTo("zstd");
        assertThat(c.storedSize()).as("compressible state is stored smaller").isLessThan(c.size());
        Cli.Result ok = Cli.run("verify", uri);
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out()).contains("verified 2 checkpoints, 4 partitions");

        new FaultInjectingStore(MemoryStore.named(Cli.bucket(uri))).flipByte(c.key(), (int) c.storedSize() / 2);
        Cli.Result r = Cli.run("verify", uri, "latest");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.out()).contains("counts/1: chunk '" + c.key() + "'");
    }

    @Test
    void copyWritesEachChunkOnceAndASecondCopyWritesNone(@TempDir Path dir) {
        List<byte[]> states = seedChain(uri, 3, false);
        Map<String, Long> sourceChunks = chunkObjects(uri);

        Cli.Result first = Cli.run("copy", uri, dst, "--all", "--json");
        assertThat(first.exit()).as(first.toString()).isZero();
        JsonNode j = first.json();
        assertThat(j.get("checkpoints").findValuesAsText("status")).containsOnly("copied");
        assertThat(j.get("chunking").asText()).contains("average=" + AVERAGE);
        Map<String, Long> copied = chunkObjects(dst);
        assertThat(copied).as("each shared chunk written once, as in the source").hasSize(sourceChunks.size());
        assertThat(j.get("chunksCopied").asInt()).isEqualTo(sourceChunks.size());
        assertThat(copied.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(sourceChunks.values().stream().mapToLong(Long::longValue).sum());
        for (int id = 1; id <= 3; id++) {
            Manifest s = manifest(uri, id);
            Manifest d = manifest(dst, id);
            assertThat(chunked(d).sha256()).as("cut like the source: same chunks, same digest").isEqualTo(chunked(s).sha256());
            assertThat(chunked(d).chunks().stream().filter(c -> c.firstId().equals(d.id())).count())
                    .as("checkpoint " + id + " writes what it wrote in the source")
                    .isEqualTo(chunked(s).chunks().stream().filter(c -> c.firstId().equals(s.id())).count());
            JsonNode r = j.get("checkpoints").get(id - 1);
            assertThat(r.get("chunks").asInt()).isEqualTo(chunked(d).chunks().size());
        }
        try (Checkpointer cp = Checkpointer.open(dst)) {
            for (int id = 1; id <= 3; id++) {
                Checkpoint c = Objects.requireNonNull(cp.load(dev.checkpointer.CheckpointId.of(id)).block());
                ByteBuffer b = Objects.requireNonNull(c.read("counts", 1).block());
                byte[] got = new byte[b.remaining()];
                b.get(got);
                assertThat(got).as("checkpoint " + id + " restores byte for byte").isEqualTo(states.get(id - 1));
            }
        }
        assertThat(Cli.run("verify", dst).exit()).isZero();

        Cli.Result again = Cli.run("copy", uri, dst, "--all", "--json");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.json().get("checkpoints").findValuesAsText("status")).containsOnly("skipped");
        assertThat(again.json().get("chunksCopied").asInt()).isZero();
        assertThat(again.json().get("bytesUploaded").asLong()).isZero();
        assertThat(chunkObjects(dst)).isEqualTo(copied);
    }

    @Test
    void copyingTheNewestOntoAnEarlierCopyWritesOnlyItsNewChunks() {
        seedChain(uri, 2, true);
        assertThat(Cli.run("copy", uri, dst, "--id", "1").exit()).isZero();
        Set<String> after1 = chunkObjects(dst).keySet();
        Cli.Result r = Cli.run("copy", uri, dst, "--id", "2");
        assertThat(r.exit()).as(r.toString()).isZero();
        Manifest s2 = manifest(uri, 2);
        long newInSource = chunked(s2).chunks().stream().filter(c -> c.firstId().equals(s2.id())).count();
        Set<String> added = new LinkedHashSet<>(chunkObjects(dst).keySet());
        added.removeAll(after1);
        assertThat(added).hasSize((int) newInSource);
        assertThat(r.out()).contains("copied  checkpoint 2").contains(newInSource + " of " + chunked(s2).chunks().size() + " chunks written");
        assertThat(chunked(manifest(dst, 2)).chunks()).allSatisfy(c -> assertThat(c.codec()).isEqualTo("zstd"));
        assertThat(Cli.run("verify", dst).exit()).isZero();
    }

    @Test
    void copyWithExplicitOtherChunkingStillCopiesTheSameBytes() {
        List<byte[]> states = seedChain(uri, 1, false);
        Cli.Result r = Cli.run("copy", uri, dst, "--chunking=16KiB", "--chunk-threshold", "1KiB", "--zstd");
        assertThat(r.exit()).as(r.toString()).isZero();
        PartitionEntry e = chunked(manifest(dst, 1));
        assertThat(e.sha256()).as("other boundaries, other list digest").isNotEqualTo(chunked(manifest(uri, 1)).sha256());
        try (Checkpointer cp = Checkpointer.open(dst)) {
            ByteBuffer b = Objects.requireNonNull(cp.latest().block()).read("counts", 1).block();
            byte[] got = new byte[Objects.requireNonNull(b).remaining()];
            b.get(got);
            assertThat(got).isEqualTo(states.get(0));
        }
        // Copying again recognises the same content though the digests differ.
        Cli.Result again = Cli.run("copy", uri, dst, "--json");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.json().get("checkpoints").findValuesAsText("status")).containsOnly("skipped");
    }

    @Test
    void pruneDryRunListsChunkGarbage() {
        seedChain(uri, 3, false);
        Manifest first = manifest(uri, 1);
        Manifest third = manifest(uri, 3);
        Set<String> live = new java.util.HashSet<>();
        for (long id = 2; id <= 3; id++) {
            chunked(manifest(uri, id)).chunks().forEach(c -> live.add(c.key()));
        }
        List<String> onlyIn1 = chunked(first).chunks().stream().map(ChunkRef::key).filter(k -> !live.contains(k)).distinct().sorted().toList();
        assertThat(onlyIn1).as("the edits replaced some of checkpoint 1's chunks").isNotEmpty();
        Map<String, Long> before = chunkObjects(uri);

        Cli.Result dry = Cli.run("prune", uri, "--keep", "2", "--grace", "0", "--dry-run", "--json");
        assertThat(dry.exit()).as(dry.toString()).isZero();
        List<String> listed = new ArrayList<>();
        dry.json().get("deletedChunks").forEach(k -> listed.add(k.asText()));
        assertThat(listed).isEqualTo(onlyIn1);
        assertThat(chunkObjects(uri)).as("a dry run deletes nothing").isEqualTo(before);
        Cli.Result text = Cli.run("prune", uri, "--keep", "2", "--grace", "0", "--dry-run");
        assertThat(text.out()).contains("would have deleted " + onlyIn1.size() + " chunk object(s)").contains("  chunk " + onlyIn1.get(0));

        Cli.Result real = Cli.run("prune", uri, "--keep", "2", "--grace", "0", "--json");
        assertThat(real.exit()).as(real.toString()).isZero();
        List<String> deleted = new ArrayList<>();
        real.json().get("deletedChunks").forEach(k -> deleted.add(k.asText()));
        assertThat(deleted).isEqualTo(onlyIn1);
        assertThat(chunkObjects(uri).keySet()).doesNotContainAnyElementsOf(onlyIn1);
        assertThat(third.id()).isNotNull();
        assertThat(Cli.run("verify", uri).exit()).isZero();
    }

    @Test
    void chunkingOptions() {
        ChunkingOptions o = new ChunkingOptions();
        assertThat(o.given()).isFalse();
        assertThat(o.chunking()).isEqualTo(Chunking.off());
        o.average = "64KiB";
        o.zstd = 5;
        o.threshold = "1m";
        assertThat(o.chunking()).isEqualTo(Chunking.on().withAverageChunkSize(65536).withThreshold(1 << 20).withZstd(5));
        o.average = "1000";
        org.assertj.core.api.Assertions.assertThatThrownBy(o::chunking).isInstanceOf(InvalidInputException.class).hasMessageContaining("power of two");
        ChunkingOptions z = new ChunkingOptions();
        z.zstd = 3;
        org.assertj.core.api.Assertions.assertThatThrownBy(z::chunking).isInstanceOf(InvalidInputException.class).hasMessageContaining("--zstd needs --chunking");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ChunkingOptions.parseSize("--chunking", "lots"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("64KiB");
        assertThat(ChunkingOptions.parseSize("x", "2 GiB")).isEqualTo(2L << 30);

        Cli.Result bad = Cli.run("copy", uri, dst, "--zstd");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("demo", "--help").out()).contains("--chunking").contains("--zstd").contains("--chunk-threshold");
        assertThat(Cli.run("copy", "--help").out()).contains("--chunking").contains("--zstd");
    }

    @Test
    void likeTheSourceInfersTheAverageChunkSize() {
        seedChain(uri, 1, false);
        try (Checkpointer cp = Checkpointer.open(uri)) {
            Checkpoint c = Objects.requireNonNull(cp.latest().block());
            Chunking inferred = CopyCommand.likeTheSource(List.of(c));
            assertThat(inferred.averageChunkSize()).isEqualTo(AVERAGE);
            assertThat(inferred.threshold()).isEqualTo(SIZE);
            assertThat(inferred.codec()).isEqualTo("none");
        }
        assertThat(CopyCommand.likeTheSource(List.of())).isEqualTo(Chunking.off());
    }

    @Test
    void theSeedPutsTheLargePartitionInChunksAndTheSmallOneInline() {
        seedChain(uri, 1, false);
        Manifest m = manifest(uri, 1);
        assertThat(m.partitions()).filteredOn(PartitionEntry::isInline).hasSize(1);
        assertThat(m.partitions()).filteredOn(PartitionEntry::isChunked).hasSize(1);
    }
}

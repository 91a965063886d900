package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ListInspectTest {
    private final String uri = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
    }

    @Test
    void listOfAnEmptyLocation() {
        Cli.Result r = Cli.run("list", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("no checkpoints at " + uri);
        Cli.Result j = Cli.run("list", uri, "--json");
        assertThat(j.json().get("checkpoints").size()).isZero();
    }

    @Test
    void listShowsIdEpochTimePartitionsAndBytes() {
        List<Manifest> saved = Cli.seed(uri, 3);
        Cli.Result r = Cli.run("list", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("ID", "EPOCH", "CREATED", "PARTITIONS", "BYTES")
                .contains(saved.get(2).createdAt().toString())
                .contains("3 checkpoints");
        assertThat(r.out().lines().filter(l -> l.matches("^[123]\\s+1\\s+.*\\s2\\s+100 KiB$"))).hasSize(3);
    }

    @Test
    void listJsonShape() {
        List<Manifest> saved = Cli.seed(uri, 2);
        Cli.Result r = Cli.run("list", uri, "--json");
        assertThat(r.exit()).isZero();
        JsonNode list = r.json().get("checkpoints");
        assertThat(list.size()).isEqualTo(2);
        JsonNode first = list.get(0);
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(first.get("epoch").asLong()).isEqualTo(saved.get(0).epoch());
        assertThat(first.get("createdAt").asText()).isEqualTo(saved.get(0).createdAt().toString());
        assertThat(first.get("partitions").asInt()).isEqualTo(2);
        assertThat(first.get("bytes").asLong()).isEqualTo(saved.get(0).totalBytes());
        assertThat(first.has("writerId")).isTrue();
        assertThat(list.get(1).get("id").asLong()).isEqualTo(2);
    }

    @Test
    void inspectShowsTheManifestWithInlineBytesAsSizes() {
        List<Manifest> saved = Cli.seed(uri, 2);
        Manifest m = saved.get(1);
        String inline = m.partitions().stream().filter(e -> e.isInline()).findFirst().orElseThrow().inline();
        Cli.Result r = Cli.run("inspect", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("checkpoint 2")
                .contains("epoch", "fingerprint", "test-pipeline")
                .contains("inline in manifest", Cli.storedKey(m), "100 KiB", "13 B")
                .contains(m.partitions().get(1).sha256())
                .contains("clicks: 0=200 1=400")
                .contains("out: 2")
                .contains("run = seed-2")
                .doesNotContain(inline);
        Cli.Result one = Cli.run("inspect", uri, "1");
        assertThat(one.exit()).isZero();
        assertThat(one.out()).startsWith("checkpoint 1").contains("clicks: 0=100 1=200");
    }

    @Test
    void inspectShowsEachSinksStatusPreparedDataAndTheTopologyAndSinksPrintsThemAlone() {
        Manifest m;
        try (dev.checkpointer.Checkpointer cp = dev.checkpointer.Checkpointer.open(uri)) {
            m = cp.save(dev.checkpointer.Snapshot.builder()
                    .partition("counts", 0, dev.checkpointer.Payload.of(new byte[] {1}))
                    .offsets("clicks", Map.of("0", "5"))
                    .sinkEpoch("kafka-out", 7).sinkPrepared("kafka-out", "{\"producerId\":12}")
                    .sinkEpoch("warehouse", 7)
                    .topology(dev.checkpointer.Topology.of(java.util.Set.of("clicks"), java.util.Set.of("kafka-out", "warehouse"), 4))
                    .build()).block();
            cp.markSink(m.id(), "warehouse", dev.checkpointer.SinkState.FAILED, "table dropped").block();
        }
        Cli.Result r = Cli.run("inspect", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("sinks (epoch, status)")
                .contains("kafka-out: 7  PENDING  prepared: {\"producerId\":12}")
                .containsPattern("warehouse: 7  FAILED  at \\S+  \\(table dropped\\)")
                .contains("topology", "sources: clicks", "sinks: kafka-out, warehouse", "vnodes: 4");

        Cli.Result only = Cli.run("inspect", uri, "latest", "--sinks");
        assertThat(only.exit()).isZero();
        assertThat(only.out()).contains("kafka-out: 7  PENDING").doesNotContain("partitions");

        Cli.Result j = Cli.run("inspect", uri, "latest", "--sinks", "--json");
        assertThat(j.exit()).as(j.toString()).isZero();
        JsonNode doc = j.json();
        assertThat(doc.get("id").asLong()).isEqualTo(m.id().value());
        assertThat(doc.get("sinks").size()).isEqualTo(2);
        assertThat(doc.get("sinks").get(0).get("sink").asText()).isEqualTo("kafka-out");
        assertThat(doc.get("sinks").get(0).get("state").asText()).isEqualTo("PENDING");
        assertThat(doc.get("sinks").get(0).get("prepared").asText()).isEqualTo("{\"producerId\":12}");
        assertThat(doc.get("sinks").get(1).get("state").asText()).isEqualTo("FAILED");
        assertThat(doc.get("sinks").get(1).get("detail").asText()).isEqualTo("table dropped");
        assertThat(doc.get("sinks").get(1).get("epoch").asLong()).isEqualTo(7);
    }

    /**
     * A checkpoint written by many hosts: two workers staged one large partition each (one upload, one token per
     * stage call) and small ones (inline); the coordinator's inline budget packed one small partition into a
     * sidecar at commit. The readable view says which entries came from which call, with sizes.
     */
    @Test
    void inspectGroupsEntriesByTheStageCallThatWroteThem() {
        List<PartitionEntry> entries = new ArrayList<>();
        Manifest m;
        try (Checkpointer coordinator = Checkpointer.builder().location(uri).inlineThreshold(1024).maxInlineBytes(1500).build();
             Checkpointer w0 = Checkpointer.open(uri);
             Checkpointer w1 = Checkpointer.open(uri)) {
            CheckpointId id = coordinator.begin().block();
            entries.add(w0.stage(id, "window", 0, Payload.of(new byte[Cli.LARGE])).block());
            entries.add(w1.stage(id, "window", 1, PartitionKind.DELTA, Payload.of(new byte[70 * 1024 + 1])).block());
            for (int i = 0; i < 3; i++) {
                entries.add((i % 2 == 0 ? w0 : w1).stage(id, "dedup", i, Payload.of(new byte[700])).block());
            }
            m = coordinator.commit(id, CheckpointMetadata.empty(), entries).block();
        }
        String token0 = token(entries.get(0).key());
        String token1 = token(entries.get(1).key());
        PartitionEntry packedEntry = m.partitions().stream().filter(e -> !e.isInline() && e.key().contains("/state.")).findFirst().orElseThrow();
        String sidecar = packedEntry.key();
        String packedToken = sidecar.substring(sidecar.lastIndexOf("/state.") + "/state.".length(), sidecar.length() - ".bin".length());
        assertThat(Set.of(token0, token1, packedToken)).hasSize(3);

        Cli.Result r = Cli.run("inspect", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(r.out()).contains("STAGE", "stage calls (2 uploads, 1 packed sidecar;");
        int calls = lines.indexOf(lines.stream().filter(l -> l.startsWith("stage calls")).findFirst().orElseThrow());
        List<String> table = lines.subList(calls + 1, lines.size());
        assertThat(table.get(0)).matches("\\s+STAGE\\s+HOW\\s+KIND\\s+ENTRIES\\s+BYTES\\s+OBJECT\\s+PARTITIONS");
        assertThat(table).anyMatch(l -> l.matches("\\s+" + token0 + "\\s+stored\\s+SNAPSHOT\\s+1\\s+100 KiB\\s+"
                + Pattern.quote(entries.get(0).key()) + "\\s+window/0"));
        assertThat(table).anyMatch(l -> l.matches("\\s+" + token1 + "\\s+stored\\s+DELTA\\s+1\\s+70\\.0 KiB\\s+"
                + Pattern.quote(entries.get(1).key()) + "\\s+window/1"));
        assertThat(table).anyMatch(l -> l.matches("\\s+" + packedToken + "\\s+packed\\s+SNAPSHOT\\s+1\\s+700 B\\s+"
                + Pattern.quote(sidecar) + "\\s+" + packedEntry.name()));
        assertThat(table).anyMatch(l -> l.matches("\\s+-\\s+inline\\s+SNAPSHOT\\s+2\\s+1\\.4 KiB\\s+manifest\\s+dedup/\\d dedup/\\d"));
        // Each partition's row names its call too.
        assertThat(lines).anyMatch(l -> l.matches("\\s+window\\s+0\\s+SNAPSHOT\\s+100 KiB\\s+\\S+\\s+" + token0 + "\\s+[0-9a-f]{64}"));

        // --json stays the manifest as stored: no stage grouping, the keys carry the tokens.
        Cli.Result j = Cli.run("inspect", uri, "latest", "--json");
        assertThat(j.exit()).isZero();
        assertThat(j.out()).doesNotContain("stage calls", "STAGE");
        assertThat(j.json().get("manifest").get("partitions").size()).isEqualTo(5);
        assertThat(j.json().get("manifest").get("partitions").findValuesAsText("key")).containsExactlyInAnyOrderElementsOf(
                m.partitions().stream().filter(e -> !e.isInline()).map(PartitionEntry::key).toList());
    }

    private static String token(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        return name.split("\\.")[1];
    }

    @Test
    void inspectJsonIsTheManifestAsStored() {
        Manifest m = Cli.seed(uri, 1).get(0);
        Cli.Result r = Cli.run("inspect", uri, "latest", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode envelope = r.json();
        assertThat(envelope.get("format").asText()).isEqualTo("checkpointer-manifest");
        assertThat(envelope.get("bodySha256").asText()).matches("[0-9a-f]{64}");
        JsonNode j = envelope.get("manifest");
        assertThat(j.get("id").asLong()).isEqualTo(1);
        assertThat(j.get("formatVersion").asText()).isEqualTo(Manifest.FORMAT_VERSION);
        assertThat(j.has("parent")).as("the first checkpoint has no parent").isFalse();
        assertThat(j.get("fingerprint").asText()).isEqualTo("test-pipeline");
        assertThat(j.get("offsets").get("clicks").get("1").asText()).isEqualTo("200");
        assertThat(j.get("partitions").size()).isEqualTo(2);
        JsonNode p0 = j.get("partitions").get(0);
        assertThat(p0.get("operator").asText()).isEqualTo("counts");
        assertThat(new String(Base64.getDecoder().decode(p0.get("inline").asText()), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("small state 1");
        assertThat(j.get("partitions").get(1).get("sha256").asText()).isEqualTo(m.partitions().get(1).sha256());
        assertThat(r.out()).as("not re-serialised: the stored file is compact JSON").doesNotContain("\n  ");
    }

    /** The exact bytes of the file, which hash to the digest the next checkpoint's parent link names. */
    @Test
    void inspectJsonPrintsTheFileByteForByte(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        List<Manifest> saved = Cli.seed(files, 2);
        byte[] onDisk = Files.readAllBytes(dir.resolve("checkpoints/00000000000000000001/manifest.json"));
        Cli.Result r = Cli.run("inspect", files, "1", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out().getBytes(StandardCharsets.UTF_8)).isEqualTo(onDisk);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(onDisk));
        assertThat(saved.get(1).parent()).hasValueSatisfying(link -> {
            assertThat(link.id().value()).isEqualTo(1);
            assertThat(link.manifestSha256()).isEqualTo(sha);
        });
        assertThat(Cli.run("inspect", files, "2", "--json").json().get("manifest").get("parent").get("manifestSha256").asText()).isEqualTo(sha);
    }

    @Test
    void inspectShowsTheParentLink(@TempDir Path dir) {
        String files = dir.toUri().toString();
        List<Manifest> saved = Cli.seed(files, 3);
        Manifest.Link parent = saved.get(2).parent().orElseThrow();
        Manifest.Link grandparent = saved.get(2).grandparent().orElseThrow();
        Cli.Result r = Cli.run("inspect", files, "3");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).containsPattern("(?m)^  parent\\s+2 \\(manifest sha256 " + parent.manifestSha256() + "\\)$")
                .containsPattern("(?m)^  grandparent\\s+1 \\(manifest sha256 " + grandparent.manifestSha256() + "\\)$");
        Cli.Result first = Cli.run("inspect", files, "1");
        assertThat(first.out()).containsPattern("(?m)^  parent\\s+- \\(the first checkpoint of the location\\)$")
                .doesNotContain("grandparent");
    }

    @Test
    void inspectOfADeletedCheckpointExits3(@TempDir Path dir) {
        String files = dir.toUri().toString();
        Cli.seed(files, 2);
        assertThat(Cli.run("delete", files, "1").exit()).isZero();
        for (String[] args : List.of(new String[] {"inspect", files, "1"}, new String[] {"inspect", files, "1", "--json"})) {
            Cli.Result r = Cli.run(args);
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void inspectOfAMissingCheckpointExits3() {
        Cli.Result none = Cli.run("inspect", uri);
        assertThat(none.exit()).as(none.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(none.err()).contains("no checkpoint at " + uri);
        Cli.seed(uri, 1);
        Cli.Result r = Cli.run("inspect", uri, "42");
        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.err()).contains("checkpoint 42 does not exist");
    }
}

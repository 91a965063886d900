package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Manifest;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyTest {
    private final String src = Cli.memory();
    private final String dst = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(src);
        Cli.drop(dst);
    }

    /** Everything but where the bytes live and the two entries that record the copy: must be equal after a copy. */
    private static JsonNode essentials(String uri, String id) {
        JsonNode j = Cli.run("inspect", uri, id, "--json").json().get("manifest");
        com.fasterxml.jackson.databind.node.ObjectNode o = Json.MAPPER.createObjectNode();
        for (String f : List.of("id", "epoch", "createdAt", "writerId", "offsets", "sinkEpochs", "watermarks", "fingerprint", "metadata")) {
            o.set(f, j.get(f));
        }
        ((com.fasterxml.jackson.databind.node.ObjectNode) o.get("metadata")).remove(List.of(CopyCommand.COPIED_FROM, CopyCommand.COPIED_AT));
        com.fasterxml.jackson.databind.node.ArrayNode parts = o.putArray("partitions");
        j.get("partitions").forEach(p -> parts.add(Json.MAPPER.createObjectNode()
                .put("operator", p.get("operator").asText()).put("partition", p.get("partition").asInt())
                .put("kind", p.get("kind").asText()).put("size", p.get("size").asLong()).put("sha256", p.get("sha256").asText())));
        return o;
    }

    @Test
    void copyAllFromMemoryToFilesystemVerifiedOnBothSides(@TempDir Path dir) {
        String files = dir.resolve("copy").toUri().toString();
        Cli.seed(src, 3);
        Cli.Result r = Cli.run("copy", src, files, "--all");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("copied  checkpoint 1", "copied  checkpoint 2", "copied  checkpoint 3")
                .contains("verified in the destination").contains("copied 3 of 3 checkpoints");
        for (String id : List.of("1", "2", "3")) {
            assertThat(essentials(files, id)).isEqualTo(essentials(src, id));
        }
        assertThat(Cli.run("verify", files).exit()).isZero();
        assertThat(Cli.run("inspect", files, "latest", "--json").json().get("manifest").get("id").asLong()).isEqualTo(3);

        Cli.Result again = Cli.run("copy", src, files, "--all", "--json");
        assertThat(again.exit()).as(again.toString()).isZero();
        assertThat(again.json().get("checkpoints").findValuesAsText("status")).containsOnly("skipped");
        assertThat(again.json().get("bytesCopied").asLong()).isZero();
    }

    @Test
    void aCopyKeepsSinkPreparedDataTopologyAndEverySinksStatus() {
        dev.checkpointer.CheckpointId id;
        try (dev.checkpointer.Checkpointer cp = dev.checkpointer.Checkpointer.open(src)) {
            Manifest m = cp.save(dev.checkpointer.Snapshot.builder()
                    .partition("counts", 0, dev.checkpointer.Payload.of(new byte[] {1, 2, 3}))
                    .offsets("words", java.util.Map.of("0", "42"))
                    .sinkEpoch("out", 7).sinkPrepared("out", "txn-7").sinkEpoch("audit", 7).sinkEpoch("mail", 7)
                    .topology(dev.checkpointer.Topology.of(java.util.Set.of("words"), java.util.Set.of("out", "audit", "mail"), 4))
                    .build()).block();
            id = m.id();
            cp.markSink(id, "out", dev.checkpointer.SinkState.COMMITTED, null).block();
            cp.markSink(id, "audit", dev.checkpointer.SinkState.FAILED, "broker gone").block();
        }
        Cli.Result r = Cli.run("copy", src, dst, "--id", "latest");
        assertThat(r.exit()).as(r.toString()).isZero();
        try (dev.checkpointer.Checkpointer copy = dev.checkpointer.Checkpointer.open(dst)) {
            Manifest m = copy.load(id).block().manifest();
            assertThat(m.sinkPrepared()).containsExactly(java.util.Map.entry("out", "txn-7"));
            assertThat(m.topology()).contains(dev.checkpointer.Topology.of(java.util.Set.of("words"), java.util.Set.of("out", "audit", "mail"), 4));
            assertThat(copy.sinkStatuses(id).block()).extracting(s -> s.sink() + "=" + s.state() + ":" + s.detail())
                    .containsExactlyInAnyOrder("out=COMMITTED:null", "audit=FAILED:broker gone", "mail=PENDING:null");
        }
    }

    @Test
    void aCopyKeepsCreationTimeAndWriterAndRecordsWhereAndWhenItWasCopied() throws Exception {
        List<dev.checkpointer.Manifest> saved = Cli.seed(src, 2);
        java.time.Instant before = java.time.Instant.now();
        Cli.Result r = Cli.run("copy", src, dst, "--id", "latest");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode m = Cli.run("inspect", dst, "2", "--json").json().get("manifest");
        assertThat(java.time.Instant.parse(m.get("createdAt").asText())).isEqualTo(saved.get(1).createdAt());
        assertThat(m.get("writerId").asText()).isEqualTo(saved.get(1).writerId());
        assertThat(m.get("metadata").get(CopyCommand.COPIED_FROM).asText()).isEqualTo(src);
        assertThat(java.time.Instant.parse(m.get("metadata").get(CopyCommand.COPIED_AT).asText())).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(Cli.run("list", dst, "--json").json().get("checkpoints").findValuesAsText("id")).containsExactly("2");
        Cli.Result bad = Cli.run("copy", src, dst, "--id", "newest");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void copyOneIdOrTheLatest() {
        Cli.seed(src, 3);
        Cli.Result one = Cli.run("copy", src, dst, "--id", "2", "--json");
        assertThat(one.exit()).as(one.toString()).isZero();
        JsonNode c = one.json().get("checkpoints").get(0);
        assertThat(c.get("id").asLong()).isEqualTo(2);
        assertThat(c.get("status").asText()).isEqualTo("copied");
        assertThat(c.get("partitions").asInt()).isEqualTo(2);
        assertThat(one.json().get("bytesCopied").asLong()).isEqualTo(c.get("bytes").asLong()).isGreaterThan(Cli.LARGE);
        assertThat(essentials(dst, "2")).isEqualTo(essentials(src, "2"));

        Cli.Result latest = Cli.run("copy", src, dst);
        assertThat(latest.exit()).as(latest.toString()).isZero();
        assertThat(Cli.run("list", dst, "--json").json().get("checkpoints").findValuesAsText("id")).containsExactly("2", "3");
    }

    @Test
    void aCorruptSourceIsNotCopied() {
        List<Manifest> saved = Cli.seed(src, 1);
        new FaultInjectingStore(MemoryStore.named(Cli.bucket(src))).flipByte(Cli.storedKey(saved.get(0)), 777);
        Cli.Result r = Cli.run("copy", src, dst, "--all");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.err()).contains("integrity check failed");
        assertThat(Cli.run("list", dst, "--json").json().get("checkpoints").size()).isZero();
    }

    @Test
    void aDifferentCheckpointWithTheSameIdInTheDestinationIsAConflict() {
        Cli.seed(src, 1);
        try (var cp = dev.checkpointer.Checkpointer.open(dst)) {
            cp.save(dev.checkpointer.Snapshot.builder().partition("other", 0, dev.checkpointer.Payload.of(new byte[] {1})).build()).block();
        }
        Cli.Result r = Cli.run("copy", src, dst, "--id", "1");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.STORE_OR_OTHER);
        assertThat(r.err()).contains("already exists in the destination with different content");
    }

    @Test
    void missingSourceCheckpointExits3() {
        assertThat(Cli.run("copy", src, dst).exit()).isEqualTo(ExitCodes.NOT_FOUND);
        Cli.seed(src, 1);
        assertThat(Cli.run("copy", src, dst, "--id", "5").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        Cli.Result none = Cli.run("copy", Cli.memory(), dst, "--all");
        assertThat(none.exit()).isZero();
        assertThat(none.out()).contains("nothing to copy");
    }

    @Test
    void progressIsShownWhenForced() {
        Cli.seed(src, 2);
        Cli.Result r = Cli.run("copy", src, dst, "--all", "--progress", "always");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.err()).contains("copy").contains("100%").contains("done in");
    }
}

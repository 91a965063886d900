package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeletePruneTest {
    private final String uri = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
    }

    private String ids() {
        return Cli.run("list", uri, "--json").json().get("checkpoints").findValuesAsText("id").toString();
    }

    @Test
    void deleteRemovesOneCheckpointAndExits3WhenAbsent() {
        Cli.seed(uri, 3);
        Cli.Result r = Cli.run("delete", uri, "2");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted checkpoint 2");
        assertThat(ids()).isEqualTo("[1, 3]");
        Cli.Result again = Cli.run("delete", uri, "2");
        assertThat(again.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(again.err()).contains("no checkpoint 2").contains("nothing deleted");
        assertThat(Cli.run("delete", uri).exit()).as("ID is required").isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void deleteRemovesACheckpointWithACorruptManifest() {
        var saved = Cli.seed(uri, 2);
        dev.checkpointer.store.memory.MemoryObjectStore.named(Cli.bucket(uri))
                .flipByte("checkpoints/" + saved.get(0).id().padded() + "/manifest.json", 30);
        assertThat(Cli.run("delete", uri, "1").exit()).isZero();
        assertThat(Cli.run("verify", uri).exit()).isZero();
    }

    @Test
    void pruneKeepsTheNewestN() {
        Cli.seed(uri, 5);
        Cli.Result r = Cli.run("prune", uri, "--keep", "2");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted 3 checkpoints (1, 2, 3)").contains("freed");
        assertThat(ids()).isEqualTo("[4, 5]");
    }

    @Test
    void pruneJsonShape() {
        Cli.seed(uri, 3);
        Cli.Result r = Cli.run("prune", uri, "--keep", "1", "--grace", "0", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("deletedCheckpoints").toString()).isEqualTo("[1,2]");
        assertThat(j.get("deletedOrphans").isArray()).isTrue();
        assertThat(j.get("cleanedIncomplete").isArray()).isTrue();
        assertThat(j.get("bytesFreed").asLong()).isGreaterThan(2L * Cli.LARGE);
    }

    @Test
    void pruneWithoutKeepOnlySweepsDebris() {
        Cli.seed(uri, 2);
        dev.checkpointer.store.memory.MemoryObjectStore.named(Cli.bucket(uri))
                .putRaw("checkpoints/00000000000000000009/counts/0.dead.snapshot", new byte[123]);
        Cli.Result r = Cli.run("prune", uri, "--grace", "0", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.json().get("deletedCheckpoints").size()).isZero();
        assertThat(r.json().get("deletedOrphans").toString()).contains("0.dead.snapshot");
        assertThat(ids()).isEqualTo("[1, 2]");
    }

    @Test
    void pruneRefusesKeepZero() {
        Cli.Result r = Cli.run("prune", uri, "--keep", "0");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--keep must be at least 1");
    }
}

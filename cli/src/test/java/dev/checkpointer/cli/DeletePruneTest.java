package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * A chain member whose manifest is corrupt is not deleted: its tombstone would have to keep the parent and
     * grandparent links that only the unreadable manifest holds, and without them the chain below would be cut.
     * The command says so (exit 1), changes nothing, and retention expires it once the floor passes it.
     */
    @Test
    void deleteRefusesACheckpointWithACorruptManifestAndSaysWhy() {
        var saved = Cli.seed(uri, 2);
        new dev.checkpointer.testkit.FaultInjectingStore(dev.checkpointer.store.memory.MemoryStore.named(Cli.bucket(uri)))
                .flipByte("checkpoints/" + saved.get(0).id().padded() + "/manifest.json", 30);
        Cli.Result r = Cli.run("delete", uri, "1");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.err()).startsWith("checkpointer delete: ").contains("checkpoint 1").contains("it is not deleted")
                .contains("retention expires it");
        assertThat(r.out()).doesNotContain("deleted checkpoint");
        assertThat(ids()).as("list() passes over the corrupt member").isEqualTo("[2]");
        assertThat(Cli.run("verify", uri, "2").exit()).isZero();
        assertThat(Cli.run("verify", uri, "1").exit()).as("the corrupt member is still there, and still fails").isEqualTo(ExitCodes.VERIFICATION_FAILED);
    }

    @Test
    void deletingTheNewestMakesLatestResolveToTheOneBefore(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 3);
        Cli.Result older = Cli.run("delete", files, "1");
        assertThat(older.exit()).as(older.toString()).isZero();
        assertThat(older.out()).doesNotContain("was the newest");

        Cli.Result r = Cli.run("delete", files, "3");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted checkpoint 3")
                .contains("checkpoint 3 was the newest: 'latest' now resolves to checkpoint 2, the one before it")
                .contains("The pointer never moves back: _latest still names 3");
        assertThat(Cli.run("inspect", files, "latest").out()).startsWith("checkpoint 2");
        assertThat(Cli.run("list", files, "--json").json().get("checkpoints").findValuesAsText("id")).containsExactly("2");
        JsonNode pointer = Json.MAPPER.readTree(Files.readAllBytes(dir.resolve("_latest"))).get("pointer");
        assertThat(pointer.get("id").asLong()).as("the pointer's head stays 3").isEqualTo(3);
        assertThat(Cli.run("verify", files).exit()).isZero();
        try (Checkpointer cp = Checkpointer.open(files)) {
            assertThat(cp.save(Snapshot.builder().partition("counts", 0, Payload.of(new byte[] {4})).build()).block().id().value())
                    .as("the next save continues above the deleted head").isEqualTo(4);
        }

        Cli.Result last = Cli.run("delete", files, "4");
        assertThat(last.out()).contains("'latest' now resolves to checkpoint 2");
        assertThat(Cli.run("delete", files, "2").out()).contains("'latest' now resolves to no checkpoint (none remains)");
        assertThat(Cli.run("inspect", files).exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    @Test
    void pruneKeepsTheNewestN() {
        Cli.seed(uri, 5);
        Cli.Result r = Cli.run("prune", uri, "--keep", "2");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).as("ascending").contains("deleted 3 checkpoints (1, 2, 3)").contains("freed");
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

    /** Debris up to the newest checkpoint is swept; above it, it is kept until a later checkpoint passes it. */
    @Test
    void pruneWithoutKeepOnlySweepsDebrisAndNeverAboveTheNewest(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 2);
        Path below = dir.resolve("checkpoints/00000000000000000001/counts/0.dead.snapshot");
        Path above = dir.resolve("checkpoints/00000000000000000004/counts/0.dead.snapshot");
        for (Path p : List.of(below, above)) {
            Files.createDirectories(p.getParent());
            Files.write(p, new byte[123]);
        }
        Cli.Result r = Cli.run("prune", files, "--grace", "0", "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.json().get("deletedCheckpoints").size()).isZero();
        assertThat(r.json().get("deletedOrphans").toString()).contains("00000000000000000001/counts/0.dead.snapshot")
                .doesNotContain("00000000000000000004");
        assertThat(r.json().get("bytesFreed").asLong()).isEqualTo(123);
        assertThat(below).doesNotExist();
        assertThat(above).as("above the newest checkpoint: a save in progress may need it").exists();
        assertThat(Cli.run("list", files, "--json").json().get("checkpoints").findValuesAsText("id")).containsExactly("1", "2");

        Cli.seed(files, 2); // checkpoints 3 and 4: the head passes the debris
        Cli.Result later = Cli.run("prune", files, "--grace", "0");
        assertThat(later.exit()).as(later.toString()).isZero();
        assertThat(later.out()).contains("deleted 0 checkpoints").contains("swept 1 orphaned artifact(s)");
        assertThat(above).doesNotExist();
        assertThat(Cli.run("verify", files).exit()).isZero();
    }

    @Test
    void pruneHelpSaysDebrisAboveTheNewestIsKept() {
        Cli.Result r = Cli.run("prune", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out().replaceAll("\\s+", " ")).contains("Debris above the newest checkpoint is kept")
                .contains("once a later checkpoint has passed its id");
    }

    @Test
    void pruneRefusesKeepZero() {
        Cli.Result r = Cli.run("prune", uri, "--keep", "0");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--keep must be at least 1");
    }
}

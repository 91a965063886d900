package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code --dry-run} for prune and delete prints what would go and leaves every object as it was; 'latest' works as an id. */
class DryRunTest {
    private final String uri = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
    }

    /** Every object of the location with its bytes (as a list, comparable). */
    private Map<String, String> state() {
        Map<String, String> out = new TreeMap<>();
        try (Location l = Location.open(uri, Map.of())) {
            l.store().list("").toIterable().forEach(i -> out.put(i.key(), Arrays.toString(l.read(i.key()).orElseThrow())));
        }
        return out;
    }

    @Test
    void pruneDryRunReportsWhatAPruneDeletesAndChangesNothing() {
        Cli.seed(uri, 4);
        String stray = "checkpoints/" + dev.checkpointer.CheckpointId.of(3).padded() + "/stray.bin"; // debris under a kept id
        try (Location l = Location.open(uri, Map.of())) {
            l.store().put(stray, dev.checkpointer.Payload.of(new byte[10]), dev.checkpointer.spi.PutOptions.none()).block();
        }
        Map<String, String> before = state();
        Cli.Result dry = Cli.run("prune", uri, "--keep", "2", "--grace", "0", "--dry-run", "--json");
        assertThat(dry.exit()).as(dry.toString()).isZero();
        assertThat(state()).isEqualTo(before);
        JsonNode d = dry.json();
        assertThat(d.get("dryRun").asBoolean()).isTrue();
        assertThat(d.get("deletedCheckpoints").toString()).isEqualTo("[1,2]");
        assertThat(d.get("bytesFreed").asLong()).isGreaterThan(2 * Cli.LARGE);
        assertThat(d.get("deletedOrphans").toString()).contains(stray);

        Cli.Result text = Cli.run("prune", uri, "--keep", "2", "--grace", "0", "--dry-run");
        assertThat(text.out()).contains("dry run: nothing is deleted").contains("would have deleted 2 checkpoints (1, 2)");
        assertThat(state()).isEqualTo(before);

        Cli.Result real = Cli.run("prune", uri, "--keep", "2", "--grace", "0", "--json");
        assertThat(real.exit()).as(real.toString()).isZero();
        assertThat(real.json().get("deletedCheckpoints")).isEqualTo(d.get("deletedCheckpoints"));
        assertThat(real.json().get("deletedOrphans")).isEqualTo(d.get("deletedOrphans"));
        assertThat(real.json().get("bytesFreed")).isEqualTo(d.get("bytesFreed"));
        assertThat(real.json().get("dryRun").asBoolean()).isFalse();
        assertThat(state()).isNotEqualTo(before).doesNotContainKey(stray);
    }

    @Test
    void deleteDryRunListsTheObjectsAndChangesNothing() {
        var saved = Cli.seed(uri, 2);
        Map<String, String> before = state();
        Cli.Result dry = Cli.run("delete", uri, "1", "--dry-run");
        assertThat(dry.exit()).as(dry.toString()).isZero();
        assertThat(dry.out()).contains("would delete checkpoint 1").contains("checkpoints/" + saved.get(0).id().padded() + "/manifest.json")
                .contains("nothing was deleted");
        assertThat(state()).isEqualTo(before);
        Cli.Result absent = Cli.run("delete", uri, "9", "--dry-run");
        assertThat(absent.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void deleteAcceptsLatest() {
        Cli.seed(uri, 3);
        Cli.Result dry = Cli.run("delete", uri, "latest", "--dry-run");
        assertThat(dry.out()).contains("would delete checkpoint 3");
        Cli.Result r = Cli.run("delete", uri, "latest");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("deleted checkpoint 3");
        assertThat(Cli.run("list", uri, "--json").json().get("checkpoints").findValuesAsText("id")).containsExactly("1", "2");
        Cli.Result bad = Cli.run("delete", uri, "newest");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("expected a checkpoint id or 'latest', got 'newest'");
    }
}

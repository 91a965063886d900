package dev.checkpointer.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code repair}: rewrites a missing or corrupt _latest, leaves a sound one alone, follows the exit codes. */
class RepairTest {
    @TempDir
    Path dir;

    private String uri() {
        return dir.toUri().toString();
    }

    private Path pointer() {
        return dir.resolve("_latest");
    }

    private static Snapshot snapshot(String text) {
        return Snapshot.builder().partition("counts", 0, Payload.of(text.getBytes(UTF_8))).build();
    }

    @Test
    void helpWarnsToStopEveryWriterFirst() {
        Cli.Result r = Cli.run("repair", "--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: checkpointer repair").contains("WARNING: stop every writer").contains("Exit codes:");
        assertThat(Cli.run("--help").out()).containsPattern("(?m)^\\s+repair\\s+Repair a missing or corrupt _latest");
    }

    @Test
    void aSoundPointerIsLeftAlone() throws Exception {
        Cli.seed(uri(), 2);
        byte[] before = Files.readAllBytes(pointer());
        Cli.Result r = Cli.run("repair", uri());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("pointer is sound at " + Format.location(uri())).contains("head 2, epoch 1, floor 0");
        assertThat(Files.readAllBytes(pointer())).isEqualTo(before);
        JsonNode j = Cli.run("repair", uri(), "--json").json();
        assertThat(j.get("outcome").asText()).isEqualTo("sound");
        assertThat(j.get("head").asLong()).isEqualTo(2);
        assertThat(j.get("latest").asLong()).isEqualTo(2);
    }

    @Test
    void anEmptyLocationHasNothingToRepair() {
        Cli.Result r = Cli.run("repair", uri());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("nothing to repair");
        assertThat(pointer()).doesNotExist();
    }

    @Test
    void aMissingPointerIsRepairedAndSavesAreAcceptedAgain() throws Exception {
        List<Manifest> saved = Cli.seed(uri(), 3);
        Files.delete(pointer());
        try (Checkpointer cp = Checkpointer.open(uri())) {
            assertThatThrownBy(() -> cp.save(snapshot("refused")).block()).as("writes are refused while the pointer is lost")
                    .isInstanceOf(CheckpointException.class);
        }
        assertThat(Cli.run("verify", uri()).exit()).isEqualTo(ExitCodes.VERIFICATION_FAILED);

        Cli.Result r = Cli.run("repair", uri());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("repaired _latest at").contains("missing")
                .containsPattern("(?m)^  head\\s+3$").containsPattern("(?m)^  epoch\\s+" + saved.get(2).epoch() + "$")
                .containsPattern("(?m)^  floor\\s+1$")
                .contains("'latest' resolves to checkpoint 3");
        assertThat(pointer()).exists();

        Cli.Result verify = Cli.run("verify", uri());
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("verified 3 checkpoints").contains("all OK");
        try (Checkpointer cp = Checkpointer.open(uri())) {
            Manifest next = cp.save(snapshot("accepted")).block();
            assertThat(next.id().value()).isEqualTo(4);
            assertThat(next.parent()).hasValueSatisfying(p -> assertThat(p.id().value()).isEqualTo(3));
        }
        assertThat(Cli.run("repair", uri()).out()).contains("pointer is sound");
    }

    @Test
    void aCorruptPointerIsRepaired() throws Exception {
        Cli.seed(uri(), 2);
        byte[] bytes = Files.readAllBytes(pointer());
        bytes[bytes.length / 2] ^= 1;
        Files.write(pointer(), bytes);
        Cli.Result r = Cli.run("repair", uri(), "--json");
        assertThat(r.exit()).as(r.toString()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("outcome").asText()).isEqualTo("repaired");
        assertThat(j.get("problem").asText()).contains("corrupt");
        assertThat(j.get("head").asLong()).isEqualTo(2);
        assertThat(j.get("epoch").asLong()).isEqualTo(1);
        assertThat(j.get("latest").asLong()).isEqualTo(2);
        assertThat(Cli.run("verify", uri()).exit()).isZero();
    }

    /**
     * A lone manifest without a pointer (the pointer was lost, or the location's first save crashed between its
     * prepare and its publish) is a prepared checkpoint that a roll-forward would publish anyway: repair makes it
     * the head, and saves are accepted again.
     */
    @Test
    void aLoneManifestWithoutPointerIsRepairedIntoTheHead() throws Exception {
        Cli.seed(uri(), 1);
        Files.delete(pointer());
        Cli.Result r = Cli.run("repair", uri());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("repaired _latest").contains("head   1").contains("saves are accepted again");
        assertThat(pointer()).isRegularFile();
        Cli.Result verify = Cli.run("verify", uri(), "all");
        assertThat(verify.exit()).as(verify.toString()).isZero();
    }

    /** A store error (here: _latest is a directory, which the repair cannot replace) is exit 4. */
    @Test
    void aFailingStoreExits4() throws Exception {
        Cli.seed(uri(), 2);
        Files.delete(pointer());
        Files.createDirectory(pointer());
        Cli.Result r = Cli.run("repair", uri());
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.STORE_OR_OTHER);
        assertThat(r.err()).startsWith("checkpointer repair: ");
        assertThat(r.out()).isEmpty();
        assertThat(pointer()).isDirectory();
    }
}

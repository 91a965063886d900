package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mistyped file: location is an error (exit 3) for every command that reads, and is never created by one. */
class MissingLocationTest {
    @TempDir
    Path dir;

    @Test
    void everyReadCommandFailsWithExit3NamingThePathAndCreatesNothing() {
        Path typo = dir.resolve("demo-checkpoint-typo");
        String uri = "file:" + typo;
        List<List<String>> commands = List.of(
                List.of("list", uri), List.of("list", uri, "--json"),
                List.of("inspect", uri), List.of("inspect", uri, "1"),
                List.of("verify", uri), List.of("verify", uri, "all"), List.of("verify", uri, "latest"),
                List.of("prune", uri, "--keep", "1"), List.of("delete", uri, "1"), List.of("repair", uri),
                List.of("copy", uri, "file:" + dir.resolve("backup"), "--all"));
        for (List<String> args : commands) {
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertThat(r.exit()).as(args + "\n" + r).isEqualTo(ExitCodes.NOT_FOUND);
            assertThat(r.err()).as(args + "\n" + r).contains("no checkpoint location at " + typo).contains("STORE_LOCATION_NOT_FOUND");
            assertThat(typo).as(args.toString()).doesNotExist();
        }
        assertThat(dir.resolve("backup")).doesNotExist();
    }

    @Test
    void anExistingEmptyDirectoryIsStillAnEmptyLocation() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Cli.Result list = Cli.run("list", "file:" + empty);
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).contains("no checkpoints at");
        Cli.Result verify = Cli.run("verify", "file:" + empty);
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.out()).contains("nothing to verify");
    }

    @Test
    void anExplicitCreateRootIsLeftAsGiven() {
        Path typo = dir.resolve("typo");
        Cli.Result r = Cli.run("list", "file:" + typo, "-o", "create-root=true");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(typo).doesNotExist(); // a read never creates it, whatever the option
        assertThat(Location.mustExist("file:" + typo + "?createRoot=true", java.util.Map.of())).isEmpty();
        assertThat(Location.mustExist("memory://x", java.util.Map.of())).isEmpty();
        assertThat(Location.mustExist("FILE:" + typo, java.util.Map.of())).containsEntry("createRoot", "false");
    }

    @Test
    void theHelpDocumentsExit3ForAMissingLocation() {
        Cli.Result r = Cli.run("list", "--help");
        assertThat(r.out()).contains("no such location");
    }
}

package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Help, version, and the exit codes of usage errors. */
class UsageTest {

    @Test
    void topLevelHelpDocumentsCommandsAndExitCodes() {
        Cli.Result r = Cli.run("--help");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("list", "inspect", "verify", "repair", "delete", "prune", "copy", "demo")
                .contains("Exit codes:")
                .containsPattern("(?m)^\\s*0\\s+success")
                .containsPattern("(?m)^\\s*1\\s+verification failed")
                .containsPattern("(?m)^\\s*2\\s+usage error")
                .containsPattern("(?m)^\\s*3\\s+not found")
                .containsPattern("(?m)^\\s*4\\s+store or other error")
                .contains("memory://", "file:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"list", "inspect", "verify", "repair", "delete", "prune", "copy", "demo"})
    void everyCommandHasHelp(String command) {
        Cli.Result r = Cli.run(command, "--help");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Usage: checkpointer " + command).contains("Exit codes:");
    }

    @Test
    void helpCommandWorksToo() {
        Cli.Result r = Cli.run("help", "verify");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: checkpointer verify");
    }

    @Test
    void versionNamesTheBundledStores() {
        Cli.Result r = Cli.run("--version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("checkpointer ").contains("stores: ").contains("memory");
        assertThat(r.out()).doesNotContain("${");
    }

    /** Main answers a lone --version itself (fast start); what it prints is exactly picocli's version help. */
    @Test
    void theShortCutVersionIsPicocliVersionHelp() {
        java.io.StringWriter picocli = new java.io.StringWriter();
        java.io.PrintWriter w = new java.io.PrintWriter(picocli);
        Main.commandLine(w, w).printVersionHelp(w);
        w.flush();
        assertThat(Cli.run("--version").out()).isEqualTo(picocli.toString()).isEqualTo(Cli.run("-V").out());
        assertThat(Cli.run("--version", "-v").out()).isEqualTo(picocli.toString());
    }

    @Test
    void noCommandIsAUsageError() {
        Cli.Result r = Cli.run();
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("a command is required").contains("Usage:");
    }

    @Test
    void unknownCommandOrOptionIsAUsageError() {
        assertThat(Cli.run("lst", "memory://x").exit()).isEqualTo(ExitCodes.USAGE);
        Cli.Result r = Cli.run("list", "memory://x", "--frobnicate");
        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("--frobnicate");
        assertThat(Cli.run("list").exit()).as("missing URI").isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void unknownSchemeGivesTheLibrarysMessageAndExit2() {
        Cli.Result r = Cli.run("list", "nosuchscheme://bucket/prefix");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("no store module handles scheme 'nosuchscheme'").contains("memory").contains("CONFIGURATION");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void malformedUriAndIdAreUsageErrors() {
        assertThat(Cli.run("list", "no scheme here").exit()).isEqualTo(ExitCodes.USAGE);
        Cli.Result badId = Cli.run("delete", "memory://x", "not-an-id");
        assertThat(badId.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(badId.err()).contains("not-an-id");
        assertThat(Cli.run("inspect", "memory://x", "0").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("verify", "memory://x", "everything").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("prune", "memory://x", "--grace", "soon").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("copy", "memory://a", "memory://b", "--id", "1", "--all").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("repair").exit()).as("missing URI").isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("repair", "nosuchscheme://bucket/prefix").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("inspect", "nosuchscheme://bucket/prefix", "--json").err()).contains("no store module handles scheme 'nosuchscheme'");
    }

    @Test
    void storeOptionValuesAreNeverPrinted() {
        String uri = Cli.memory();
        Cli.Result r = Cli.run("list", uri, "-o", "secretKey=hunter2-very-secret", "--verbose");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.USAGE); // the memory store takes no options
        assertThat(r.out() + r.err()).doesNotContain("hunter2-very-secret");
        Cli.Result q = Cli.run("list", uri + "?secretKey=hunter2-in-query");
        assertThat(q.out() + q.err()).doesNotContain("hunter2-in-query");
    }

    @Test
    void durationsParse() {
        assertThat(Durations.parse("500ms")).hasMillis(500);
        assertThat(Durations.parse("1h30m")).hasMinutes(90);
        assertThat(Durations.parse("2d")).hasDays(2);
        assertThat(Durations.parse("0")).isZero();
        assertThat(Durations.parse("PT5S")).hasSeconds(5);
    }

    @Test
    void locationsArePrintedWithoutSecrets() {
        assertThat(Format.location("s3://bucket/prefix?accessKey=AKIA&secret=x")).isEqualTo("s3://bucket/prefix");
        assertThat(Format.location("azblob://user:pass@container/p")).isEqualTo("azblob://container/p");
        assertThat(Format.location("file:relative/dir")).isEqualTo("file:relative/dir");
    }
}

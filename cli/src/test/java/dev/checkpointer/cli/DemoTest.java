package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end: a real pipeline, a crash, a recovery, and the proof. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DemoTest {
    /** Small and fast, but with several checkpoints on each side of the crash. */
    static final String[] FAST = {"--events", "6000", "--partitions", "3", "--users", "60", "--interval", "40ms", "--rate", "30000", "--timeout", "60s"};

    static String[] args(String uri, String... more) {
        String[] a = new String[2 + FAST.length + more.length];
        a[0] = "demo";
        a[1] = uri;
        System.arraycopy(FAST, 0, a, 2, FAST.length);
        System.arraycopy(more, 0, a, 2 + FAST.length, more.length);
        return a;
    }

    static void assertPassed(Cli.Result r) {
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out())
                .contains("run 1        pipeline started")
                .containsPattern("checkpoint \\d+ committed  epoch \\d+, 3 partitions")
                .containsPattern("CRASH        pipeline killed \\d+ events after checkpoint \\d+")
                .containsPattern("restart      new Checkpointer: latest\\(\\) is checkpoint \\d+")
                .contains("run 2        pipeline started")
                .contains("covers all 6000 events")
                .contains("uninterrupted run     6000 clicks by 60 users, computed without Reactor or checkpoints: identical for every user")
                .contains("restores to exactly these totals at the end of the input: yes")
                .containsPattern("verification          \\d+ checkpoints, \\d+ partitions re-read, SHA-256 checked: OK")
                .contains("demo PASSED");
        assertThat(r.out()).doesNotContain("FAILED", "DIFFERENT");
        // The restarted job claims a higher writer epoch, fencing the crashed one.
        String run1 = r.out().substring(r.out().indexOf("run 1"), r.out().indexOf("CRASH"));
        String run2 = r.out().substring(r.out().indexOf("run 2"), r.out().indexOf("result"));
        assertThat(epochs(run2)).isNotEmpty().allSatisfy(e -> assertThat(e).isGreaterThan(epochs(run1).get(0)));
    }

    static java.util.List<Long> epochs(String text) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("committed  epoch (\\d+),").matcher(text);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    @Test
    void demoRecoversInMemory() {
        String uri = Cli.memory();
        try {
            Cli.Result r = Cli.run(args(uri));
            assertPassed(r);
            // The restored checkpoint is committed before the crash, the replay re-counts the events after it.
            assertThat(r.out()).containsPattern("restored after crash  checkpoint \\d+, \\d+ events replayed");
            assertThat(Cli.run("verify", uri).exit()).isZero();
        } finally {
            Cli.drop(uri);
        }
    }

    @Test
    void demoRecoversOnDiskAndCanRunAgainAtTheSameLocation(@TempDir Path dir) {
        String uri = dir.resolve("demo-checkpoints").toUri().toString();
        assertPassed(Cli.run(args(uri)));
        Cli.Result again = Cli.run(args(uri, "--seed", "7"));
        assertPassed(again);
        assertThat(again.out()).contains("removed").contains("of an earlier demo run");
        assertThat(Cli.run("verify", uri, "all").exit()).isZero();
    }

    @Test
    void demoRefusesALocationWithOtherCheckpoints() {
        String uri = Cli.memory();
        try {
            Cli.seed(uri, 1);
            Cli.Result r = Cli.run(args(uri));
            assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).contains("that the demo did not write");
            assertThat(Cli.run("list", uri, "--json").json().get("checkpoints").size()).isEqualTo(1);
        } finally {
            Cli.drop(uri);
        }
    }

    @Test
    void demoValidatesItsOptions() {
        assertThat(Cli.run("demo", "memory://x", "--partitions", "0").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("demo", "memory://x", "--users", "2", "--partitions", "4").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(Cli.run("demo", "memory://x", "--interval", "0").exit()).isEqualTo(ExitCodes.USAGE);
    }
}

package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's "look inside" hints are command lines that run as printed, with every store option the demo used. */
class HintTest {
    /** Splits a line as a POSIX shell does for the quoting {@link Hint#quote} produces. */
    static List<String> shellWords(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '\'') {
                    quoted = false;
                } else {
                    w.append(c);
                }
            } else if (c == '\'') {
                quoted = true;
                any = true;
            } else if (c == '\\' && i + 1 < line.length()) {
                w.append(line.charAt(++i));
                any = true;
            } else if (c == ' ') {
                if (any || w.length() > 0) {
                    words.add(w.toString());
                    w.setLength(0);
                    any = false;
                }
            } else {
                w.append(c);
            }
        }
        if (any || w.length() > 0) {
            words.add(w.toString());
        }
        return words;
    }

    @Test
    void theDemosHintsRunAsPrintedWithEveryOptionItUsed(@TempDir Path dir) {
        String uri = "file:" + dir.resolve("demo-checkpoints") + "?readChunkSize=64KiB";
        Cli.Result demo = Cli.run("demo", uri, "-o", "fsync=false", "-o", "threads=2",
                "--events", "3000", "--interval", "50ms", "--rate", "30000");
        assertThat(demo.exit()).as(demo.toString()).isZero();
        List<String> hints = demo.out().lines().filter(l -> l.startsWith("look inside:") || l.startsWith("              " + Main.invocation()))
                .map(l -> l.replaceFirst("^look inside:", "").strip()).toList();
        assertThat(hints).hasSize(3);
        for (String hint : hints) {
            assertThat(hint).startsWith(Main.invocation() + " ");
            List<String> words = shellWords(hint.substring(Main.invocation().length()).strip());
            assertThat(words).containsSubsequence("-o", "readChunkSize=64KiB").containsSubsequence("-o", "fsync=false")
                    .containsSubsequence("-o", "threads=2").contains("file:" + dir.resolve("demo-checkpoints"));
            Cli.Result r = Cli.run(words.toArray(String[]::new));
            assertThat(r.exit()).as(hint + "\n" + r).isZero();
        }
        assertThat(Cli.run(shellWords(hints.get(0).substring(Main.invocation().length()).strip()).toArray(String[]::new)).out())
                .contains("checkpoints,");
    }

    @Test
    void secretOptionsAreMaskedAndTokensQuoted() {
        String line = Hint.command("checkpointer", "list", "azblob://c/p?sasToken=sv%3Dsecret", Map.of("accountName", "acct", "account-key", "KEYKEY"));
        assertThat(line).doesNotContain("KEYKEY").doesNotContain("secret")
                .contains("-o 'account-key=<account-key>'").contains("-o 'sasToken=<sasToken>'").contains("-o accountName=acct");
        assertThat(Hint.masksSecrets("azblob://c/p", Map.of("accountKey", "x"))).isTrue();
        assertThat(Hint.masksSecrets("file:/x", Map.of("fsync", "false"))).isFalse();
        assertThat(Hint.command("checkpointer", "list", "nosuch://x", Map.of("token", "t0p")))
                .as("an unknown store's options are all treated as secret").doesNotContain("t0p");
        assertThat(Hint.quote("a b")).isEqualTo("'a b'");
        assertThat(shellWords("x " + Hint.quote("it's") + " " + Hint.quote(""))).containsExactly("x", "it's", "");
    }
}

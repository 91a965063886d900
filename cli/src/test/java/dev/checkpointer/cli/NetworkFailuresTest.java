package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.testkit.DeadEndpoints;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 through the tool, against real loopback sockets: each retry is one line on stderr without {@code -v}, the
 * run ends at the {@code --store-timeout} deadline with a message naming the host, and no stack trace (of the SDKs, Reactor
 * Netty or the tool) reaches the terminal, System.err included.
 */
class NetworkFailuresTest {
    private static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /** A run with System.err captured too (where logback writes). */
    private record Run(Cli.Result result, String systemErr) {}

    private static Run capturing(Supplier<Cli.Result> run) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return new Run(run.get(), captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    private static Cli.Result azure(String hostAndPort) {
        return Cli.run("list", "azblob://ckpt/p", "--store-timeout", "1s", "-o", "endpoint=http://" + hostAndPort + "/devstoreaccount1",
                "-o", "accountName=devstoreaccount1", "-o", "accountKey=" + KEY);
    }

    private static void noStackTraces(Run run) {
        for (String text : new String[] {run.result().err(), run.result().out(), run.systemErr()}) {
            assertThat(text).doesNotContain("\tat ").doesNotContain("Exception in thread").doesNotContain(KEY);
        }
    }

    @Test
    void aRefusedAzureEndpointPrintsEachRetryAndEndsAtTheTimeout() {
        int port = DeadEndpoints.refusedPort();
        Run run = capturing(() -> azure("127.0.0.1:" + port));
        Cli.Result r = run.result();
        assertThat(r.exit()).as(r.toString()).isNotZero();
        assertThat(r.err()).as(r.toString())
                .contains("checkpointer: retrying get (attempt 1 failed: get '_latest' failed: cannot reach 127.0.0.1:" + port + ": ")
                .contains("did not complete within the 1s operation deadline");
        noStackTraces(run);
    }

    @Test
    void aSilentS3EndpointEndsAtTheTimeoutWithoutAStackTrace() {
        try (DeadEndpoints.Silent silent = DeadEndpoints.silent()) {
            Run run = capturing(() -> Cli.run("list", "s3://bkt/p", "--store-timeout", "1s", "-o", "endpoint=http://127.0.0.1:" + silent.port(),
                    "-o", "region=us-east-1", "-o", "accessKeyId=AKIDEXAMPLE", "-o", "secretAccessKey=not-a-real-secret"));
            Cli.Result r = run.result();
            assertThat(r.exit()).as(r.toString()).isNotZero();
            assertThat(r.err()).as(r.toString()).contains("get '_latest' failed: did not complete within the 1s operation deadline (1 attempt; no answer from the store)");
            noStackTraces(run);
            assertThat(run.systemErr()).doesNotContain("not-a-real-secret");
        }
    }
}

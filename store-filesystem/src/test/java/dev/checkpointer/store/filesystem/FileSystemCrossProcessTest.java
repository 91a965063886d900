package dev.checkpointer.store.filesystem;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Payload;
import dev.checkpointer.spi.PutOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compare-and-swap between two JVMs on one root: the file lock, not only the in-JVM lock, must make if-match atomic.
 * Both processes increment one counter object with get + put-if-match; any lost update shows as a final count
 * below the sum of the increments.
 */
class FileSystemCrossProcessTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void compareAndSwapLosesNoUpdateBetweenTwoProcesses() throws Exception {
        int times = 80;
        Path root = Files.createDirectories(dir.resolve("store"));
        Path childLog = dir.resolve("child.log");
        try (ObjectStore store = FileSystemStore.open(root)) {
            store.put("counter", Payload.of("0".getBytes(StandardCharsets.UTF_8)), PutOptions.ifAbsent()).block(TIMEOUT);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    CasCounterMain.class.getName(), root.toString(), Integer.toString(times)))
                    .redirectError(childLog.toFile())
                    .start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                assertThat(out.readLine()).as("child output (stderr in %s)", childLog).isEqualTo("ready");
                OutputStream in = child.getOutputStream();
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
                in.flush();
                int mine = CasCounterMain.increment(store, "counter", times);
                String theirs = out.readLine();
                assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(child.exitValue()).as("child exit, stderr: %s", Files.readString(childLog)).isZero();
                assertThat(theirs).startsWith("conflicts=");
                System.out.println("cross-process CAS: conflicts here=" + mine + ", in the child " + theirs);
                String value = new String(store.readAll("counter").block(TIMEOUT), StandardCharsets.UTF_8);
                assertThat(Long.parseLong(value)).as("no update lost").isEqualTo(2L * times);
            } finally {
                child.destroyForcibly();
            }
        }
    }
}

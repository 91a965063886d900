package dev.checkpointer.multihost;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One child JVM launched with this JVM's class path: its stdout lines arrive on a queue (read by a daemon thread),
 * its stderr goes to a file, commands go to its stdin. Every wait is bounded; a failure message carries the
 * process's transcript and the tail of its stderr.
 */
final class Proc implements AutoCloseable {
    /** Bound on any wait for a line or an exit. */
    static final Duration WAIT = Duration.ofSeconds(45);
    private static final String EOF = "\u0000eof";

    final String name;
    private final Process process;
    private final Path stderr;
    private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
    private final List<String> transcript = java.util.Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    private Proc(String name, Process process, Path stderr) {
        this.name = name;
        this.process = process;
        this.stderr = stderr;
        this.reader = new Thread(this::pump, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code main} in a new JVM with the test class path; JVM flags chosen for start-up time. */
    static Proc start(Path logDir, String name, Class<?> main, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(args);
        try {
            Files.createDirectories(logDir);
            Path err = logDir.resolve(name + ".stderr.log");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            return new Proc(name, p, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private void pump() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                transcript.add(line);
                queue.add(line);
            }
        } catch (IOException e) {
            transcript.add("<stdout read failed: " + e + ">");
        } finally {
            queue.add(EOF);
        }
    }

    /** Waits for the next line starting with one of the prefixes, skipping (but keeping in the transcript) others. */
    String await(String... prefixes) {
        List<String> lines = awaitLine(l -> java.util.Arrays.stream(prefixes).anyMatch(l::startsWith),
                "a line starting with '" + String.join("' or '", prefixes) + "'");
        return lines.get(lines.size() - 1);
    }

    /**
     * Collects lines up to and including the first one starting with {@code prefix}.
     *
     * @return the lines, the matching one last
     */
    List<String> collectUntil(String prefix) {
        return awaitLine(l -> l.startsWith(prefix), "a line starting with '" + prefix + "'");
    }

    private List<String> awaitLine(Predicate<String> match, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<String> seen = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            String line;
            try {
                line = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what + " from " + describe());
            }
            if (line == null) {
                throw new AssertionError("no " + what + " from " + name + " within " + WAIT.toSeconds() + " s\n" + describe());
            }
            if (line == EOF) {
                queue.add(EOF);
                throw new AssertionError(name + " closed its output before " + what + "\n" + describe());
            }
            seen.add(line);
            if (match.test(line)) {
                return seen;
            }
        }
    }

    /** Writes one command line to the process's stdin. */
    void send(String line) {
        try {
            OutputStream in = process.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new AssertionError("cannot write to " + name + ": " + e + "\n" + describe(), e);
        }
    }

    /** Waits (bounded) for the process to exit and for its output to be read to the end. */
    int awaitExit() {
        return awaitExit(WAIT);
    }

    /** Like {@link #awaitExit()}, for processes that run longer than {@link #WAIT}. */
    int awaitExit(Duration bound) {
        try {
            if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(name + " did not exit within " + bound.toSeconds() + " s\n" + describe());
            }
            reader.join(WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + name + " to exit");
        }
        return process.exitValue();
    }

    /** SIGKILL (on Unix: {@code destroyForcibly} sends SIGKILL), then waits for the exit. */
    int kill() {
        process.destroyForcibly();
        return awaitExit();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Every stdout line so far. */
    List<String> transcript() {
        synchronized (transcript) {
            return List.copyOf(transcript);
        }
    }

    /** Name, exit state, stdout transcript and the tail of stderr, for failure messages. */
    String describe() {
        String err;
        try {
            err = Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            err = "<" + e + ">";
        }
        if (err.length() > 6000) {
            err = "..." + err.substring(err.length() - 6000);
        }
        return "--- " + name + (process.isAlive() ? " (running)" : " (exit " + process.exitValue() + ")")
                + "\n--- stdout\n" + String.join("\n", transcript()) + "\n--- stderr (" + stderr + ")\n" + err;
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

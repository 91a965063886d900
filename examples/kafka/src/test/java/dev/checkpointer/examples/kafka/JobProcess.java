package dev.checkpointer.examples.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One run of {@link CountingJob} in a JVM of its own (with the module's runtime class path), its standard output and
 * error copied to a log file, and its {@code @paused} line turned into a future, so a test can SIGKILL it there.
 */
final class JobProcess {
    private final Process process;
    private final Path log;
    private final CompletableFuture<String> paused = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final Thread pump;

    private JobProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.pump = new Thread(this::pump, "job-output");
        pump.setDaemon(true);
        pump.start();
    }

    /**
     * Starts the job.
     *
     * @param log where its output goes
     * @param args its {@code name=value} settings
     * @return the running job
     */
    static JobProcess start(Path log, List<String> args) {
        return start(log, args, null);
    }

    /**
     * Starts the job with a class-data-sharing archive: the first run that finds none writes it when it exits
     * ({@code -XX:ArchiveClassesAtExit}), later runs map it ({@code -XX:SharedArchiveFile}), which cuts the start-up of
     * the many short-lived job JVMs of the kill test. A missing or unusable archive only costs speed.
     *
     * @param log where its output goes
     * @param args its {@code name=value} settings
     * @param classData the archive file, or null for none
     * @return the running job
     */
    static JobProcess start(Path log, List<String> args, @org.jspecify.annotations.Nullable Path classData) {
        try {
            Path classes = Paths.get(System.getProperty("job.classes", "target/classes")).toAbsolutePath();
            if (classData != null) {
                // class-data sharing archives only jars: the job's classes go into one next to the archive
                classes = jar(classes, classData.resolveSibling("job-classes.jar"));
            }
            String cp = classes + java.io.File.pathSeparator
                    + Files.readString(Paths.get(System.getProperty("job.classpath.file", "target/job.classpath"))).trim();
            List<String> command = new ArrayList<>(List.of(
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k"));
            if (classData != null) {
                command.add(Files.isRegularFile(classData) ? "-XX:SharedArchiveFile=" + classData : "-XX:ArchiveClassesAtExit=" + classData);
                command.add("-Xlog:cds=off,cds+dynamic=off");
            }
            command.addAll(List.of("-cp", cp, CountingJob.class.getName()));
            command.addAll(args);
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            return new JobProcess(p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the job", e);
        }
    }

    private static synchronized Path jar(Path classes, Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            Files.createDirectories(jar.getParent());
            java.util.spi.ToolProvider tool = java.util.spi.ToolProvider.findFirst("jar")
                    .orElseThrow(() -> new IllegalStateException("no jar tool in this JDK"));
            int status = tool.run(System.out, System.err, "--create", "--file", jar.toString(), "-C", classes.toString(), ".");
            if (status != 0) {
                throw new IllegalStateException("jar exited with " + status + " packing " + classes);
            }
        }
        return jar;
    }

    private void pump() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(log)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                if (line.startsWith("@paused ")) {
                    out.flush();
                    paused.complete(line.substring("@paused ".length()));
                } else if (line.equals("@point started 1")) {
                    started.complete(null);
                } else if (line.equals("@point done 1")) {
                    done.complete(null);
                }
            }
        } catch (IOException e) {
            // the process was killed while we were reading: its output ends here
        } finally {
            paused.completeExceptionally(new IllegalStateException("the job's output ended without @paused"));
            started.completeExceptionally(new IllegalStateException("the job's output ended before it started"));
        }
    }

    /** Completes with the pause point when the job paused there. */
    CompletableFuture<String> paused() {
        return paused;
    }

    /** Completes when the job has resumed and starts reading. */
    CompletableFuture<Void> started() {
        return started;
    }

    /**
     * Waits at most {@code millis} for the job to exit by itself (returns early if it does).
     *
     * @param millis the longest wait
     */
    void runFor(long millis) throws InterruptedException {
        process.waitFor(millis, TimeUnit.MILLISECONDS);
    }

    /** Whether the job got to its end ({@code @point done}). */
    boolean reachedDone() {
        return done.isDone();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGKILLs the job (on Unix {@link Process#destroyForcibly()} sends SIGKILL) and waits until it is gone.
     *
     * @return whether it was still running when killed
     */
    boolean kill() throws InterruptedException {
        boolean alive = process.isAlive();
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the job did not die after SIGKILL");
        }
        pump.join(10_000);
        return alive;
    }

    /**
     * Waits for the job to exit by itself.
     *
     * @param seconds the longest wait
     * @return its exit status
     */
    int await(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException("the job did not finish within " + seconds + " s; its output: " + log);
        }
        pump.join(10_000);
        return process.exitValue();
    }

    Path log() {
        return log;
    }

    /** The last lines of the job's output, for failure messages. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }
}

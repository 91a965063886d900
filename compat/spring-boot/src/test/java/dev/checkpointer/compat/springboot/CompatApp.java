package dev.checkpointer.compat.springboot;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link CompatApplication} running as its own JVM, on this test's class path, with an environment of the test's
 * choosing (the way a container or a Kubernetes secret passes settings), on a random port, and its output in a log file
 * under {@code target/compat-work}. Nothing of the application is reached except over HTTP and through its log.
 */
final class CompatApp implements AutoCloseable {
    static final Duration START_DEADLINE = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();

    final Process process;
    final Path log;
    private final Path portFile;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private int port;

    private CompatApp(Process process, Path log, Path portFile) {
        this.process = process;
        this.log = log;
        this.portFile = portFile;
    }

    /** The directory of this module's working files, under {@code target/}. */
    static Path workDir() throws IOException {
        String dir = System.getProperty("compat.work.dir");
        if (dir == null) {
            fail("compat.work.dir is not set: run this test through Maven (mvn -pl compat/spring-boot verify)");
        }
        return Files.createDirectories(Path.of(dir));
    }

    /**
     * Launches the application; does not wait for it.
     *
     * @param name names the log and port files
     * @param env environment variables added to a copy of this JVM's environment without any {@code CHECKPOINTER_*}
     * @param args Spring Boot command-line arguments
     */
    static CompatApp launch(String name, Map<String, String> env, String... args) throws IOException {
        Path work = workDir();
        Path log = work.resolve(name + ".log");
        Path portFile = work.resolve(name + ".port");
        Files.deleteIfExists(portFile);
        // The class path can be longer than a command line may be: pass it in an argument file.
        Path argFile = work.resolve(name + ".args");
        Files.writeString(argFile, "-cp\n\"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"\n");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("@" + argFile);
        command.add("-Dcompat.port-file=" + portFile);
        command.add(CompatApplication.class.getName());
        command.add("--server.port=0");
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.toUpperCase(java.util.Locale.ROOT).startsWith("CHECKPOINTER"));
        pb.environment().putAll(env);
        return new CompatApp(pb.start(), log, portFile);
    }

    /** Waits until the application listens (it wrote its port), failing with its log if it dies or takes too long. */
    CompatApp awaitStarted() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_DEADLINE);
        while (!Files.exists(portFile)) {
            if (Instant.now().isAfter(deadline)) {
                fail("the application did not start within " + START_DEADLINE + "; its log:\n" + logText());
            }
            try {
                process.onExit().get(100, TimeUnit.MILLISECONDS);
                fail("the application exited with " + process.exitValue() + " before it listened; its log:\n" + logText());
            } catch (TimeoutException stillRunning) {
                // poll the port file again
            } catch (ExecutionException e) {
                throw new IllegalStateException(e);
            }
        }
        port = Integer.parseInt(Files.readString(portFile).trim());
        return this;
    }

    /** Waits until the application exits by itself, as it must when its configuration is refused. */
    int awaitExit() throws InterruptedException, IOException {
        if (!process.waitFor(START_DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            fail("the application did not stop within " + START_DEADLINE + "; its log:\n" + logText());
        }
        return process.exitValue();
    }

    String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** GETs a JSON document, failing with the response unless it is 200. */
    JsonNode json(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        if (r.statusCode() != 200) {
            fail("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}

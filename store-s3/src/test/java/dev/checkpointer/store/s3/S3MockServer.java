package dev.checkpointer.store.s3;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Adobe S3Mock (the exec jar the build fetched into {@code target/s3mock}) running as a separate process on
 * 127.0.0.1, one per test JVM: the first test class that uses {@link Extension} starts it, JUnit closes it when the
 * whole run ends (it is kept in the root extension context's store), and a shutdown hook kills it if the JVM goes
 * down another way. Its ports are chosen by the OS (port 0) and read from its log, so runs never collide.
 */
public final class S3MockServer implements AutoCloseable {
    /** The bucket created at start. */
    public static final String BUCKET = "checkpointer-it";
    /** A KMS key ARN registered with S3Mock. */
    public static final String VALID_KMS_KEY = "arn:aws:kms:us-east-1:111122223333:key/checkpointer-test-key";
    /** The id of {@link #VALID_KMS_KEY}, which S3Mock accepts as a key id; any other aws:kms key id is refused with 400. */
    public static final String VALID_KMS_KEY_ID = "checkpointer-test-key";
    /** Credentials for the tests (S3Mock does not check them). */
    public static final String ACCESS_KEY = "AKIATESTACCESSKEY123";
    /** Secret for the tests; asserted never to show up in messages or logs. */
    public static final String SECRET_KEY = "tEsT/sEcReT+kEy/ThAtMuStNeVeRlEaK0123456";

    /** Small heap and serial GC keep S3Mock near 200 MB. */
    private static final String JVM_ARGS = "-Xmx256m -XX:+UseSerialGC";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern STARTED = Pattern.compile("Tomcat started on ports? (.*)");
    private static final Pattern PORT = Pattern.compile("(\\d+) \\((https?)\\)");
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(S3MockServer.class);
    private static volatile S3MockServer current;

    private final Process process;
    private final Path root;
    private final URI endpoint;
    private final Path log;
    private final Thread shutdownHook;
    private final S3AsyncClient client;

    private S3MockServer(Process process, Path root, URI endpoint, Path log) {
        this.process = process;
        this.root = root;
        this.endpoint = endpoint;
        this.log = log;
        // Held for the whole run. Besides serving the tests' own checks, it keeps a reference on the SDK's shared Netty
        // event loop group, so that closing a store (and its client) does not shut the group down and wait out Netty's
        // 2-second quiet period after every test.
        this.client = rawClient(endpoint);
        this.shutdownHook = new Thread(process::destroyForcibly, "s3mock-kill");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts the server (once per JVM) before the first test class that needs it. */
    public static final class Extension implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            current = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(S3MockServer.class, k -> start(), S3MockServer.class);
        }
    }

    /**
     * The running server.
     *
     * @return the server started by {@link Extension}
     */
    public static S3MockServer get() {
        S3MockServer s = current;
        if (s == null) {
            throw new IllegalStateException("S3Mock is not running: annotate the test class with @ExtendWith(S3MockServer.Extension.class)");
        }
        return s;
    }

    /**
     * The plain-HTTP endpoint on 127.0.0.1.
     *
     * @return e.g. {@code http://127.0.0.1:38957}
     */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * A raw SDK client on the server, open for the whole run (do not close it).
     *
     * @return the client
     */
    public S3AsyncClient client() {
        return client;
    }

    /**
     * A builder for a store over the test bucket and the given prefix, with test credentials.
     *
     * @param prefix the prefix
     * @return the builder
     */
    public S3StoreBuilder store(String prefix) {
        return S3Store.builder().bucket(BUCKET).prefix(prefix).endpoint(endpoint).region("us-east-1").credentials(ACCESS_KEY, SECRET_KEY);
    }

    /**
     * A raw SDK client for inspecting what the store did (configured as the store recommends for callers' clients). The caller closes it.
     *
     * @param target the endpoint (S3Mock, or a proxy in front of it)
     * @return the client
     */
    public static S3AsyncClient rawClient(URI target) {
        return S3AsyncClient.builder()
                .endpointOverride(target)
                .forcePathStyle(true)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .overrideConfiguration(o -> o.retryStrategy(S3StoreBuilder.recommendedRetryStrategy()))
                .build();
    }

    /**
     * Starts a server outside JUnit (the benchmarks use it): the jar from system property {@code s3mock.jar}, files
     * under {@code s3mock.workDir}, JVM options from {@code s3mock.jvmArgs}. The caller closes it.
     *
     * @return the running server
     */
    public static S3MockServer startStandalone() {
        return start();
    }

    private static S3MockServer start() {
        Path jar = Paths.get(System.getProperty("s3mock.jar", "target/s3mock/s3mock-exec.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("S3Mock jar not found at " + jar + ": run 'mvn generate-test-resources' (the build fetches it)");
        }
        Path workDir = Paths.get(System.getProperty("s3mock.workDir", jar.getParent().toString()));
        try {
            Files.createDirectories(workDir);
            Path root = Files.createTempDirectory(workDir, "store-");
            Path xml = root.resolveSibling(root.getFileName() + "-loopback.xml");
            try (InputStream in = S3MockServer.class.getResourceAsStream("/s3mock/loopback-connectors.xml")) {
                if (in == null) {
                    throw new IllegalStateException("missing test resource s3mock/loopback-connectors.xml");
                }
                Files.copy(in, xml);
            }
            Path log = root.resolveSibling(root.getFileName() + ".log");
            List<String> command = new ArrayList<>();
            command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(List.of(System.getProperty("s3mock.jvmArgs", JVM_ARGS).trim().split("\\s+")));
            command.addAll(List.of(
                    "-jar", jar.toString(),
                    "--server.address=127.0.0.1",
                    "--server.port=0",
                    "--http.port=0",
                    "--spring.main.sources=" + xml.toUri(),
                    "--spring.main.banner-mode=off",
                    "--logging.level.root=WARN",
                    "--logging.level.org.springframework.boot.tomcat.TomcatWebServer=INFO",
                    "--com.adobe.testing.s3mock.store.root=" + root,
                    "--com.adobe.testing.s3mock.store.initial-buckets=" + BUCKET,
                    "--com.adobe.testing.s3mock.store.valid-kms-keys=" + VALID_KMS_KEY));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<URI> ready = new CompletableFuture<>();
            Deque<String> tail = new ArrayDeque<>();
            Thread pump = new Thread(() -> pump(process, log, ready, tail), "s3mock-output");
            pump.setDaemon(true);
            pump.start();
            URI endpoint;
            try {
                endpoint = ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException | InterruptedException e) {
                process.destroyForcibly();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                String lines;
                synchronized (tail) {
                    lines = String.join("\n", tail);
                }
                throw new IllegalStateException("S3Mock did not start within " + START_TIMEOUT.toSeconds() + " s; its last output:\n" + lines, e);
            }
            awaitPort(endpoint, process);
            return new S3MockServer(process, root, endpoint, log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start S3Mock", e);
        }
    }

    private static void pump(Process process, Path log, CompletableFuture<URI> ready, Deque<String> tail) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(log)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                out.flush();
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > 40) {
                        tail.removeFirst();
                    }
                }
                Matcher started = STARTED.matcher(line);
                if (!ready.isDone() && started.find()) {
                    Matcher port = PORT.matcher(started.group(1));
                    while (port.find()) {
                        if (port.group(2).equals("http")) {
                            ready.complete(URI.create("http://127.0.0.1:" + port.group(1)));
                            break;
                        }
                    }
                }
            }
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
        ready.completeExceptionally(new IllegalStateException("S3Mock exited with status " + exitValue(process) + " before it was ready"));
    }

    private static String exitValue(Process p) {
        try {
            return String.valueOf(p.waitFor(5, TimeUnit.SECONDS) ? p.exitValue() : "(still running)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(unknown)";
        }
    }

    /** Bounded wait until the port accepts connections (Tomcat logs "started" once bound; this is belt and braces). */
    private static void awaitPort(URI endpoint, Process process) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline && process.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), 500);
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw new IllegalStateException("S3Mock port " + endpoint + " does not accept connections", last);
    }

    /** Stops the process and removes its files. */
    @Override
    public void close() {
        client.close();
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down; the hook runs anyway
        }
        deleteTree(root);
        deleteTree(root.resolveSibling(root.getFileName() + "-loopback.xml"));
        current = null;
    }

    /**
     * Where the server's output goes.
     *
     * @return the log file
     */
    public Path log() {
        return log;
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort: target/ is cleaned by the build
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}

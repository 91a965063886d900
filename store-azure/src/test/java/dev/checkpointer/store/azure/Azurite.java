package dev.checkpointer.store.azure;

import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Azurite blob service per test JVM, started by {@link AzuriteExtension}: {@code node …/azurite/dist/src/blob/main.js}
 * (installed by the module's build under {@code .ci-cache/azurite}) on 127.0.0.1, on a port the OS picks, with
 * in-memory persistence (a fresh, empty account every run), {@code --skipApiVersionCheck --loose}, no telemetry, and
 * a long keep-alive.
 */
public final class Azurite implements AutoCloseable {
    /** The emulator's well-known development account. */
    public static final String ACCOUNT = "devstoreaccount1";
    /** The emulator's well-known development key (public, not a secret). */
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("listens on http://127\\.0\\.0\\.1:(\\d+)");
    private static volatile Azurite shared;

    private final Process process;
    private final int port;
    private final Thread hook;

    private Azurite(Process process, int port) {
        this.process = process;
        this.port = port;
        this.hook = new Thread(process::destroyForcibly, "azurite-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * The running server, started on first use.
     *
     * @return the server
     */
    public static synchronized Azurite shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    static synchronized void stopShared() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
    }

    /** The port the blob service listens on. */
    public int port() {
        return port;
    }

    /** The account's blob endpoint, path-style. */
    public String endpoint() {
        return "http://127.0.0.1:" + port + "/" + ACCOUNT;
    }

    /** A connection string for the development account. */
    public String connectionString() {
        return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY + ";BlobEndpoint=" + endpoint() + ";";
    }

    /**
     * A client for a container, created when missing; one attempt per request, like the store's own.
     *
     * @param name the container
     * @return the client
     */
    public BlobContainerAsyncClient container(String name) {
        BlobContainerAsyncClient c = new BlobContainerClientBuilder().connectionString(connectionString()).containerName(name)
                .serviceVersion(AzureBlobStoreBuilder.DEFAULT_SERVICE_VERSION)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Integer) null, null, null, null))
                .buildAsyncClient();
        c.createIfNotExists().block(Duration.ofSeconds(30));
        return c;
    }

    private static Azurite start() {
        Path main = mainScript();
        String node = System.getProperty("node.executable", "node");
        List<String> command = new ArrayList<>(List.of(node, main.toString(),
                "--blobHost", "127.0.0.1", "--blobPort", "0",
                "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--silent",
                // Node closes idle keep-alive connections after 5 s by default; a pooled connection picked just then
                // fails with a (transient) premature close. Azure keeps them far longer, and tests that call the
                // store without the engine's retries must not flake on it.
                "--blobKeepAliveTimeout", "600"));
        Path logFile = Paths.get(System.getProperty("azurite.log", "target/azurite.log"));
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Thread reader = new Thread(() -> pump(p, logFile, port), "azurite-output");
            reader.setDaemon(true);
            reader.start();
            int actual;
            try {
                actual = port.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                p.destroyForcibly();
                throw new IllegalStateException("Azurite did not start within " + START_TIMEOUT + " (" + command + "); see " + logFile.toAbsolutePath(), e);
            }
            awaitPort(actual);
            return new Azurite(p, actual);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start Azurite (" + command + "): is Node installed, and did the build install azurite?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path mainScript() {
        String explicit = System.getProperty("azurite.main");
        Path main = explicit != null ? Paths.get(explicit)
                : Paths.get(System.getProperty("basedir", "."), ".ci-cache", "azurite", "node_modules", "azurite", "dist", "src", "blob", "main.js");
        if (!Files.isRegularFile(main)) {
            throw new IllegalStateException("Azurite is not installed at " + main.toAbsolutePath() + "; run the module's build (it runs npm install azurite)");
        }
        return main;
    }

    private static void pump(Process p, Path logFile, CompletableFuture<Integer> port) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                Writer out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write(System.lineSeparator());
                out.flush();
                Matcher m = LISTENING.matcher(line);
                if (!port.isDone() && m.find()) {
                    port.complete(Integer.parseInt(m.group(1)));
                }
            }
            port.completeExceptionally(new IllegalStateException("Azurite exited with " + p.waitFor()));
        } catch (IOException | InterruptedException e) {
            port.completeExceptionally(e);
        }
    }

    /** Bounded wait until the port accepts connections (Azurite prints its line once it listens, so this is quick). */
    private static void awaitPort(int port) throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw last != null ? last : new IOException("port " + port + " did not open");
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}

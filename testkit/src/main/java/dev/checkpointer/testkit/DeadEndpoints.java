package dev.checkpointer.testkit;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.spi.ObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Endpoints that fail the way a broken network does, for the tests of every store: a server that accepts connections
 * and never answers, a port where connections are refused, and a host name that cannot resolve. All on loopback.
 */
public final class DeadEndpoints {
    /** A host name that never resolves ({@code .invalid} is reserved by RFC 2606). */
    public static final String UNRESOLVABLE_HOST = "checkpointer-no-such-host.invalid";

    private DeadEndpoints() {}

    /**
     * Starts a server on 127.0.0.1 that accepts every connection, reads nothing and never answers; connections stay
     * open until it is closed.
     *
     * @return the running server
     */
    public static Silent silent() {
        return new Silent();
    }

    /**
     * A loopback port where nothing listens, so a connection is refused at once: bound to a free port and released.
     *
     * @return the port
     */
    public static int refusedPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts a listener on 127.0.0.1 that never accepts and whose accept queue is already full, so a new connection
     * attempt gets no answer at all (its SYN is dropped, as a firewall would): only a connect timeout ends it.
     *
     * @return the listener; close it to release the port and the connections that fill it
     */
    public static Unaccepting unaccepting() {
        return new Unaccepting();
    }

    /** A listener with a full accept queue: connection attempts hang until the client's connect timeout. */
    public static final class Unaccepting implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> fillers = new CopyOnWriteArrayList<>();

        private Unaccepting() {
            try {
                server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 200);
                        fillers.add(s);
                    } catch (IOException full) {
                        s.close();
                        return; // the queue is full: this attempt was not answered
                    }
                }
                throw new IllegalStateException("the accept queue of port " + server.getLocalPort() + " did not fill up");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * The port.
         *
         * @return the port
         */
        public int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() {
            try {
                for (Socket s : fillers) {
                    s.close();
                }
                server.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * What {@link #latestWithin} saw: the error {@code latest()} ended with, and how long it took on the wall clock.
     *
     * @param error the failure, or null when it succeeded
     * @param millis elapsed wall-clock milliseconds
     */
    public record Outcome(@Nullable Throwable error, long millis) {}

    /**
     * Reads {@code latest()} through a checkpointer over {@code store} (closed afterwards) whose operation deadline is
     * {@code deadline}, and measures how long it took; waits at most a minute.
     *
     * @param store the store (typically pointed at one of these endpoints)
     * @param deadline the checkpointer's operation timeout
     * @return the outcome
     */
    public static Outcome latestWithin(ObjectStore store, Duration deadline) {
        try (Checkpointer c = Checkpointer.builder().store(store).operationTimeout(deadline).build()) {
            long start = System.nanoTime();
            Throwable error = null;
            try {
                c.latest().block(Duration.ofMinutes(1));
            } catch (RuntimeException e) {
                error = e;
            }
            return new Outcome(error, (System.nanoTime() - start) / 1_000_000);
        } finally {
            store.close();
        }
    }

    /**
     * Starts an HTTP server on 127.0.0.1 (a free port) that answers every request with {@code handler}: a scripted
     * service for the responses no emulator gives. Stop it with {@code stop(0)}.
     *
     * @param handler the script
     * @return the running server
     */
    public static HttpServer scripted(HttpHandler handler) {
        try {
            HttpServer server = HttpServer.create(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", handler);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts an HTTPS server on 127.0.0.1 (a free port) whose certificate nobody trusts: a self-signed key pair made
     * by the JDK's {@code keytool} in a fresh directory under {@code target/}. A client with the JVM's default trust
     * store fails the handshake with "PKIX path building failed", the way it does against an endpoint whose CA was
     * never added to the trust store; {@code handler} is never reached. Stop it with {@code stop(0)}.
     *
     * @param handler answers requests that get through (none should)
     * @return the running server
     */
    public static com.sun.net.httpserver.HttpsServer untrustedTls(HttpHandler handler) {
        try {
            java.nio.file.Path dir = java.nio.file.Files.createDirectories(java.nio.file.Path.of("target"));
            java.nio.file.Path store = java.nio.file.Files.createTempDirectory(dir, "untrusted-tls-").resolve("server.p12");
            char[] password = "untrusted".toCharArray();
            Process keytool = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                    "-dname", "CN=localhost", "-ext", "SAN=IP:127.0.0.1,DNS:localhost", "-storetype", "PKCS12",
                    "-keystore", store.toString(), "-storepass", new String(password), "-keypass", new String(password))
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (keytool.waitFor() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            try (java.io.InputStream in = java.nio.file.Files.newInputStream(store)) {
                keys.load(in, password);
            }
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, password);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), null, null);
            com.sun.net.httpserver.HttpsServer server = com.sun.net.httpserver.HttpsServer.create(
                    new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
            server.createContext("/", handler);
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The check every store's network-failure test runs against {@link #untrustedTls}: an https endpoint whose
     * certificate this JVM does not trust fails with a permanent {@code STORE_TLS} error that names the host and the
     * remedy (the trust store), both on a plain store call and through the engine, which gives up at once instead of
     * retrying until its operation deadline; no request reaches the server.
     *
     * @param storeAt builds a store over the endpoint, given its {@code host:port} (a new store per call)
     * @param what the store's name in assertion messages, e.g. {@code "S3"}
     */
    public static void assertUntrustedCertificateIsPermanent(java.util.function.Function<String, ObjectStore> storeAt, String what) {
        java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpsServer server = untrustedTls(x -> {
            served.incrementAndGet();
            x.sendResponseHeaders(500, -1);
            x.close();
        });
        String host = "127.0.0.1:" + server.getAddress().getPort();
        try (ObjectStore s = storeAt.apply(host)) {
            Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)));
            org.assertj.core.api.Assertions.assertThat(e).isInstanceOf(dev.checkpointer.StoreException.class)
                    .hasMessageContaining("TLS handshake with " + host + " failed")
                    .hasMessageContaining("PKIX path building failed").hasMessageContaining("trust store");
            org.assertj.core.api.Assertions.assertThat(((dev.checkpointer.StoreException) e).code()).isEqualTo(dev.checkpointer.ErrorCode.STORE_TLS);
            org.assertj.core.api.Assertions.assertThat(((dev.checkpointer.StoreException) e).isTransient()).isFalse();
            Outcome o = latestWithin(storeAt.apply(host), Duration.ofSeconds(30));
            org.assertj.core.api.Assertions.assertThat(o.error()).as("not retried until the deadline").isInstanceOf(dev.checkpointer.StoreException.class)
                    .hasMessageContaining("TLS handshake with " + host + " failed").hasMessageNotContaining("operation deadline");
            org.assertj.core.api.Assertions.assertThat(((dev.checkpointer.StoreException) o.error()).code()).isEqualTo(dev.checkpointer.ErrorCode.STORE_TLS);
            org.assertj.core.api.Assertions.assertThat(served).as(what + " requests that got through").hasValue(0);
        } finally {
            server.stop(0);
        }
    }

    /** A server that accepts and never answers. */
    public static final class Silent implements AutoCloseable {
        private final ServerSocket server;
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final Thread acceptor;

        private Silent() {
            try {
                server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        accepted.add(server.accept());
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            }, "silent-server-" + server.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /**
         * The port it listens on.
         *
         * @return the port
         */
        public int port() {
            return server.getLocalPort();
        }

        /**
         * Connections accepted so far.
         *
         * @return the count
         */
        public int connections() {
            return accepted.size();
        }

        @Override
        public void close() {
            try {
                server.close();
                for (Socket s : accepted) {
                    s.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

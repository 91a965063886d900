package dev.checkpointer.examples.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one process), run as a separate JVM
 * from the jars the {@code examples/kafka/broker} module assembled ({@code kafka.broker.lib}). Its storage is formatted
 * first ({@code kafka.tools.StorageTool format}), its log directory and log file live under {@code target/kafka}, it
 * listens on 127.0.0.1 only, on ports that were free a moment before, and readiness is polled through the admin client
 * with a deadline. One broker per test JVM: the first test class that uses {@link Extension} starts it; JUnit closes it
 * when the run ends (also when tests fail), and a shutdown hook kills it if the JVM goes down another way.
 */
public final class KafkaBroker implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(KafkaBroker.class);
    private static volatile KafkaBroker current;

    private final Process process;
    private final String bootstrap;
    private final Path log;
    private final Thread shutdownHook;
    private final Admin admin;

    private KafkaBroker(Process process, String bootstrap, Path log) {
        this.process = process;
        this.bootstrap = bootstrap;
        this.log = log;
        this.shutdownHook = new Thread(process::destroyForcibly, "kafka-broker-kill");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    }

    /** Starts the broker (once per test JVM) before the first test class that needs it. */
    public static final class Extension implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            current = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(KafkaBroker.class, k -> start(), KafkaBroker.class);
        }
    }

    /**
     * The running broker.
     *
     * @return the broker started by {@link Extension}
     */
    public static KafkaBroker get() {
        KafkaBroker b = current;
        if (b == null) {
            throw new IllegalStateException("the Kafka broker is not running: annotate the test class with @ExtendWith(KafkaBroker.Extension.class)");
        }
        return b;
    }

    /**
     * Where clients connect.
     *
     * @return {@code 127.0.0.1:port}
     */
    public String bootstrap() {
        return bootstrap;
    }

    /**
     * An admin client on the broker, open for the whole run (do not close it).
     *
     * @return the client
     */
    public Admin admin() {
        return admin;
    }

    /**
     * Where the broker's output goes.
     *
     * @return the log file
     */
    public Path log() {
        return log;
    }

    /**
     * Creates a topic and waits until the broker has created it.
     *
     * @param name the topic
     * @param partitions its partition count
     */
    public void createTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topic " + name + "; broker log: " + log, e);
        }
    }

    private static KafkaBroker start() {
        Path lib = Paths.get(System.getProperty("kafka.broker.lib", "broker/target/lib")).toAbsolutePath();
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("Kafka broker jars not found at " + lib
                    + ": build with the reactor (mvn -pl examples/kafka -am verify), which assembles them in examples/kafka/broker");
        }
        Path work = Paths.get(System.getProperty("kafka.workDir", "target/kafka")).toAbsolutePath();
        try {
            Files.createDirectories(work);
            Path dir = Files.createTempDirectory(work, "broker-");
            int port = freePort();
            int controllerPort = freePort();
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("log.dirs", dir.resolve("data").toString());
            p.put("num.partitions", "1");
            p.put("auto.create.topics.enable", "false");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("log.index.size.max.bytes", "1048576");
            p.put("log.segment.bytes", "16777216");
            Path config = dir.resolve("server.properties");
            try (var out = Files.newBufferedWriter(config)) {
                p.store(out, "single-node KRaft broker for the Kafka example's tests");
            }
            Path log4j = dir.resolve("log4j2.properties");
            Files.writeString(log4j, String.join("\n",
                    "status = warn",
                    "appender.out.type = Console",
                    "appender.out.name = out",
                    "appender.out.layout.type = PatternLayout",
                    "appender.out.layout.pattern = [%d] %p %m (%c)%n",
                    "rootLogger.level = info",
                    "rootLogger.appenderRef.out.ref = out",
                    "logger.config.name = org.apache.kafka.common.config.AbstractConfig",
                    "logger.config.level = warn",
                    ""), StandardCharsets.UTF_8);
            Path log = dir.resolve("broker.log");
            String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            String cp = lib + "/*";

            List<String> format = List.of(java, "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp,
                    "-Dlog4j2.configurationFile=" + log4j, "kafka.tools.StorageTool", "format",
                    "-t", Uuid.randomUuid().toString(), "-c", config.toString());
            Process formatting = new ProcessBuilder(format).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!formatting.waitFor(60, TimeUnit.SECONDS) || formatting.exitValue() != 0) {
                formatting.destroyForcibly();
                throw new IllegalStateException("kafka-storage format failed:\n" + Files.readString(dir.resolve("format.log")));
            }

            List<String> command = new ArrayList<>(List.of(java, "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-cp", cp,
                    "-Dlog4j2.configurationFile=" + log4j, "kafka.Kafka", config.toString()));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            KafkaBroker broker = new KafkaBroker(process, "127.0.0.1:" + port, log);
            try {
                broker.awaitReady();
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Kafka broker", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the Kafka broker", e);
        }
    }

    /** Polls the cluster through the admin client until it answers with this node, within a deadline. */
    private void awaitReady() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited with status " + process.exitValue() + " before it was ready:\n" + tail());
            }
            try {
                if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the Kafka broker", e);
            } catch (ExecutionException | TimeoutException e) {
                last = e; // not up yet: the admin client's own reconnect backoff paces the next try
            }
        }
        throw new IllegalStateException("the Kafka broker was not ready within " + START_TIMEOUT.toSeconds() + " s:\n" + tail(), last);
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return lines.subList(Math.max(0, lines.size() - 40), lines.size()).stream().collect(Collectors.joining("\n"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Stops the broker: SIGTERM, then SIGKILL if it has not stopped in 15 s. */
    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
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
        current = null;
    }
}

package dev.checkpointer.store.gcs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Firebase Storage emulator (npm {@code firebase-tools}, installed by the module's build under
 * {@code .ci-cache/firebase-tools}), one per test JVM, started by {@link FirebaseStorageEmulatorExtension}: it
 * serves the GCS JSON API on 127.0.0.1, and any bucket exists.
 *
 * <p>Started as {@code node …/firebase.js emulators:start --only storage --project demo-checkpointer} in
 * {@code target/firebase-emulator}, with a generated {@code firebase.json} (storage, hub and logging ports picked
 * free, no UI), a {@code demo-} project (offline: no login, no Google APIs), {@code CI=true} (no message-of-the-day
 * fetch), its config and temp folders inside the work folder, and {@code STORAGE_EMULATOR_BINARY_PATH} naming a jar
 * of {@link AllowAllRulesRuntime} written here, so that nothing is downloaded at start. firebase-tools needs Java 21
 * or newer on the {@code PATH} of the emulator: {@link #javaHome()} finds one.
 */
public final class FirebaseStorageEmulator implements AutoCloseable {
    /** A {@code demo-} project: the emulator runs offline and never asks for credentials. */
    public static final String PROJECT = "demo-checkpointer";
    /** The bucket the tests use (every bucket exists on the emulator). */
    public static final String BUCKET = "checkpointer-emulator";
    /**
     * Upload chunk of the stores over the emulator. The emulator finalises a resumable upload on its first chunk, so
     * every upload must fit in one: this is larger than any payload of the contract suites (6 MiB + 7 bytes).
     */
    public static final int CHUNK = 8 * 1024 * 1024;

    private static final int MIN_JAVA = 21;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final int ATTEMPTS = 3;
    private static volatile FirebaseStorageEmulator shared;

    private final Process process;
    private final int port;
    private final Path log;
    private final Thread hook;

    private FirebaseStorageEmulator(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.hook = new Thread(this::stop, "firebase-emulator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /**
     * The running emulator, started on first use.
     *
     * @return the emulator
     */
    public static synchronized FirebaseStorageEmulator shared() {
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

    /** The port the GCS JSON API listens on. */
    public int port() {
        return port;
    }

    /** The endpoint to give the client ({@code GcsStore.Builder.endpoint}). */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * A store builder over the emulator: anonymous, every upload through a resumable session of one chunk (the
     * emulator refuses the client's one-request multipart uploads and breaks multi-chunk sessions), small list pages.
     *
     * @param prefix the key prefix
     * @return the builder
     */
    public GcsStore.Builder store(String prefix) {
        return GcsStore.builder().bucket(BUCKET).prefix(prefix).endpoint(endpoint()).anonymous(true)
                .singleRequestUploads(false).chunkSize(CHUNK).readChunkSize(64 * 1024).listPageSize(250).threads(8);
    }

    /** Drops every object ({@code POST /internal/reset}). */
    public void reset() {
        HttpRequest req = HttpRequest.newBuilder(URI.create(endpoint() + "/internal/reset"))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build();
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("reset answered " + r.statusCode() + ": " + r.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ============================================================================================ start

    private static FirebaseStorageEmulator start() {
        Path cli = firebaseCli();
        Path javaHome = javaHome();
        Path work = Paths.get(System.getProperty("firebase.work.dir", "target/firebase-emulator")).toAbsolutePath();
        try {
            Files.createDirectories(work.resolve("tmp"));
            Files.createDirectories(work.resolve("config"));
            Path jar = work.resolve("allow-all-rules-runtime.jar");
            writeRulesRuntimeJar(jar);
            Files.writeString(work.resolve("storage.rules"), """
                    rules_version = '2';
                    service firebase.storage {
                      match /b/{bucket}/o {
                        match /{allPaths=**} {
                          allow read, write: if true;
                        }
                      }
                    }
                    """, StandardCharsets.UTF_8);
            IllegalStateException failure = null;
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                try {
                    return startOnce(cli, javaHome, work, jar, attempt);
                } catch (IllegalStateException e) {
                    // most likely a port picked free was taken before the emulator bound it: pick new ones
                    failure = e;
                }
            }
            throw failure;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the Firebase Storage emulator in " + work, e);
        }
    }

    private static FirebaseStorageEmulator startOnce(Path cli, Path javaHome, Path work, Path jar, int attempt) throws IOException {
        int[] ports = freePorts(3);
        Files.writeString(work.resolve("firebase.json"), """
                {
                  "storage": {"rules": "storage.rules"},
                  "emulators": {
                    "storage": {"host": "127.0.0.1", "port": %d},
                    "hub": {"host": "127.0.0.1", "port": %d},
                    "logging": {"host": "127.0.0.1", "port": %d},
                    "ui": {"enabled": false},
                    "singleProjectMode": true
                  }
                }
                """.formatted(ports[0], ports[1], ports[2]), StandardCharsets.UTF_8);
        Path log = Paths.get(System.getProperty("firebase.log", work.resolve("emulator.log").toString())).toAbsolutePath();
        Files.createDirectories(log.getParent());
        List<String> command = List.of(System.getProperty("node.executable", "node"), cli.toString(),
                "emulators:start", "--only", "storage", "--project", PROJECT);
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(attempt == 1 ? ProcessBuilder.Redirect.to(log.toFile()) : ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = pb.environment();
        String javaBin = javaHome.resolve("bin").toString();
        env.put("PATH", javaBin + java.io.File.pathSeparator + env.getOrDefault("PATH", ""));
        env.put("JAVA_HOME", javaHome.toString());
        env.put("STORAGE_EMULATOR_BINARY_PATH", jar.toString());
        env.put("CI", "true"); // no MOTD fetch, no prompts
        env.put("NO_UPDATE_NOTIFIER", "1");
        env.put("XDG_CONFIG_HOME", work.resolve("config").toString());
        env.put("TMPDIR", work.resolve("tmp").toString()); // the emulator keeps object bytes under $TMPDIR/firebase
        env.remove("FIREBASE_TOKEN");
        env.remove("GOOGLE_APPLICATION_CREDENTIALS");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the Firebase Storage emulator (" + command + "): is Node installed?", e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the Firebase Storage emulator exited with " + p.exitValue() + " before it listened on "
                        + ports[0] + "; see " + log + ":\n" + tail(log));
            }
            if (listening(ports[0])) {
                return new FirebaseStorageEmulator(p, ports[0], log);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                destroy(p);
                throw new IllegalStateException(e);
            }
        }
        destroy(p);
        throw new IllegalStateException("the Firebase Storage emulator did not listen on " + ports[0] + " within " + START_TIMEOUT + "; see "
                + log + ":\n" + tail(log));
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    /** The Firebase CLI the build installed. */
    private static Path firebaseCli() {
        String home = System.getProperty("firebase.tools.home");
        Path base = home != null ? Paths.get(home) : Paths.get(System.getProperty("basedir", "."), ".ci-cache", "firebase-tools");
        Path cli = base.resolve(Paths.get("node_modules", "firebase-tools", "lib", "bin", "firebase.js"));
        if (!Files.isRegularFile(cli)) {
            throw new IllegalStateException("firebase-tools is not installed at " + cli.toAbsolutePath()
                    + "; run the module's build (it runs npm install firebase-tools into .ci-cache/firebase-tools)");
        }
        return cli;
    }

    /** Packs {@link AllowAllRulesRuntime}'s class file, compiled by the test build, into a runnable jar. */
    private static void writeRulesRuntimeJar(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, AllowAllRulesRuntime.class.getName());
        String entry = AllowAllRulesRuntime.class.getName().replace('.', '/') + ".class";
        Path tmp = Files.createTempFile(jar.getParent(), "rules", ".jar");
        try (InputStream in = AllowAllRulesRuntime.class.getClassLoader().getResourceAsStream(entry);
                OutputStream file = Files.newOutputStream(tmp);
                JarOutputStream out = new JarOutputStream(file, manifest)) {
            if (in == null) {
                throw new IOException("class file " + entry + " not found");
            }
            out.putNextEntry(new JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    // ============================================================================================ Java 21+

    private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"?(\\d+)(?:\\.(\\d+))?", Pattern.MULTILINE);

    /**
     * A Java 21+ installation for firebase-tools: the system property {@code firebase.java.home} or the environment
     * variable {@code FIREBASE_JAVA_HOME} when set, else this JVM when it is new enough, else the newest one found in
     * the usual places ({@code /usr/lib/jvm}, {@code /opt/java}, SDKMAN, macOS).
     *
     * @return the installation's home
     */
    static Path javaHome() {
        String explicit = Optional.ofNullable(System.getProperty("firebase.java.home")).filter(s -> !s.isBlank())
                .orElse(System.getenv("FIREBASE_JAVA_HOME"));
        if (explicit != null && !explicit.isBlank()) {
            Path home = Paths.get(explicit);
            if (feature(home) < MIN_JAVA || !hasJava(home)) {
                throw new IllegalStateException("firebase.java.home / FIREBASE_JAVA_HOME = " + home + " is no Java " + MIN_JAVA + "+ installation");
            }
            return home;
        }
        Path current = Paths.get(System.getProperty("java.home"));
        if (Runtime.version().feature() >= MIN_JAVA && hasJava(current)) {
            return current;
        }
        List<Path> roots = new ArrayList<>(List.of(Paths.get("/usr/lib/jvm"), Paths.get("/usr/lib64/jvm"), Paths.get("/usr/java"),
                Paths.get("/opt/java"), Paths.get("/opt"), Paths.get("/Library/Java/JavaVirtualMachines")));
        roots.add(Paths.get(System.getProperty("user.home"), ".sdkman", "candidates", "java"));
        Path best = null;
        int bestVersion = 0;
        for (Path root : roots) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
                for (Path d : dirs) {
                    for (Path home : List.of(d, d.resolve("Contents").resolve("Home"))) {
                        int v = feature(home);
                        if (v > bestVersion && hasJava(home)) {
                            best = home;
                            bestVersion = v;
                        }
                    }
                }
            } catch (IOException e) {
                // unreadable folder: look elsewhere
            }
        }
        if (best == null || bestVersion < MIN_JAVA) {
            throw new IllegalStateException("firebase-tools needs Java " + MIN_JAVA + "+ and none was found (this JVM is "
                    + Runtime.version().feature() + "); install one or point -Dfirebase.java.home (or FIREBASE_JAVA_HOME) at it");
        }
        return best;
    }

    private static boolean hasJava(Path home) {
        Path bin = home.resolve("bin");
        return Files.isExecutable(bin.resolve("java")) || Files.isExecutable(bin.resolve("java.exe"));
    }

    /** The feature version in an installation's {@code release} file, 0 when there is none. */
    private static int feature(Path home) {
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(home.resolve("release"), StandardCharsets.UTF_8));
            if (!m.find()) {
                return 0;
            }
            int major = Integer.parseInt(m.group(1));
            return major == 1 && m.group(2) != null ? Integer.parseInt(m.group(2)) : major;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    // ============================================================================================ stop

    private void stop() {
        destroy(process);
    }

    private static void destroy(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy(); // SIGTERM: the CLI stops the emulator and its rules runtime cleanly
        try {
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        for (ProcessHandle c : children) {
            c.destroyForcibly(); // only our own child processes, if the CLI left any behind
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    @Override
    public String toString() {
        return "FirebaseStorageEmulator[" + endpoint() + ", log " + log + "]";
    }
}

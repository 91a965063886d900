package dev.checkpointer.store.filesystem;

import dev.checkpointer.store.filesystem.internal.FsObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.PutOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code file:} URIs: both forms, options, refusals, ServiceLoader registration, and the engine on top. */
class FileSystemStoreProviderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final FileSystemStoreProvider provider = new FileSystemStoreProvider();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final List<Path> relativeDirs = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
        for (Path p : relativeDirs) {
            if (Files.exists(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(q);
                    }
                }
            }
        }
    }

    private ObjectStore open(String uri, Map<String, String> options) {
        ObjectStore s = provider.open(URI.create(uri), options);
        toClose.add(s);
        return s;
    }

    private String relative(String name) {
        String rel = "target/provider-test-" + System.nanoTime() + "/" + name;
        relativeDirs.add(Path.of(rel.substring(0, rel.indexOf('/', "target/".length()))).toAbsolutePath());
        return rel;
    }

    @Test
    void theProviderIsFoundByServiceLoaderForFileUris() {
        List<ObjectStoreProvider> found = ServiceLoader.load(ObjectStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(p -> p instanceof FileSystemStoreProvider)
                .toList();
        assertThat(found).hasSize(1);
        ObjectStoreProvider p = found.get(0);
        assertThat(p.schemes()).containsExactly("file");
        assertThat(p.supports(URI.create("file:///tmp/x"))).isTrue();
        assertThat(p.supports(URI.create("FILE:relative"))).isTrue();
        assertThat(p.supports(URI.create("s3://bucket/x"))).isFalse();
    }

    @Test
    void absoluteUrisOpenThatDirectory() throws IOException {
        Path abs = dir.resolve("abs store");
        for (String uri : List.of(abs.toUri().toString(), "file://" + abs.toUri().getRawPath(), "file:" + abs.toUri().getRawPath(),
                "file://localhost" + abs.toUri().getRawPath())) {
            ObjectStore s = open(uri, Map.of());
            s.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT); // the first write creates the root
            assertThat(((FsObjectStore) s).root()).as(uri).isEqualTo(abs.toRealPath());
            assertThat(s.describe()).isEqualTo(abs.toRealPath().toUri().toString().replaceAll("/$", ""));
        }
        assertThat(abs.toUri().toString()).contains("%20");
    }

    @Test
    void relativeUrisOpenADirectoryBelowTheWorkingDirectory() throws IOException {
        String rel = relative("rel dir+plus");
        ObjectStore s = open("file:" + rel.replace(" ", "%20") + "?fsync=false&threads=2", Map.of());
        Path expected = Path.of("").toAbsolutePath().resolve(rel);
        assertThat(expected).doesNotExist(); // opening creates nothing
        s.put("first", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT);
        assertThat(((FsObjectStore) s).root()).isEqualTo(expected.toRealPath());
        assertThat(expected.getFileName().toString()).isEqualTo("rel dir+plus");
        s.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT);
        assertThat(expected.resolve("k")).isRegularFile();
    }

    @Test
    void optionsComeFromTheQueryAndTheMapWhichWins() {
        ObjectStore s = open(dir.toUri() + "?fsync=false&threads=2&readChunkSize=64KiB&createRoot=true&extendedAttributes=false",
                Map.of());
        assertThat(((FsObjectStore) s).usesExtendedAttributes()).isFalse();
        s.put("k", Payload.of(new byte[200_000]), PutOptions.none()).block(TIMEOUT);
        assertThat(s.get("k", dev.checkpointer.spi.ByteRange.ALL).flatMapMany(c -> c.body()).count().block(TIMEOUT)).isEqualTo(4);
        // the map overrides a bad query value
        open(dir.toUri() + "?threads=lots", Map.of("threads", "3"));
        assertThatThrownBy(() -> open(dir.toUri() + "?threads=lots", Map.of())).isInstanceOf(InvalidInputException.class).hasMessageContaining("threads");
        ObjectStore absent = open(dir.resolve("absent").toUri() + "?createRoot=false", Map.of());
        assertThatThrownBy(() -> absent.list("").blockLast(TIMEOUT))
                .isInstanceOfSatisfying(dev.checkpointer.StoreException.class,
                        e -> assertThat(e.code()).isEqualTo(dev.checkpointer.ErrorCode.STORE_LOCATION_NOT_FOUND))
                .hasMessageContaining("no checkpoint location at " + dir.resolve("absent"));
        assertThat(dir.resolve("absent")).doesNotExist();
    }

    @Test
    void unknownOptionsAreRefusedWithoutEchoingTheirValues() {
        for (String uri : List.of(dir.toUri() + "?secretKey=hunter2", "file:" + relative("x") + "?token=hunter2&fsync=true")) {
            assertThatThrownBy(() -> open(uri, Map.of()))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("unknown filesystem store option")
                    .hasMessageNotContaining("hunter2");
        }
        assertThatThrownBy(() -> open(dir.toUri().toString(), Map.of("password", "hunter2")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("password").hasMessageNotContaining("hunter2");
    }

    @Test
    void urisThatNameNoLocalDirectoryAreRefusedWithoutEchoingTheQuery() {
        assertThatThrownBy(() -> open("file://fileserver/share/x?token=hunter2", Map.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("fileserver").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> open("file:?token=hunter2", Map.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("needs a path").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> open(dir.toUri() + "#frag", Map.of())).isInstanceOf(InvalidInputException.class).hasMessageContaining("fragment");
        assertThatThrownBy(() -> provider.open(URI.create("s3://bucket/x"), Map.of())).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void userInfoInAFileUriIsRefusedAndNeverEchoed() {
        Path target = dir.resolve("with-credentials");
        String path = target.toUri().getRawPath();
        List<String> uris = List.of(
                "file://admin:SECRET@fileserver" + path,
                "file://admin:SECRET@localhost" + path,
                "file://admin:SECRET@localhost" + path + "#fragment",
                "file://admin:SECRET@localhost" + path + "?fsync=false",
                "file://admin:SECRET@file_server" + path); // registry-based authority: no parsed user-info or host
        for (String uri : uris) {
            for (Runnable opening : List.<Runnable>of(() -> open(uri, Map.of()), () -> Checkpointer.open(uri).close())) {
                Throwable e = org.assertj.core.api.Assertions.catchThrowable(opening::run);
                assertThat(e).as(uri).isInstanceOf(InvalidInputException.class).hasMessageContaining("must not carry credentials");
                for (Throwable t = e; t != null; t = t.getCause()) {
                    assertThat(t.getMessage()).as(uri).doesNotContain("SECRET").doesNotContain("admin:");
                    assertThat(t.toString()).as(uri).doesNotContain("SECRET").doesNotContain("admin:");
                }
            }
        }
        assertThat(target).as("nothing is created on disk").doesNotExist();
    }

    @Test
    void redactedUrisShowNeitherUserInfoNorQueryNorFragment() {
        assertThat(FileSystemStoreProvider.redact(URI.create("file://admin:SECRET@localhost/srv/x?token=hunter2#frag")))
                .isEqualTo("file://…@localhost/srv/x?…#…");
        assertThat(FileSystemStoreProvider.redact(URI.create("s3://key:SECRET@bucket/p"))).isEqualTo("s3://…@bucket/p");
        assertThat(FileSystemStoreProvider.redact(URI.create("file:///srv/x#frag"))).isEqualTo("file:///srv/x#…");
        assertThat(FileSystemStoreProvider.redact(URI.create("file:/srv/x"))).isEqualTo("file:/srv/x");
        assertThat(FileSystemStoreProvider.redact(URI.create("file:rel/x?token=hunter2"))).isEqualTo("file:rel/x?…");
        assertThatThrownBy(() -> open("s3://key:SECRET@bucket/p", Map.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageNotContaining("SECRET").hasMessageNotContaining("key:");
    }

    @Test
    void aCheckpointerOpensFileUrisEndToEnd() {
        String uri = dir.resolve("cp").toUri() + "?fsync=true";
        try (Checkpointer cp = Checkpointer.open(uri)) {
            cp.save(Snapshot.builder().partition("op", 0, Payload.of("hello".getBytes(StandardCharsets.UTF_8))).build()).block(TIMEOUT);
        }
        try (Checkpointer again = Checkpointer.open("file:" + dir.resolve("cp"))) {
            Checkpoint latest = again.latest().block(TIMEOUT);
            assertThat(new String(Buffers.toArray(latest.read("op", 0).block(TIMEOUT)), StandardCharsets.UTF_8)).isEqualTo("hello");
        }
        assertThat(dir.resolve("cp").resolve("_latest")).isRegularFile();
        String rel = relative("engine");
        try (Checkpointer cp = Checkpointer.open("file:" + rel + "?fsync=false")) {
            cp.save(Snapshot.builder().partition("op", 0, Payload.of(new byte[] {1})).build()).block(TIMEOUT);
        }
        assertThat(Path.of(rel).resolve("_latest")).isRegularFile();
    }
}

package dev.checkpointer.store.filesystem;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PutOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code file:} store creates state owner-only by default, and only as wide as the {@code permissions} option says. */
class FileSystemPermissionsTest {
    private static final Duration T = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @BeforeEach
    void posixOnly() {
        assumeTrue(FileSystems.getDefault().supportedFileAttributeViews().contains("posix"), "needs a file system with POSIX permissions");
    }

    /** Every file and directory under {@code root} (root included), with its mode. */
    private static Map<String, String> modes(Path root) throws IOException {
        Map<String, String> modes = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                String kind = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir " : "file ";
                modes.put(kind + root.relativize(p), PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
            }
        }
        return modes;
    }

    /** Writes through every path that creates files: plain, create-if-absent (hard link), if-match (lock file), multipart. */
    private static MultipartUpload exercise(ObjectStore store) {
        store.put("a/b/plain", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        ObjectInfo created = store.put("a/c/created", Payload.of(new byte[] {2}), PutOptions.ifAbsent()).block(T);
        store.put("a/c/created", Payload.of(new byte[] {3}), PutOptions.ifMatch(created.etag())).block(T);
        MultipartUpload upload = store.startMultipart("m/whole", PutOptions.none()).block(T);
        upload.complete(java.util.List.of(upload.uploadPart(1, Payload.of(new byte[] {4})).block(T))).block(T);
        MultipartUpload pending = store.startMultipart("m/pending", PutOptions.none()).block(T);
        pending.uploadPart(1, Payload.of(new byte[] {5})).block(T); // left in flight: its directory, key file and part
        return pending;
    }

    @Test
    void everythingTheStoreCreatesIsOwnerOnlyByDefault() throws IOException {
        Path root = dir.resolve("new/root");
        try (ObjectStore store = FileSystemStore.builder(root).build()) {
            exercise(store);
            Map<String, String> modes = modes(dir.resolve("new"));
            assertThat(modes).containsKeys("dir ", "dir root", "file root/a/b/plain", "file root/a/c/created", "file root/m/whole",
                    "dir root/.checkpointer-store", "file root/.checkpointer-store/lock");
            assertThat(modes.keySet()).anySatisfy(k -> assertThat(k).contains(".checkpointer-store/uploads/").endsWith("/key"));
            assertThat(modes.keySet()).as("a part in flight").anySatisfy(k -> assertThat(k).contains(".checkpointer-store/uploads/").startsWith("file")
                    .doesNotEndWith("/key"));
            modes.forEach((path, mode) -> assertThat(mode).as(path).isEqualTo(path.startsWith("dir ") ? "rwx------" : "rw-------"));
        }
    }

    @Test
    void theEngineOnTopLeavesNothingReadableByOthers() throws IOException {
        Path root = dir.resolve("cp");
        try (Checkpointer cp = Checkpointer.open(root.toUri().toString())) {
            cp.save(Snapshot.builder().partition("counts", 0, Payload.of(new byte[200_000])).partition("small", 0, Payload.of(new byte[] {1})).build())
                    .block(T);
        }
        Map<String, String> modes = modes(root);
        assertThat(modes).hasSizeGreaterThan(4).containsKey("file _latest");
        modes.forEach((path, mode) -> assertThat(mode).as(path).isEqualTo(path.startsWith("dir ") ? "rwx------" : "rw-------"));
    }

    @Test
    void thePermissionsOptionWidensFilesAndDirectories() throws IOException {
        Path root = dir.resolve("shared");
        try (ObjectStore store = new FileSystemStoreProvider()
                .open(URI.create(root.toUri() + "?permissions=group-read"), Map.of())) {
            exercise(store);
        }
        Map<String, String> modes = modes(root);
        assertThat(modes).containsKey("file a/b/plain");
        modes.forEach((path, mode) -> assertThat(mode).as(path).isEqualTo(path.startsWith("dir ") ? "rwxr-x---" : "rw-r-----"));

        Path octal = dir.resolve("octal");
        try (ObjectStore store = FileSystemStore.builder(octal).permissions("0660").build()) {
            store.put("x/y", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        }
        // set explicitly after creation, so a umask of 022 does not take the group's write away
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(octal.resolve("x/y")))).isEqualTo("rw-rw----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(octal.resolve("x")))).isEqualTo("rwxrwx---");

        Path symbolic = dir.resolve("symbolic");
        try (ObjectStore store = FileSystemStore.builder(symbolic).permissions("rw-r--r--").build()) {
            store.put("x", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(symbolic.resolve("x")))).isEqualTo("rw-r--r--");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(symbolic))).isEqualTo("rwxr-xr-x");
    }

    @Test
    void existingDirectoriesAreLeftAlone() throws IOException {
        Path root = Files.createDirectories(dir.resolve("existing"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-x---"));
        try (ObjectStore store = FileSystemStore.builder(root).build()) {
            store.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).isEqualTo("rwxr-x---");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("k")))).isEqualTo("rw-------");
    }

    @Test
    void badValuesAreRefusedWithTheAcceptedForms() {
        for (String bad : new String[] {"755", "rwxr-x---", "400", "r--------", "-w-------", "banana", "7777", "rw-r-----x", ""}) {
            assertThatThrownBy(() -> FileSystemStore.builder(dir).permissions(bad)).as(bad)
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("permissions must be owner-only (the default: rw-------), group-read")
                    .hasMessageContaining("no execute bits");
        }
        assertThatThrownBy(() -> new FileSystemStoreProvider().open(URI.create(dir.toUri() + "?permissions=777"), Map.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("got '777'");
        assertThat(new FileSystemStoreProvider().optionNames()).contains("permissions");
    }
}

package dev.checkpointer.store.filesystem;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.filesystem.internal.FsObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.PutOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A missing root is never created by opening or reading: with createRoot on it reads as an empty location until the
 * first write creates it; with createRoot off every operation fails with STORE_LOCATION_NOT_FOUND, and the engine's
 * read paths pass that on instead of reporting "no checkpoints".
 */
class FileSystemMissingRootTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void withCreateRootReadsSeeAnEmptyLocationAndCreateNothingAndTheFirstWriteCreatesTheRoot() {
        Path root = dir.resolve("a/b/typo");
        try (ObjectStore s = FileSystemStore.open(root)) {
            assertThat(((FsObjectStore) s).root()).isEqualTo(root.toAbsolutePath().normalize());
            assertThat(s.describe()).isEqualTo(root.toUri().toString().replaceAll("/$", ""));
            assertThat(s.list("").collectList().block(TIMEOUT)).isEmpty();
            assertThatThrownBy(() -> s.get("_latest", ByteRange.ALL).block(TIMEOUT))
                    .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_NOT_FOUND));
            assertThatThrownBy(() -> s.head("_latest").block(TIMEOUT))
                    .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_NOT_FOUND));
            s.delete("x").block(TIMEOUT);
            s.deleteAll(List.of("x", "y/z")).block(TIMEOUT);
            assertThat(s.cleanupIncomplete("", Instant.now()).collectList().block(TIMEOUT)).isEmpty();
            // keys are still checked before anything else
            assertThatThrownBy(() -> s.get("../escape", ByteRange.ALL).block(TIMEOUT)).isInstanceOf(InvalidInputException.class);
            assertThat(dir.resolve("a")).doesNotExist();

            s.put("k", Payload.of(new byte[] {7}), PutOptions.none()).block(TIMEOUT);
            assertThat(root).isDirectory();
            assertThat(((FsObjectStore) s).root()).isEqualTo(root.toAbsolutePath().normalize());
            assertThat(s.get("k", ByteRange.ALL).flatMap(c -> c.body().count()).block(TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void anApplicationsFirstStartStillFindsNoCheckpointThenSaves() {
        Path root = dir.resolve("app");
        try (ObjectStore s = FileSystemStore.open(root); Checkpointer cp = Checkpointer.builder().store(s).build()) {
            assertThat(cp.latest().block(TIMEOUT)).isNull();
            assertThat(cp.list().collectList().block(TIMEOUT)).isEmpty();
            assertThat(root).doesNotExist();
            cp.save(Snapshot.builder().partition("op", 0, Payload.of(new byte[] {1})).build()).block(TIMEOUT);
            assertThat(cp.latest().block(TIMEOUT)).isNotNull();
        }
    }

    @Test
    void withoutCreateRootEveryOperationAndEveryEngineReadFailsNamingTheLocation() {
        Path root = dir.resolve("typo");
        try (ObjectStore s = FileSystemStore.builder(root).createRoot(false).build();
                Checkpointer cp = Checkpointer.builder().store(s).build()) {
            List<Supplier<Object>> reads = List.of(
                    () -> s.list("").collectList().block(TIMEOUT),
                    () -> s.get("_latest", ByteRange.ALL).block(TIMEOUT),
                    () -> s.head("_latest").block(TIMEOUT),
                    () -> s.delete("x").block(TIMEOUT),
                    () -> s.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT),
                    () -> cp.latest().block(TIMEOUT),
                    () -> cp.list().collectList().block(TIMEOUT),
                    () -> cp.load(CheckpointId.of(1)).block(TIMEOUT),
                    () -> cp.prune().block(TIMEOUT),
                    () -> cp.save(Snapshot.builder().partition("op", 0, Payload.of(new byte[] {1})).build()).block(TIMEOUT));
            for (int i = 0; i < reads.size(); i++) {
                Supplier<Object> read = reads.get(i);
                assertThatThrownBy(read::get).as("operation %d", i)
                        .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_LOCATION_NOT_FOUND))
                        .hasMessageContaining("no checkpoint location at " + root);
            }
            assertThat(root).doesNotExist();
        }
    }

    @Test
    void withoutCreateRootAnExistingEmptyDirectoryIsAnEmptyLocationAndALaterCreatedOneIsFound() throws Exception {
        Path root = dir.resolve("later");
        try (ObjectStore s = FileSystemStore.builder(root).createRoot(false).build();
                Checkpointer cp = Checkpointer.builder().store(s).build()) {
            assertThatThrownBy(() -> cp.latest().block(TIMEOUT)).isInstanceOf(CheckpointException.class);
            Files.createDirectories(root);
            assertThat(cp.latest().block(TIMEOUT)).isNull();
            assertThat(cp.list().collectList().block(TIMEOUT)).isEmpty();
        }
    }
}

package dev.checkpointer.store.filesystem;

import dev.checkpointer.store.filesystem.internal.FsObjectStore;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.CheckpointerContract;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end checkpointer contract on disk: the engine's commit protocol, multipart path (its test sizes make
 * large partitions go multipart), integrity checks and retention over real files. A new store instance on the same
 * directory plays the restarted process.
 */
class FileSystemCheckpointerTest extends CheckpointerContract {
    @TempDir
    Path dir;

    private final List<ObjectStore> reopened = new ArrayList<>();

    @Override
    protected ObjectStore createStore(String testName) {
        return FileSystemStore.open(dir.resolve(testName));
    }

    @Override
    protected ObjectStore reopen(ObjectStore original) {
        ObjectStore s = FileSystemStore.open(((FsObjectStore) original).root());
        reopened.add(s);
        return s;
    }

    @AfterEach
    void closeReopened() {
        reopened.forEach(ObjectStore::close);
    }
}

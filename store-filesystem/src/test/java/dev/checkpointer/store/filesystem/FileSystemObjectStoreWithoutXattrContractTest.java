package dev.checkpointer.store.filesystem;

import dev.checkpointer.store.filesystem.internal.FsObjectStore;
import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.ObjectStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store SPI contract with extended attributes turned off: ETags derive from file identity, size and a
 * modification time the store keeps strictly increasing per key (what file systems without user attributes get).
 */
class FileSystemObjectStoreWithoutXattrContractTest extends ObjectStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ObjectStore createStore(String testName) {
        ObjectStore store = FileSystemStore.builder(dir.resolve(testName)).extendedAttributes(false).build();
        assertThat(((FsObjectStore) store).usesExtendedAttributes()).isFalse();
        return store;
    }
}

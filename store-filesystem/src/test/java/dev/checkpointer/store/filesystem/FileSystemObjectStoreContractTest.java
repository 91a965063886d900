package dev.checkpointer.store.filesystem;

import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.ObjectStoreContract;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;

/** The store SPI contract on a local directory, with ETag write ids in extended attributes (the default). */
class FileSystemObjectStoreContractTest extends ObjectStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ObjectStore createStore(String testName) {
        return FileSystemStore.open(dir.resolve(testName));
    }

    @Override
    protected Optional<Capabilities> expectedCapabilities() {
        return Optional.of(new Capabilities(true, true, true, 1, 10_000, false));
    }
}

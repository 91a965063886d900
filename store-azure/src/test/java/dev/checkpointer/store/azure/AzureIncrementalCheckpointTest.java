package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.IncrementalCheckpointContract;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Incremental checkpoints end to end on Azurite, with stores opened from {@code azblob://} URIs: unchanged state
 * uploads no chunk bytes, a 1% change about 1% plus chunk boundaries, zstd chunks, and retention leaving exactly the
 * kept checkpoints' chunks in the container.
 */
@ExtendWith(AzuriteExtension.class)
class AzureIncrementalCheckpointTest extends IncrementalCheckpointContract {
    private static final String CONTAINER = "incremental";

    @BeforeAll
    static void container() {
        // Holds its 32 MiB of state several times over: it belongs to the default execution, not to the pom's
        // bounded-memory one (-Xmx96m), which also runs it when -Dtest names it.
        assumeTrue(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax() > 128L << 20, "runs in the default execution, with a normal heap");
        Azurite.shared().container(CONTAINER);
    }

    @Override
    protected ObjectStore openStore(String location) {
        return new AzureBlobStoreProvider().open(URI.create("azblob://" + CONTAINER + "/" + location),
                Map.of("connectionString", Azurite.shared().connectionString()));
    }

    @Override
    protected String emulator() {
        return "Azurite";
    }
}

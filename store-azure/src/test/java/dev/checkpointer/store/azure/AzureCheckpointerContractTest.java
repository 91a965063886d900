package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.CheckpointerContract;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** The end-to-end checkpointer contract against Azurite, with stores opened from {@code azblob://} URIs. */
@ExtendWith(AzuriteExtension.class)
class AzureCheckpointerContractTest extends CheckpointerContract {
    private static final String CONTAINER = "checkpointer";

    @BeforeAll
    static void container() {
        Azurite.shared().container(CONTAINER);
    }

    @Override
    protected ObjectStore createStore(String testName) {
        return open(URI.create("azblob://" + CONTAINER + "/" + testName));
    }

    @Override
    protected ObjectStore reopen(ObjectStore original) {
        return open(URI.create("azblob://" + CONTAINER + "/" + ((dev.checkpointer.store.azure.internal.AzureObjectStore) original).prefix()));
    }

    private static ObjectStore open(URI uri) {
        return new AzureBlobStoreProvider().open(uri, Map.of("connectionString", Azurite.shared().connectionString(), "blockSize", "256KiB"));
    }
}

package dev.checkpointer.store.azure;

import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.ObjectStoreContract;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The store conformance kit against Azurite: every capability Azure has is claimed, so no test is skipped except
 * the one for stores without multipart uploads. Each test gets a fresh prefix in one container; list pages are kept
 * small so that listings cross page boundaries.
 */
@ExtendWith(AzuriteExtension.class)
class AzureObjectStoreContractTest extends ObjectStoreContract {
    private static final String CONTAINER = "contract";

    @BeforeAll
    static void container() {
        Azurite.shared().container(CONTAINER);
    }

    @Override
    protected ObjectStore createStore(String testName) {
        return AzureBlobStore.builder()
                .connectionString(Azurite.shared().connectionString())
                .container(CONTAINER)
                .prefix(testName)
                .listPageSize(400)
                .blockSize(1024 * 1024)
                .build();
    }

    @Override
    protected Optional<Capabilities> expectedCapabilities() {
        return Optional.of(new Capabilities(true, true, true, 1, 50_000, true));
    }
}

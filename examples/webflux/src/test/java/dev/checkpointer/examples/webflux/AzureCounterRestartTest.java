package dev.checkpointer.examples.webflux;

import dev.checkpointer.store.azure.Azurite;
import dev.checkpointer.store.azure.AzuriteExtension;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The restart test against Azure Blob Storage (Azurite on 127.0.0.1, started once per test JVM by store-azure's
 * launcher). Only the location and the store options differ from the filesystem run.
 */
@ExtendWith(AzuriteExtension.class)
class AzureCounterRestartTest extends AbstractCounterRestartTest {
    private static final String CONTAINER = "counters";
    private final String prefix = "run-" + UUID.randomUUID();

    @Override
    List<String> storeProperties() {
        Azurite azurite = Azurite.shared();
        azurite.container(CONTAINER); // created when missing
        return List.of("checkpointer.location=azblob://" + CONTAINER + "/" + prefix,
                "checkpointer.options.endpoint=" + azurite.endpoint(),
                "checkpointer.options.accountName=" + Azurite.ACCOUNT,
                "checkpointer.options.accountKey=" + Azurite.KEY);
    }

    @Override
    String scheme() {
        return "azblob";
    }
}

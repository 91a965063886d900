package dev.checkpointer.store.gcs;

import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.ObjectStoreContract;
import java.util.Optional;

/**
 * The conformance kit over the real google-cloud-storage client talking HTTP to {@link FakeGcsServer}: every
 * capability the store reports is exercised (conditional writes, crc32c and declared SHA-256 refusal, paginated
 * lists); multipart-SPI tests are skipped because the store reports {@code multipart=false} by design.
 */
class GcsObjectStoreContractTest extends ObjectStoreContract {

    @Override
    protected ObjectStore createStore(String testName) {
        return FakeGcs.store("contract/" + testName).build();
    }

    @Override
    protected Optional<Capabilities> expectedCapabilities() {
        return Optional.of(new Capabilities(true, true, false, 1, 1, false));
    }
}

package dev.checkpointer.store.s3;

import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.ObjectStoreContract;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The store conformance kit against S3Mock, through the store's own Netty-based client. Two tests are skipped for an
 * S3Mock bug, with the reason ({@link S3MockDeviations}); their substance is covered by {@link S3SpecificTest}.
 */
@ExtendWith({S3MockServer.Extension.class, S3MockDeviations.class})
class S3ObjectStoreContractTest extends ObjectStoreContract {

    @Override
    protected ObjectStore createStore(String testName) {
        return S3MockServer.get().store("contract/" + testName).build();
    }

    @Override
    protected Optional<Capabilities> expectedCapabilities() {
        return Optional.of(new Capabilities(true, true, true, 5L * 1024 * 1024, 10_000, true));
    }

    /** More than one ListObjectsV2 page (1000 keys), and less time in S3Mock than the default 1500. */
    @Override
    protected int manyKeys() {
        return 1100;
    }

    /** S3's ETag of a single-part upload is the MD5 of the bytes: rewriting identical bytes keeps it. */
    @Override
    protected boolean etagChangesOnIdenticalRewrite() {
        return false;
    }
}

package dev.checkpointer.store.gcs;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.CheckpointerContract;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;

/**
 * The end-to-end checkpointer contract over the real client and {@link FakeGcsServer}; a "restarted" process opens
 * a second store with its own client over the same prefix.
 */
class GcsCheckpointerContractTest extends CheckpointerContract {
    private final List<ObjectStore> reopened = new CopyOnWriteArrayList<>();

    @Override
    protected ObjectStore createStore(String testName) {
        return FakeGcs.store("e2e/" + testName).build();
    }

    @Override
    protected ObjectStore reopen(ObjectStore original) {
        String prefix = original.describe().substring(("gs://" + FakeGcs.BUCKET + "/").length());
        ObjectStore again = FakeGcs.store(prefix).build();
        reopened.add(again);
        return again;
    }

    @AfterEach
    void closeReopened() {
        reopened.forEach(ObjectStore::close);
    }
}

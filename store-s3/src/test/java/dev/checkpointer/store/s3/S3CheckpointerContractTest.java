package dev.checkpointer.store.s3;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.CheckpointerContract;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** The end-to-end checkpointer contract against S3Mock: a "restarted" process opens a second store (and client). */
@ExtendWith(S3MockServer.Extension.class)
class S3CheckpointerContractTest extends CheckpointerContract {
    private final List<ObjectStore> reopened = new CopyOnWriteArrayList<>();

    @Override
    protected ObjectStore createStore(String testName) {
        return S3MockServer.get().store("checkpointer/" + testName).build();
    }

    @Override
    protected ObjectStore reopen(ObjectStore original) {
        ObjectStore again = S3MockServer.get().store(((dev.checkpointer.store.s3.internal.S3ObjectStore) original).prefix()).build();
        reopened.add(again);
        return again;
    }

    @AfterEach
    void closeReopened() {
        reopened.forEach(ObjectStore::close);
    }
}

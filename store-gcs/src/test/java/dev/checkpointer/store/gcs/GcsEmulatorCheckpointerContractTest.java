package dev.checkpointer.store.gcs;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.CheckpointerContract;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The end-to-end checkpointer contract against the Firebase Storage emulator; a "restarted" process opens a second
 * store with its own client over the same prefix. The store reports the capabilities it has over the emulator
 * ({@link GcsEmulatorObjectStoreContractTest#ON_THE_EMULATOR}); the cases that rely on atomic conditional writes
 * (races, fencing) are skipped with the reason by {@link FirebaseEmulatorDeviations} and run against
 * {@code FakeGcsServer} in {@link GcsCheckpointerContractTest}.
 */
@ExtendWith({FirebaseStorageEmulatorExtension.class, FirebaseEmulatorDeviations.class})
class GcsEmulatorCheckpointerContractTest extends CheckpointerContract {
    private final List<ObjectStore> reopened = new CopyOnWriteArrayList<>();

    @Override
    protected ObjectStore createStore(String testName) {
        return GcsEmulatorObjectStoreContractTest.onTheEmulator(FirebaseStorageEmulator.shared().store("e2e/" + testName).build());
    }

    @Override
    protected ObjectStore reopen(ObjectStore original) {
        String prefix = original.describe().substring(("gs://" + FirebaseStorageEmulator.BUCKET + "/").length());
        ObjectStore again = GcsEmulatorObjectStoreContractTest.onTheEmulator(FirebaseStorageEmulator.shared().store(prefix).build());
        reopened.add(again);
        return again;
    }

    @AfterEach
    void closeReopened() {
        reopened.forEach(ObjectStore::close);
    }
}

package dev.checkpointer.store.memory;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.ObjectStoreContract;

/** The store conformance kit over the in-memory store. */
class MemoryStoreContractTest extends ObjectStoreContract {

    @Override
    protected ObjectStore createStore(String testName) {
        return MemoryStore.create();
    }
}

package dev.checkpointer.store.memory;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.CheckpointerContract;

/** The end-to-end contract over the in-memory store; a sibling store plays the restarted process. */
class MemoryCheckpointerTest extends CheckpointerContract {

    @Override
    protected ObjectStore createStore(String testName) {
        return MemoryObjectStore.create();
    }

    @Override
    protected ObjectStore reopen(ObjectStore original) {
        return ((MemoryObjectStore) original).sibling();
    }
}

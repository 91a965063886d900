package dev.checkpointer.store.memory;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.CheckpointerContract;

/** The end-to-end contract over the in-memory store; a reopened store plays the restarted process. */
class MemoryCheckpointerTest extends CheckpointerContract {

    @Override
    protected ObjectStore createStore(String testName) {
        return MemoryStore.create();
    }

    @Override
    protected ObjectStore reopen(ObjectStore original) {
        return MemoryStore.reopen(original);
    }
}

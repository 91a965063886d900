package dev.checkpointer.internal.archfixture;

/** A deliberate violation, only read by ArchitectureTest to prove its rule can fail: engine code using a store. */
public final class EngineUsingStore {
    private EngineUsingStore() {}

    static Object store() {
        return dev.checkpointer.store.memory.MemoryStore.create();
    }
}

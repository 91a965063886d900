package dev.checkpointer.store.s3.archfixture;

/** A deliberate violation, only read by ArchitectureTest to prove its rule can fail: one store using another. */
public final class S3UsingMemory {
    private S3UsingMemory() {}

    static Object other() {
        return dev.checkpointer.store.memory.MemoryStore.create();
    }
}

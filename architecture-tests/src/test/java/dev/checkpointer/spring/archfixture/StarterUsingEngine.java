package dev.checkpointer.spring.archfixture;

/** A deliberate violation, only read by ArchitectureTest to prove its rule can fail: the starter using the engine. */
public final class StarterUsingEngine {
    private StarterUsingEngine() {}

    static Object engine() {
        return dev.checkpointer.internal.Engine.class;
    }
}

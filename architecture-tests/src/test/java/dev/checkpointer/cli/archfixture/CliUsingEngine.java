package dev.checkpointer.cli.archfixture;

/** A deliberate violation, only read by ArchitectureTest to prove its rule can fail: the CLI using the engine. */
public final class CliUsingEngine {
    private CliUsingEngine() {}

    static Object engine() {
        return dev.checkpointer.internal.WireJson.class;
    }
}

package dev.checkpointer.othermodule.archfixture;

/** A deliberate violation, only read by ArchitectureTest: another module's test reaching into the engine. */
public final class OtherModuleTestUsingEngine {
    private OtherModuleTestUsingEngine() {}

    static Object engine() {
        return dev.checkpointer.internal.Engine.class;
    }
}

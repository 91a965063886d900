package dev.checkpointer.spi.archfixture;

/** A deliberate violation, only read by ArchitectureTest to prove its rule can fail: SPI code using the engine. */
public final class SpiUsingEngine {
    private SpiUsingEngine() {}

    static Object engine() {
        return dev.checkpointer.internal.ProtocolRules.class;
    }
}

package dev.checkpointer.simulation;

/** White-box oracle for protocol v2 (placeholder until written). */
final class ChainOracle {
    private final Oracle oracle;
    private boolean enabled;

    ChainOracle(Oracle oracle) {
        this.oracle = oracle;
    }

    void enable() {
        enabled = true;
    }

    void succeeded(Oracle.Success s) {}

    void concurrentFailure(String tag) {}

    void observed(Oracle.Observation o) {}

    void afterStep() {}

    void finish() {}
}

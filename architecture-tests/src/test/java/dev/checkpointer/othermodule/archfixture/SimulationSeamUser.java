package dev.checkpointer.othermodule.archfixture;

/** Only read by ArchitectureTest: uses the one documented simulation seam, which the rule allows to simulation. */
public final class SimulationSeamUser {
    private SimulationSeamUser() {}

    static Object seam() {
        return dev.checkpointer.internal.ProtocolRules.Rule.class;
    }
}

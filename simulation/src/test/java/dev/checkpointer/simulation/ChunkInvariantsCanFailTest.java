package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The chunk invariants can fail: against a deliberately broken engine ({@link Simulation.Sabotage}: the pruners'
 * batched deletes also remove chunks a correct prune never deletes), with only the invariant under test judging,
 * a bounded search over chunk schedules finds a violation of exactly that invariant. No protocol rule of the engine
 * ({@code ProtocolRules.Rule}) governs chunks alone, so the break is made in the simulated store instead.
 */
class ChunkInvariantsCanFailTest {
    /** Most schedules one search may try. */
    static final int BUDGET = 300;
    /** One or two chunking writers, a pruner with grace 0, retention and deletes sometimes, no faults. */
    static final int[] LO = {1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1};
    static final int[] HI = {2, 0, 0, 1, 1, 1, 3, 63, 0, 0, 0, 0, 0, 0, 0, 4, 63};

    @ParameterizedTest
    @CsvSource({
        // prune forgets the chain's chunk references: a retained checkpoint loses a chunk
        "PRUNE_IGNORES_CHUNK_REFERENCES, I8",
        // ... and a save that reported success loses one before its deletion is legitimate
        "PRUNE_IGNORES_CHUNK_REFERENCES, BB4",
        // prune sweeps above the head: a chunk of a save that can still publish goes
        "PRUNE_SWEEPS_ABOVE_THE_HEAD, I9",
    })
    void aBrokenPruneIsCaught(Simulation.Sabotage sabotage, String check) {
        Simulation.Result found = null;
        int tried = 0;
        for (long seed = 1; seed <= BUDGET && found == null; seed++) {
            tried++;
            Schedule s = Generators.fromSeed(seed, LO, HI, Set.of());
            Simulation.Result r = Simulation.run(s, false, true, sabotage, Set.of(check));
            if (r.failed()) {
                found = r;
            }
        }
        assertThat(found).as(sabotage + ": no " + check + " violation in " + BUDGET + " schedules").isNotNull();
        assertThat(found.violation().check).isEqualTo(check);
        System.out.println(sabotage + " -> " + found.violation().getMessage() + " after " + tried + " schedules\n  "
                + found.schedule().replayCommand());
        // The same schedules pass against the engine as it is.
        assertThat(Simulation.run(found.schedule(), false).violation()).isNull();
    }
}

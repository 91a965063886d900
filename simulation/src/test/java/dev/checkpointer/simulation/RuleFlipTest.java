package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.internal.ProtocolRules.Rule;
import java.util.EnumSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The simulation catches the defect each rule of protocol v2 prevents: with only that rule switched off
 * ({@link dev.checkpointer.internal.ProtocolRules#building}), a bounded search over the actor mix that exercises
 * the rule finds a violation. Together with {@link ProtocolSimulationTest} (every rule on: no violation), this
 * shows that every rule is necessary and that the simulation would notice its absence.

 */
class RuleFlipTest {
    /** Most schedules one search may try. */
    static final int BUDGET = 5_000;

    @ParameterizedTest
    @EnumSource(Rule.class)
    void switchingTheRuleOffBreaksAnInvariant(Rule rule) {
        Mix mix = Mix.of(rule);
        Search.Found f = Search.find(1, BUDGET, mix.lo, mix.hi, EnumSet.of(rule), r -> true);
        assertThat(f).as("no violation in " + BUDGET + " schedules with " + rule + " off").isNotNull();
        Schedule small = Search.shrink(f.schedule(), mix.lo, r -> true, 1000);
        System.out.println(rule + " off: " + Simulation.run(small, false).violation().getMessage() + " after " + f.tried()
                + " schedules\n  " + small.replayCommand());
    }

    /**
     * The actor mix for each rule (parameter bounds in {@link Schedule.Params} order: own writers, shared writers,
     * coordinators, pruners, readers, deleters, keepLast, retention mask, grace, skew0, skew1, transient %, lost %,
     * stall weight, crash weight, page size).
     */
    record Mix(int[] lo, int[] hi) {
        static Mix of(Rule rule) {
            return switch (rule) {
                // manifests above the pointer (crashes, lost responses, losers) read as if committed
                case CHAIN_READS -> new Mix(new int[] {2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                        new int[] {2, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 10, 15, 1, 2, 4});
                // success at prepare: a save that then loses the publish still says success
                case PUBLISH_DECIDES -> new Mix(new int[] {2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                        new int[] {2, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 10, 10, 1, 1, 4});
                // zombies of a lower epoch publish
                case EPOCH_FENCING -> new Mix(new int[] {2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2},
                        new int[] {2, 0, 0, 0, 2, 0, 3, 3, 0, 0, 0, 5, 5, 2, 1, 4});
                // v1's sweep by age: in-flight saves, skewed clocks, coordinators between check and create
                case REACHABILITY_GC -> new Mix(new int[] {1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                        new int[] {2, 0, 1, 2, 1, 0, 0, 0, 2, 5, 5, 5, 5, 2, 0, 4});
                // look-then-delete abort races a commit
                case ABORT_CLAIM -> new Mix(new int[] {0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                        new int[] {0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 5, 5, 2, 0, 4});
                // a deleted id is created again (zombies, stale same-epoch writers)
                case TOMBSTONES -> new Mix(new int[] {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2},
                        new int[] {2, 2, 0, 0, 2, 1, 0, 0, 0, 0, 0, 5, 5, 2, 1, 4});
                // retention deletes members the floor still covers
                case FLOOR_FIRST -> new Mix(new int[] {1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 2},
                        new int[] {2, 1, 0, 1, 2, 0, 3, 63, 0, 0, 0, 5, 5, 1, 1, 4});
                // a losing save withdraws a manifest readers or the pointer may already use
                case NO_WITHDRAWAL -> new Mix(new int[] {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2},
                        new int[] {2, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 15, 15, 1, 1, 4});
            };
        }
    }
}

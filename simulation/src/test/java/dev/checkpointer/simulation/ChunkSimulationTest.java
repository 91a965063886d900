package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * The simulation with chunking writers in every schedule: incremental saves that reuse the head's chunks, racing
 * retention (keepLast 1..3, on writers and pruners), prune, explicit {@code delete} of any recent checkpoint (the
 * head or older members), zombies, crashes, lost responses, and two writers passing each other's base (the
 * reuse-and-never-rebase path). Every invariant of {@link ProtocolSimulationTest} holds after every step, plus the
 * chunk invariants I8 and I9 ({@link ChainOracle}, {@link Oracle}) and BB4 over chunks.
 *
 * <p>Tries: 1,000 (a chunked schedule costs several times a plain one); {@link ProtocolSimulationTest} also runs
 * chunking writers in one schedule of eight, so {@code -Psimulation-long} covers about 125,000 chunked schedules.
 */
class ChunkSimulationTest {

    @Property(shrinking = ShrinkingMode.BOUNDED, tries = 1000)
    void chunkedSavesKeepEveryInvariant(@ForAll("params") Schedule.Params params, @ForAll("choices") List<Integer> choices) {
        Schedule schedule = new Schedule(params, choices);
        Simulation.Result r = Simulation.run(schedule, false);
        STATS.add(r);
        assertThat(r.violation())
                .as(() -> r.violation().getMessage() + "\nreplay: " + schedule.replayCommand())
                .isNull();
    }

    static final ProtocolSimulationTest.Stats STATS = new ProtocolSimulationTest.Stats();

    @net.jqwik.api.lifecycle.AfterContainer
    static void report() {
        if (STATS.schedules > 0) {
            System.out.println("chunk " + STATS);
        }
    }

    @Provide
    Arbitrary<Schedule.Params> params() {
        return Generators.chunkParams();
    }

    @Provide
    Arbitrary<List<Integer>> choices() {
        return Generators.choices();
    }
}

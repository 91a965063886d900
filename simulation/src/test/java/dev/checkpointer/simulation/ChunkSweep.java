package dev.checkpointer.simulation;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A long seeded sweep of chunk schedules (the mix of {@link ChunkSimulationTest}, drawn from seeds instead of by
 * jqwik), printing totals and the first violations with their replay commands. Skipped unless
 * {@code -Dsim.chunk.sweep=N} (schedules) is given; {@code -Dsim.chunk.seed=S} is the first seed (default 1);
 * {@code -Dsim.chunk.mix=tombstone} narrows the mix to one or two chunking writers, one pruner (grace 0), one
 * deleter and no faults: the mix in which the tombstoned-head defect ({@link FoundInChunksTest}) showed first.
 */
class ChunkSweep {
    @Test
    @Timeout(value = 24, unit = TimeUnit.HOURS) // a sweep runs as long as it is asked to (the build's default is 180 s)
    void sweep() {
        int n = Integer.getInteger("sim.chunk.sweep", 0);
        assumeTrue(n > 0, "no -Dsim.chunk.sweep given");
        long first = Long.getLong("sim.chunk.seed", 1L);
        boolean tombstone = "tombstone".equals(System.getProperty("sim.chunk.mix"));
        int[] lo = tombstone ? new int[] {1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1} : Generators.CHUNK_LO;
        int[] hi = tombstone ? new int[] {2, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 63} : Generators.CHUNK_HI;
        ProtocolSimulationTest.Stats stats = new ProtocolSimulationTest.Stats();
        int shown = 0;
        for (long seed = first; seed < first + n; seed++) {
            Schedule s = Generators.fromSeed(seed, lo, hi, Set.of());
            Simulation.Result r = Simulation.run(s, false);
            stats.add(r);
            if (r.failed() && shown++ < 5) {
                System.out.println("seed " + seed + ": " + r.violation().getMessage() + "\n  " + s.replayCommand());
            }
        }
        System.out.println("chunk sweep (" + (tombstone ? "tombstone" : "full") + " mix) from seed " + first + ": " + stats);
    }
}

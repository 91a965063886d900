package dev.checkpointer.simulation;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A long seeded sweep of chunk schedules (the mix of {@link ChunkSimulationTest}, drawn from seeds instead of by
 * jqwik), printing totals and the first violations with their replay commands. Skipped unless
 * {@code -Dsim.chunk.sweep=N} (schedules) is given; {@code -Dsim.chunk.seed=S} is the first seed (default 1).
 */
class ChunkSweep {
    @Test
    @Timeout(value = 24, unit = TimeUnit.HOURS) // a sweep runs as long as it is asked to (the build's default is 180 s)
    void sweep() {
        int n = Integer.getInteger("sim.chunk.sweep", 0);
        assumeTrue(n > 0, "no -Dsim.chunk.sweep given");
        long first = Long.getLong("sim.chunk.seed", 1L);
        ProtocolSimulationTest.Stats stats = new ProtocolSimulationTest.Stats();
        int shown = 0;
        for (long seed = first; seed < first + n; seed++) {
            Schedule s = Generators.fromSeed(seed, Generators.CHUNK_LO, Generators.CHUNK_HI, Set.of());
            Simulation.Result r = Simulation.run(s, false);
            stats.add(r);
            if (r.failed() && shown++ < 5) {
                System.out.println("seed " + seed + ": " + r.violation().getMessage() + "\n  " + s.replayCommand());
            }
        }
        System.out.println("chunk sweep from seed " + first + ": " + stats);
    }
}

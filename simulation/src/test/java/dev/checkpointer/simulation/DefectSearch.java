package dev.checkpointer.simulation;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Scratch runner: searches for each {@link Defect} on the engine in this tree, shrinks what it finds, and prints
 * the schedule and its replay command. Run with {@code -Dsim.search=ALL} (or one defect's name, and optionally
 * {@code -Dsim.search.tries=N} and {@code -Dsim.search.seed=S}); skipped otherwise.
 */
class DefectSearch {
    @Test
    void search() {
        String tally = System.getProperty("sim.tally");
        if (tally != null) {
            Defect d = Defect.valueOf(tally);
            java.util.Map<String, Integer> counts = new java.util.TreeMap<>();
            for (int i = 1; i <= Integer.getInteger("sim.search.tries", 500); i++) {
                Simulation.Result r = Simulation.run(Generators.fromSeed(i, d.lo, d.hi, Set.of()), false);
                String k = r.violation() == null ? "none" : r.violation().getMessage().replaceAll("[0-9]+", "N");
                counts.merge(k.substring(0, Math.min(110, k.length())), 1, Integer::sum);
            }
            counts.forEach((k, v) -> System.out.println(v + "  " + k));
            return;
        }
        String which = System.getProperty("sim.search");
        assumeTrue(which != null && !which.isBlank(), "no -Dsim.search given");
        int tries = Integer.getInteger("sim.search.tries", 20_000);
        long seed = Long.getLong("sim.search.seed", 1L);
        for (Defect d : Defect.values()) {
            if (!which.equals("ALL") && !which.equals(d.name())) {
                continue;
            }
            long t0 = System.nanoTime();
            Search.Found f = Search.find(seed, tries, d.lo, d.hi, Set.of(), d.found);
            if (f == null) {
                System.out.println(d + ": nothing in " + tries + " schedules");
                continue;
            }
            Schedule small = Search.shrink(f.schedule(), d.lo, d.found, 4000);
            Simulation.Result r = Simulation.run(small, false);
            System.out.println(d + ": found after " + f.tried() + " schedules (seed " + f.seed() + "), shrunk from " + f.schedule().choices().size()
                    + " to " + small.choices().size() + " choices in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            System.out.println("  " + r.violation().getMessage());
            System.out.println("  schedule: " + small.encode());
            System.out.println("  replay:   " + small.replayCommand());
        }
    }
}

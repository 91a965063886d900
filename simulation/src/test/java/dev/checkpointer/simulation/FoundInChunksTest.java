package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Regression cases for incremental (chunked) checkpoints: what the chunk invariants found in the first engine with
 * chunks, shrunk, each with the defect it exposed and the fix.
 */
class FoundInChunksTest {

    private static void noViolation(String encoded) {
        Schedule s = Schedule.decode(encoded);
        Simulation.Result r = Simulation.run(s, false);
        assertThat(r.violation()).as(() -> r.violation().getMessage() + "\nreplay: " + s.replayCommand()).isNull();
    }

    /**
     * w0 saves checkpoint 1 (chunked); d0 deletes 1, which tombstones the head without moving the pointer; p0's prune
     * finds no live member referencing 1's chunks and deletes them; w0's next save reuses its cached base (checkpoint
     * 1's chunks) and prepares checkpoint 2 on the tombstoned head. I9: "publishable prepared manifest 2 partition
     * counts/0 references chunk chunks/…01/ff1a….83317bb4875fb038 is gone"; once published, checkpoint 2 could not
     * be restored (I8). (Shrunk, then re-aimed at the current content with the fix reverted.) Fix (Janitor): while the head is a tombstone, no chunk is garbage.
     */
    @Test
    void pruneKeepsTheChunksOfATombstonedHeadThatASaveMayStillReuse() {
        noViolation("s1.1.0.0.1.1.1.0.0.0.0.0.0.0.0.0.2.0.3_0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
                + ".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6y.0.1e.m");
    }

    /**
     * A chunked save on a location without a head used the engine's one static empty chunk index, whose map of
     * uploads in flight was then shared by every checkpointer of the JVM: a failed chunk upload failed every later
     * such save at once, and a successful one was handed to saves of other ids and other stores (a manifest naming a
     * chunk its store never held; I9). Runs of one schedule then differed within one JVM. Fix (Saves.indexFor): a
     * fresh index per attempt.
     */
    @Test
    void chunkedSchedulesReproduceBitForBit() {
        for (long seed = 1; seed <= 6; seed++) {
            Schedule s = Generators.fromSeed(seed, Generators.CHUNK_LO, Generators.CHUNK_HI, Set.of());
            Simulation.Result a = Simulation.run(s, true);
            Simulation.Result b = Simulation.run(s, true);
            assertThat(b.log()).as("seed " + seed).isEqualTo(a.log());
        }
    }
}

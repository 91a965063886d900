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
     * w0's create of manifest 1 (chunked) outlives its request: the retry fails, the first attempt lands later. e0
     * rolls checkpoint 1 forward and builds on it, reusing its chunks up to checkpoint 15; retention (keep 1) expires
     * checkpoint 1, which removes its manifest key. w0 then settles its unknown create with an abort marker, which
     * lands on the empty key, took that for "never created" and deleted its uploads: BB4, "checkpoint 15 … was
     * damaged by w0.1: chunks/…01/ff1a….8c44e9ef30ca4931 is gone". Found by a 300,000-schedule run of the long
     * profile. Fix (Protocol.settle): an empty key proves "never published" only at or above the floor; below it the
     * save's outcome is unknown and its uploads stay for prune().
     */
    @Test
    void aCreateSettledAfterItsIdExpiredKeepsItsChunks() {
        noViolation("s1.1.1.0.0.1.0.1.4.0.0.0.2.2.0.0.2.0.5_0.2" + ".0".repeat(66) + ".14.0.0.0.0.0.0.0.1i.0.2.5g");
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

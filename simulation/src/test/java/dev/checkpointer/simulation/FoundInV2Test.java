package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Regression cases: schedules the property found against early versions of the v2 engine, shrunk, each kept with
 * the defect it exposed and the fix. (The engine's behaviour may shift their interleavings over time; they stay
 * valid "no violation" cases, and the property keeps searching around them.)
 */
class FoundInV2Test {

    private static void noViolation(String encoded) {
        Schedule s = Schedule.decode(encoded);
        Simulation.Result r = Simulation.run(s, false);
        assertThat(r.violation()).as(() -> r.violation().getMessage() + "\nreplay: " + s.replayCommand()).isNull();
    }

    /**
     * A reader read {@code _latest} before the first publish (not found), then listed the manifests published since
     * and concluded that the pointer was lost; its recovery picked a fenced writer's manifest. BB2: "r0.1 was handed
     * manifest 3 of save s4 by latest(), a save that reported ConcurrentCheckpointException". Fix: a missing pointer
     * is lost only if it is still missing after checkpoints were seen.
     */
    @Test
    void aPointerCreatedAfterTheReaderLookedIsNotALostPointer() {
        noViolation("s1.2.1.2.1.1.0.0.0.0.0.0.a.5.0.0.2.0_0.2.0.0.0.14.2.3.1.0.0.0.0.0.0.0.1.0.0.0.0.0.0.2d.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
                + ".0.0.0.0.0.0.0.0.0.1i.0.1.0.14.4.0.0.2.0.0.1.0.0.1.2d.14.0.0.od.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1");
    }

    /**
     * A coordinator's worker process died after the stage delivered its entry; disposing the chain cancelled the
     * finished stage, whose clean-up deleted the staged object; the commit then published a checkpoint without it.
     * I5: "chain member 1 references …/counts/0….snapshot, which is gone". Fix: a cancellation that arrives after
     * the value was delivered undoes nothing ({@code Cancellation.beforeValue}).
     */
    @Test
    void aCancellationAfterTheStageDeliveredDoesNotDeleteTheStagedObject() {
        noViolation("s1.0.0.1.0.1.0.0.0.0.0.0.0.0.1.1.2.0_0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1r.1");
    }

    /**
     * A save's create landed but its response was lost; before it could read the key back, another writer rolled
     * its manifest forward, and retention expired it. Finding the key empty, the save took the id for taken and
     * reported {@code ConcurrentCheckpointException} for a checkpoint that had been committed. I7. Fix: a key found
     * empty below the floor is an unknown outcome ({@code OUTCOME_UNKNOWN}), and a tombstone of our own manifest is ours.
     */
    @Test
    void aManifestRolledForwardAndExpiredBeforeItsWriterLookedIsAnUnknownOutcomeNotALoss() {
        noViolation("s1.2.0.0.0.1.0.1.1.0.0.0.i.d.0.0.2.0_0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2f.1m.0.0.0.0.0.0.1x");
    }
}

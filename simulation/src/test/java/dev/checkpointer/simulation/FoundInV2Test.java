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

    /**
     * As above, with the key reused: a coordinator's create landed with its response lost; a reader rolled the
     * manifest forward, retention expired it, and another coordinator's {@code abort} claimed the id below the floor.
     * Finding an abort marker, the first coordinator reported {@code ConcurrentCheckpointException} for a checkpoint
     * that had been committed. BB2 ("r0.1 was handed its manifest"). Fix: a key held by something else is a loss only
     * at or above the floor, where a published manifest is never removed.
     */
    @Test
    void aKeyReusedBelowTheFloorAfterOurManifestExpiredIsAnUnknownOutcomeNotALoss() {
        noViolation("s1.1.1.2.2.2.1.1.4.0.0.0.6.j.2.0.4.0_0.2x.0.0.2.0.0.0.1.0.0.23.0.4.0.0.0.0.0.0.0.3.0.0.0.0.0.23.0.0.1i.0.2.0.0"
                + ".0.0.0.1.0.0.1.29.14.5.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1i.14.2.0.2.0.0.2.23.0.0.23.0.0.0.0.0.0.1i.0.3.0."
                + "14.4.2.0.0.0.0.0.0.23.0.0.23.0.0.29.0.0.0.0.0.0.0.0.0.14.0.0.0.0.0.0.0.0.1.0.0.1.0.0.0.34.u.f.3h.2.34.32.h6.6."
                + "p1.b.2i.u.6x.dq.gp.pl.kb.p3.l.o5.8u.2f.v.rn.le.0.93.a.21.1.3.9.8b.88.lb.2s.3.4l.17.8h.i.ef.5t.r.1m.14.ie.19.q."
                + "2b.bm.2g.1.am.gf.2.28.b.94.9k.b.3.q.f.ox.hp.3t.6.2.85.4b.5a.p3.3.2m.4c.z.10.nx.10.7p.i.0.3z.c9.z.d3.mi.34.1x.b"
                + ".22.lv.8.f.f.cr.a.5.eh.76.6.2.b1.pm.10.k.nl.1r.o.t.1q.v.5.8c.pi.8.2j.a.8.i.73.86.0.a.ka.4g.5n.e4.e4.6s.1.2q.95"
                + ".28.kq.mf.bq.0.3z.en.2z.2f.dh.60.z.q2.f.24.3w.2.o.2q.p.44.8u.0.u.3l.81.36.1.2.4s.3h.32.6d.i4.2q.dq.31.lh.a.27."
                + "pf.hj");
    }
}

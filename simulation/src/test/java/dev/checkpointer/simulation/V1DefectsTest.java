package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Regression cases: one schedule per defect class of the v1 engine, found by {@link DefectSearch} on the v1 engine
 * (before commit protocol v2) and shrunk. Each asserts that the schedule breaks no invariant: each failed on the v1
 * engine with the check named in its comment, and passes on the v2 engine.
 */
class V1DefectsTest {

    private static void noViolation(String encoded) {
        Schedule s = Schedule.decode(encoded);
        Simulation.Result r = Simulation.run(s, false);
        assertThat(r.violation()).as(() -> r.violation().getMessage() + "\nreplay: " + s.replayCommand()).isNull();
    }

    /**
     * Defect 1, id reuse: two writers sharing one explicit epoch, with keepLast(1); one commits, the other's
     * retention deletes that manifest, and the first (its view stale) creates the same id again and reports success.
     * BB1: "id 1 is two checkpoints: e1.1 reported success of s2; and e0.1 reported success of s1".
     */
    @Test
    void idReuse() {
        noViolation("s1.0.2.0.0.1.0.1.c.0.0.0.0.5.0.0.2.0_0.0.0.0.0.0.0.0.0.0.87");
    }

    /**
     * Defect 2, zombie state comes back: own-epoch writers with keepLast(3); a stalled writer (a zombie, replaced by
     * a successor) creates a manifest under an id that retention deleted, and readers see two checkpoints for one
     * id. BB1: "id 2 is two checkpoints: r1.1 was handed s5 by latest(); and w1.4 reported success of s7".
     */
    @Test
    void zombieStateComesBack() {
        noViolation("s1.2.0.0.0.2.0.1.3.0.0.0.4.2.2.1.2.0_0.0.0.0.0.0.0.0.iw.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
                + ".0.ja.0.0.jf.8x.0.0.c0.0.0.1r.a3.0.0.0.0.0.0.33.0.bz.0.av.0.2e.0.0.ny.0.8h.0.8d.0.0.0.2n.0.am.0.a7.0.0.ri.0.0"
                + ".q9.0.hi.a8.0.0.0.mg.0.0.2c.0.14.0.0.8b.0.0.21.0.0.0.86.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
                + ".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2q.0.71"
                + ".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8r.6w");
    }

    /**
     * Defect 3, prune deletes what a save still needs: a pruner with grace 0 lists while w0's save is in flight and
     * deletes its unreferenced artifact after the save committed. BB4: "checkpoint 1 (save s1, success reported
     * by w0.1) was damaged by p0.1: ….snapshot is gone".
     */
    @Test
    void pruneDeletesWhatASaveStillNeeds() {
        noViolation("s1.1.0.0.1.1.0.0.0.0.0.0.0.0.0.0.2.0_0.d.0.0.0.0.0.0.0.0.0.0.0.0.0.0.14.0.0.0.0.0.0.0.0.0.0.0.qt");
    }

    /**
     * Defect 4, abort deletes a committed checkpoint: c1's abort(1) finds no manifest, lists, and deletes after c0
     * committed 1. BB4: "checkpoint 1 (save s1, success reported by c0.1) was damaged by c1.1: ….snapshot is gone".
     */
    @Test
    void abortDeletesACommittedCheckpoint() {
        noViolation("s1.0.0.2.0.1.0.0.0.0.0.0.0.0.0.0.2.0_0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.14.0.ob");
    }

    /**
     * Defect 5a, withdrawal visible to readers: r0's latest() is handed manifest 1 above the pointer; its writer's
     * pointer move then fails, it withdraws the manifest and reports ConcurrentCheckpointException. BB2: "save s1
     * reported ConcurrentCheckpointException, but r0.1 was handed its manifest of id 1 by latest()".
     */
    @Test
    void withdrawalVisibleToReaders() {
        noViolation("s1.2.0.0.0.1.0.0.0.0.0.0.0.0.0.0.2.0_0.0.0.0.0.0.0.0.14.0.e8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.b1");
    }

    /**
     * Defect 5b, a lost response on the pointer: the CAS on _latest lands but its response is lost, the retries
     * run out, the writer withdraws the manifest, and _latest names a deleted manifest. BB5: "_latest names
     * checkpoint 6 but its manifest is gone".
     */
    @Test
    void pointerNamesAWithdrawnManifest() {
        noViolation("s1.1.0.0.0.1.0.0.0.0.0.0.0.f.0.0.2.0_0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
                + ".0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ok.1d.0.0.dh");
    }
}

package dev.checkpointer.simulation;

import java.util.function.Predicate;

/**
 * The defect classes the simulation must find on the v1 engine, each with the actor mix that exposes it (bounds
 * per parameter, see {@link Schedule.Params} for the order) and a predicate that recognises its violation.
 */
enum Defect {
    /** Two checkpointers sharing one explicit epoch with keepLast(k): retention deletes a manifest, the other recreates the id. */
    ID_REUSE(new int[] {0, 2, 0, 0, 1, 0, 1, 12, 0, 0, 0, 0, 0, 0, 0, 2}, new int[] {0, 2, 0, 0, 1, 0, 3, 12, 0, 0, 0, 10, 10, 2, 1, 4},
            r -> is(r, "BB1") && count(r.violation().getMessage(), "reported success of") == 2),
    /** A zombie writer recreates an id that retention deleted; readers see its stale manifest. */
    ZOMBIE_STATE(new int[] {2, 0, 0, 0, 1, 0, 1, 3, 0, 0, 0, 0, 0, 2, 0, 2}, new int[] {2, 0, 0, 0, 2, 0, 3, 3, 0, 0, 0, 5, 5, 2, 1, 4},
            r -> r.zombies() > 0 && is(r, "BB1") && r.violation().getMessage().contains("was handed")),
    /** Prune deletes the artifacts of a save in flight (grace too short, clock ahead, or a listing in the window). */
    PRUNE_IN_FLIGHT(new int[] {1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, new int[] {2, 0, 1, 2, 1, 0, 0, 0, 2, 5, 5, 5, 5, 2, 0, 4},
            r -> is(r, "BB3") && r.violation().getMessage().contains("removed by p")
                    || is(r, "BB4") && r.violation().getMessage().contains("damaged by p")),
    /** An abort that looked, then deleted, deletes a checkpoint another coordinator committed in between. */
    ABORT_DELETES_COMMITTED(new int[] {0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, new int[] {0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 5, 5, 2, 0, 4},
            r -> is(r, "BB4") && r.violation().getMessage().contains("damaged by c")
                    || is(r, "BB3") && r.violation().getMessage().contains("removed by c")),
    /** A writer withdraws a manifest (its pointer move failed) that a reader was already handed. */
    WITHDRAWAL_VISIBLE(new int[] {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, new int[] {2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 15, 15, 0, 1, 4},
            r -> is(r, "BB2") || is(r, "BB3")),
    /** A lost response on the pointer: the pointer move landed, the writer gave up and withdrew the manifest it names. */
    POINTER_NAMES_WITHDRAWN(new int[] {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}, new int[] {2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 15, 15, 0, 1, 4},
            r -> is(r, "BB5"));

    final int[] lo;
    final int[] hi;
    final Predicate<Simulation.Result> found;

    Defect(int[] lo, int[] hi, Predicate<Simulation.Result> found) {
        this.lo = lo;
        this.hi = hi;
        this.found = found;
    }

    static boolean is(Simulation.Result r, String check) {
        return r.violation() != null && r.violation().check.equals(check);
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}

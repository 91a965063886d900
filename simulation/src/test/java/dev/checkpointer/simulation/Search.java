package dev.checkpointer.simulation;

import dev.checkpointer.internal.ProtocolRules.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A bounded search for a schedule that breaks an invariant in a given way, and a greedy shrinker that reduces it
 * to a small schedule that still does: fewer choices (chunks removed, from halves down to single values), smaller
 * choices, and simpler parameters (within the given bounds). Everything is seeded, so a search is reproducible.
 */
final class Search {
    /** What a search found. */
    record Found(Schedule schedule, Simulation.Result result, long seed, int tried) {}

    private Search() {}

    /** Tries seeds {@code firstSeed, firstSeed+1, ...} until {@code wanted} holds, at most {@code tries} times. */
    static @Nullable Found find(long firstSeed, int tries, int[] lo, int[] hi, Set<Rule> disabled, Predicate<Simulation.Result> wanted) {
        for (int i = 0; i < tries; i++) {
            Schedule s = Generators.fromSeed(firstSeed + i, lo, hi, disabled);
            Simulation.Result r = Simulation.run(s, false);
            if (r.failed() && wanted.test(r)) {
                return new Found(s, r, firstSeed + i, i + 1);
            }
        }
        return null;
    }

    /** Shrinks a schedule for which {@code wanted} holds, within {@code budget} runs. */
    static Schedule shrink(Schedule start, int[] lo, Predicate<Simulation.Result> wanted, int budget) {
        int[] runs = {0};
        Predicate<Schedule> ok = s -> {
            runs[0]++;
            Simulation.Result r = Simulation.run(s, false);
            return r.failed() && wanted.test(r);
        };
        Simulation.Result first = Simulation.run(start, false);
        Schedule best = new Schedule(start.params(), start.choices().subList(0, Math.min(start.choices().size(), first.consumed())));
        if (!ok.test(best)) {
            best = start;
        }
        boolean progress = true;
        while (progress && runs[0] < budget) {
            progress = false;
            // remove chunks
            for (int size = Math.max(1, best.choices().size() / 2); size >= 1 && runs[0] < budget; size /= 2) {
                for (int at = 0; at + size <= best.choices().size() && runs[0] < budget; ) {
                    List<Integer> c = new ArrayList<>(best.choices());
                    c.subList(at, at + size).clear();
                    Schedule s = new Schedule(best.params(), List.copyOf(c));
                    if (ok.test(s)) {
                        best = s;
                        progress = true;
                    } else {
                        at += size;
                    }
                }
            }
            // smaller values
            for (int i = 0; i < best.choices().size() && runs[0] < budget; i++) {
                int v = best.choices().get(i);
                for (int smaller : new int[] {0, v / 2, v - 1}) {
                    if (smaller >= 0 && smaller < v) {
                        List<Integer> c = new ArrayList<>(best.choices());
                        c.set(i, smaller);
                        Schedule s = new Schedule(best.params(), List.copyOf(c));
                        if (ok.test(s)) {
                            best = s;
                            progress = true;
                            break;
                        }
                    }
                }
            }
            // simpler parameters
            int[] p = best.params().ints();
            for (int i = 0; i < 16 && runs[0] < budget; i++) {
                for (int smaller : new int[] {lo[i], p[i] - 1}) {
                    if (smaller >= lo[i] && smaller < p[i]) {
                        int[] q = p.clone();
                        q[i] = smaller;
                        Schedule s = new Schedule(Schedule.Params.of(q), best.choices());
                        if (ok.test(s)) {
                            best = s;
                            p = q;
                            progress = true;
                            break;
                        }
                    }
                }
            }
        }
        return best;
    }
}

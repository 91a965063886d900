package dev.checkpointer.simulation;

import java.util.List;

/**
 * The decisions of one schedule, read in order. Every decision the simulation makes (which event comes next, which
 * pending call it resolves and how, what an actor does) reads one value here, reduced to the range it needs; 0 is
 * always the most boring decision (resolve the oldest pending call normally, the first actor, the first option),
 * and once the list is used up every decision is 0. So a shorter list, or smaller values, make a simpler
 * schedule: that is what lets jqwik shrink a failing schedule to a minimal one.
 */
final class Choices {
    private final List<Integer> values;
    private int position;

    Choices(List<Integer> values) {
        this.values = values;
    }

    /** The next decision, in {@code [0, bound)}; 0 once the list is exhausted. */
    int next(int bound) {
        if (bound <= 1) {
            if (position < values.size()) {
                position++;
            }
            return 0;
        }
        if (position >= values.size()) {
            return 0;
        }
        return Math.floorMod(values.get(position++), bound);
    }

    /** Whether every value has been read. */
    boolean exhausted() {
        return position >= values.size();
    }

    /** How many values have been read. */
    int position() {
        return position;
    }
}

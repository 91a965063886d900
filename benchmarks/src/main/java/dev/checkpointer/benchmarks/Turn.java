package dev.checkpointer.benchmarks;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Whose turn an iteration of a paired benchmark is: the baseline's or the subject's. Iterations run in the order
 * baseline, subject, subject, baseline, baseline, subject, ... so consecutive iterations form pairs and each pair
 * alternates which side runs first. Warm-up iterations take turns too (both sides get warm); {@link Interleaved}
 * runs a multiple of four of them, so the measured iterations start with a baseline.
 */
@State(Scope.Benchmark)
public class Turn {
    private int iteration = -1;
    private boolean subject;

    /** Advances to the next iteration's side. */
    @Setup(Level.Iteration)
    public void next() {
        iteration++;
        int p = iteration % 4;
        subject = p == 1 || p == 2;
    }

    /** Whether this iteration measures the subject (otherwise the baseline). */
    public boolean subject() {
        return subject;
    }

    /** Whether iteration {@code i} (counted from the first measured one) measured the subject. */
    static boolean subjectAt(int i) {
        int p = i % 4;
        return p == 1 || p == 2;
    }
}

package dev.checkpointer.simulation;

import dev.checkpointer.Checkpointer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One simulated process: a checkpointer (the real engine) over its own store handle, a clock skew, and the
 * operations it is running. A process can be stalled (its pending calls are left alone: a long GC pause, a
 * partition, a frozen VM) and resumed, or crashed (its operations are dropped, its in-memory state is gone, its
 * handle accepts nothing more; the calls it already sent still reach the store or not).
 */
final class SimProcess {
    private final String name;
    private final Duration skew;
    private @Nullable Checkpointer checkpointer;
    private boolean stalled;
    private boolean crashed;
    /** Operations running on this process (an operation may also depend on other processes). */
    final List<Actors.Op> ops = new ArrayList<>();

    SimProcess(String name, Duration skew) {
        this.name = name;
        this.skew = skew;
    }

    String name() {
        return name;
    }

    Duration skew() {
        return skew;
    }

    Checkpointer checkpointer() {
        if (checkpointer == null) {
            throw new IllegalStateException(name + " has no checkpointer");
        }
        return checkpointer;
    }

    void checkpointer(Checkpointer c) {
        this.checkpointer = c;
    }

    boolean stalled() {
        return stalled;
    }

    void stalled(boolean value) {
        this.stalled = value;
    }

    boolean crashed() {
        return crashed;
    }

    void crash() {
        this.crashed = true;
        this.stalled = false;
    }

    boolean busy() {
        return !ops.isEmpty();
    }

    @Override
    public String toString() {
        return name + (crashed ? "(crashed)" : stalled ? "(stalled)" : "");
    }
}

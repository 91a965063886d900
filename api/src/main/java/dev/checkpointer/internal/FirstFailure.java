package dev.checkpointer.internal;

import java.util.List;
import reactor.core.Exceptions;

/**
 * Work fanned out with {@code flatMap} that fails in two places at once (two chunks refused on two threads, two
 * partitions' uploads failing together) ends with Reactor's composite of both errors, which no caller of the engine
 * expects: the first one is reported instead, with the others attached as suppressed.
 */
final class FirstFailure {
    private FirstFailure() {}

    /** {@code e} itself, or the first error of a composite (itself unwrapped) with the rest suppressed on it. */
    static Throwable of(Throwable e) {
        if (!Exceptions.isMultiple(e)) {
            return e;
        }
        List<Throwable> all = Exceptions.unwrapMultiple(e);
        if (all.isEmpty()) {
            return e;
        }
        Throwable first = of(all.get(0));
        for (Throwable other : all.subList(1, all.size())) {
            if (other != first) {
                first.addSuppressed(other);
            }
        }
        return first;
    }
}

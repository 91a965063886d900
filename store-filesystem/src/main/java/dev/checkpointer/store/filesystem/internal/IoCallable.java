package dev.checkpointer.store.filesystem.internal;

import java.io.IOException;

/**
 * A blocking piece of file I/O.
 *
 * @param <T> the result type
 */
@FunctionalInterface
public interface IoCallable<T> {
    /**
     * Runs the I/O.
     *
     * @return the result, may be null for "nothing"
     * @throws IOException when the I/O fails
     */
    T call() throws IOException;
}

package dev.checkpointer;

/**
 * Where a sink's transaction for one checkpoint stands. A checkpoint is committed with every sink it records
 * {@link #PENDING}; afterwards each sink moves once, by compare-and-swap, to {@link #COMMITTED} or {@link #FAILED}.
 * Repeating a transition is a no-op; the opposite one is refused.
 */
public enum SinkState {
    /** The checkpoint committed; the sink's transaction is prepared but not known to be committed. */
    PENDING,
    /** The sink committed the transaction of this checkpoint (final). */
    COMMITTED,
    /** The sink could not commit the transaction of this checkpoint and gave up on it (final). */
    FAILED;

    /**
     * Whether the state is final.
     *
     * @return true for {@link #COMMITTED} and {@link #FAILED}
     */
    public boolean isFinal() {
        return this != PENDING;
    }
}

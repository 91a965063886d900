package dev.checkpointer;

/**
 * The save lost to another writer: a conditional write failed (the manifest already existed, or {@code _latest}
 * moved), or this writer's epoch is older than the committed one (it has been fenced by a newer instance of the
 * job). Nothing of the refused save is visible. Code {@link ErrorCode#CONCURRENT_CHECKPOINT}.
 */
public class ConcurrentCheckpointException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final boolean fenced;

    /**
     * Creates the exception.
     *
     * @param message what was lost and to whom
     * @param fenced true when the writer's epoch is stale (retrying will never succeed)
     * @param cause the store's precondition failure, if any
     */
    public ConcurrentCheckpointException(String message, boolean fenced, Throwable cause) {
        super(ErrorCode.CONCURRENT_CHECKPOINT, message, cause);
        this.fenced = fenced;
    }

    /**
     * Creates the exception without a cause.
     *
     * @param message what was lost and to whom
     * @param fenced true when the writer's epoch is stale
     */
    public ConcurrentCheckpointException(String message, boolean fenced) {
        super(ErrorCode.CONCURRENT_CHECKPOINT, message);
        this.fenced = fenced;
    }

    /**
     * Whether this writer has been fenced: a newer epoch has committed, so this writer is a zombie and should stop.
     * When false, the writer merely lost a race and may try again.
     *
     * @return true when fenced
     */
    public boolean fenced() {
        return fenced;
    }
}

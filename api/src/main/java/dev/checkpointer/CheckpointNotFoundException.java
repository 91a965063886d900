package dev.checkpointer;

import org.jspecify.annotations.Nullable;

/**
 * No committed checkpoint with the requested id exists: it was never committed, has been deleted or expired by
 * retention, or (for a {@link Checkpoint} loaded earlier) its objects were deleted since it was loaded. Code
 * {@link ErrorCode#CHECKPOINT_NOT_FOUND}.
 */
public class CheckpointNotFoundException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final CheckpointId id;

    /**
     * Creates the exception.
     *
     * @param id the checkpoint asked for
     */
    public CheckpointNotFoundException(CheckpointId id) {
        super(ErrorCode.CHECKPOINT_NOT_FOUND, "checkpoint " + id + " does not exist (it is not on the chain of committed checkpoints)");
        this.id = id;
    }

    /**
     * Creates the exception with a specific reason.
     *
     * @param id the checkpoint asked for
     * @param message why it cannot be found
     * @param cause the store's not-found error, if any
     */
    public CheckpointNotFoundException(CheckpointId id, String message, @Nullable Throwable cause) {
        super(ErrorCode.CHECKPOINT_NOT_FOUND, message, cause);
        this.id = id;
    }

    /**
     * The id that was asked for.
     *
     * @return the id
     */
    public CheckpointId id() {
        return id;
    }
}

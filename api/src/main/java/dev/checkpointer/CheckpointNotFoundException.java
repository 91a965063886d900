package dev.checkpointer;

/** The requested checkpoint does not exist (no committed manifest). Code {@link ErrorCode#CHECKPOINT_NOT_FOUND}. */
public class CheckpointNotFoundException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final CheckpointId id;

    /**
     * Creates the exception.
     *
     * @param id the checkpoint that was asked for
     */
    public CheckpointNotFoundException(CheckpointId id) {
        super(ErrorCode.CHECKPOINT_NOT_FOUND, "checkpoint " + id + " does not exist (no committed manifest)");
        this.id = id;
    }

    /**
     * The id that was not found.
     *
     * @return the missing checkpoint id
     */
    public CheckpointId id() {
        return id;
    }
}

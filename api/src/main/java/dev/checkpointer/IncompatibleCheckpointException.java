package dev.checkpointer;

/**
 * The checkpoint was written in a newer major format version than this library reads, or for a different
 * pipeline fingerprint than the one expected. Code {@link ErrorCode#INCOMPATIBLE}.
 */
public class IncompatibleCheckpointException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is incompatible, with both values
     */
    public IncompatibleCheckpointException(String message) {
        super(ErrorCode.INCOMPATIBLE, message);
    }
}

package dev.checkpointer;

/** A name, argument, option or URI was refused; nothing was written. Code {@link ErrorCode#INVALID_ARGUMENT}. */
public class InvalidInputException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message which input was refused and why
     */
    public InvalidInputException(String message) {
        super(ErrorCode.INVALID_ARGUMENT, message);
    }

    /**
     * Creates the exception with its cause, such as the error a payload's source raised.
     *
     * @param message which input was refused and why
     * @param cause the underlying error
     */
    public InvalidInputException(String message, Throwable cause) {
        super(ErrorCode.INVALID_ARGUMENT, message, cause);
    }
}

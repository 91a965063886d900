package dev.checkpointer;

/**
 * A name, argument, option, URI or payload was refused; nothing was written. Code {@link ErrorCode#INVALID_ARGUMENT},
 * or {@link ErrorCode#PAYLOAD_LENGTH_MISMATCH} for a payload that produced more or fewer bytes than it declared
 * (see {@link #payloadLengthMismatch}).
 */
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

    private InvalidInputException(ErrorCode code, String message) {
        super(code, message);
    }

    /**
     * The error for a payload that produced more or fewer bytes than it declared: code
     * {@link ErrorCode#PAYLOAD_LENGTH_MISMATCH}. The engine and every store raise this one error for a length lie.
     *
     * @param what the payload's key or partition, for the message
     * @param declared the declared length
     * @param produced what it produced, e.g. {@code "1000"} or {@code "2000 or more"}
     * @return the error
     */
    public static InvalidInputException payloadLengthMismatch(String what, long declared, String produced) {
        return new InvalidInputException(ErrorCode.PAYLOAD_LENGTH_MISMATCH,
                "payload of " + what + " declared " + declared + " bytes but produced " + produced);
    }
}

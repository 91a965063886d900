package dev.checkpointer;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The root of every error raised by checkpointer. Unchecked; reactive methods deliver it as an error signal and
 * never throw it. {@link #code()} classifies the failure for programs; the message explains it for people and
 * never contains credentials.
 */
public class CheckpointException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    /**
     * Creates an exception.
     *
     * @param code the machine-readable classification
     * @param message what went wrong, for people
     * @param cause the underlying failure, if any
     */
    public CheckpointException(ErrorCode code, String message, @Nullable Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * Creates an exception without a cause.
     *
     * @param code the machine-readable classification
     * @param message what went wrong, for people
     */
    public CheckpointException(ErrorCode code, String message) {
        this(code, message, null);
    }

    /**
     * The machine-readable classification of this failure.
     *
     * @return the error code, never null
     */
    public ErrorCode code() {
        return code;
    }

    @Override
    public String toString() {
        return getClass().getName() + " [" + code + "]: " + getMessage();
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;

/**
 * The {@code checkpointer.*} configuration cannot produce a store: the location is missing or malformed, or no store
 * module on the class path handles its scheme. Thrown at startup; {@link #action()} says how to fix it.
 */
public class CheckpointerConfigurationException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final String action;

    /**
     * Creates the exception.
     *
     * @param message what is wrong
     * @param action how to fix it
     * @param cause the underlying failure, if any
     */
    public CheckpointerConfigurationException(String message, String action, Throwable cause) {
        super(ErrorCode.CONFIGURATION, message, cause);
        this.action = action;
    }

    /**
     * How to fix the configuration.
     *
     * @return advice for people
     */
    public String action() {
        return action;
    }
}

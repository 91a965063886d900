package dev.checkpointer;

/**
 * Bytes read from the store do not match what was recorded when they were written: a different SHA-256, or a
 * different length (a truncated or extended object). The bytes were not handed to the caller (except by
 * {@link Checkpoint#stream}, whose contract is to fail at the end). Code {@link ErrorCode#INTEGRITY}.
 */
public class IntegrityException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String expected;
    private final String actual;

    /**
     * Creates the exception.
     *
     * @param key the store key that was read
     * @param expected what the manifest recorded (hex SHA-256, or a size)
     * @param actual what the bytes read produced
     */
    public IntegrityException(String key, String expected, String actual) {
        super(ErrorCode.INTEGRITY, "integrity check failed for '" + key + "': expected " + expected + ", got " + actual);
        this.key = key;
        this.expected = expected;
        this.actual = actual;
    }

    /**
     * The store key whose bytes failed verification.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * The recorded value (hex SHA-256, or {@code "size=N"}).
     *
     * @return the expected value
     */
    public String expected() {
        return expected;
    }

    /**
     * The value computed over the bytes that were read.
     *
     * @return the actual value
     */
    public String actual() {
        return actual;
    }
}

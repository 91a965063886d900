package dev.checkpointer;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A manifest or the {@code _latest} pointer could not be parsed, failed its own digest, or failed validation.
 * {@link #problems()} lists every problem found, not just the first. Code {@link ErrorCode#CORRUPT_METADATA}.
 */
public class CorruptMetadataException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final List<String> problems;

    /**
     * Creates the exception.
     *
     * @param key the store key of the manifest or pointer
     * @param problems every problem found (at least one)
     * @param cause the parse failure, if any
     */
    public CorruptMetadataException(String key, List<String> problems, @Nullable Throwable cause) {
        super(ErrorCode.CORRUPT_METADATA, "corrupt or invalid metadata in '" + key + "': " + String.join("; ", problems), cause);
        this.key = key;
        this.problems = List.copyOf(problems);
    }

    /**
     * The store key of the object that failed.
     *
     * @return the key
     */
    public String key() {
        return key;
    }

    /**
     * Every problem found.
     *
     * @return an immutable, non-empty list
     */
    public List<String> problems() {
        return problems;
    }
}

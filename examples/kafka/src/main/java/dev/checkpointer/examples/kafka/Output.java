package dev.checkpointer.examples.kafka;

import java.util.Objects;

/**
 * One record the job writes: a key and its new count.
 *
 * @param key the input record's key
 * @param value the key's count after that record, in decimal
 */
public record Output(String key, String value) {
    /** Checks the fields. */
    public Output {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
    }
}

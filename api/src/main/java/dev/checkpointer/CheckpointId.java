package dev.checkpointer;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.checkpointer.internal.WireJson;

/**
 * The identity of a checkpoint: a positive, monotonically increasing number. Keys use its zero-padded form
 * ({@link #padded()}) so that they sort lexicographically in id order.
 *
 * @param value the id, from 1 to {@link #MAX_VALUE}
 */
@JsonSerialize(using = WireJson.IdSerializer.class)
@JsonDeserialize(using = WireJson.IdDeserializer.class)
public record CheckpointId(long value) implements Comparable<CheckpointId> {
    /**
     * The largest id: one below {@link Long#MAX_VALUE}, so that every checkpoint has an id that can follow it (a
     * location whose newest checkpoint could have no successor would be stuck).
     */
    public static final long MAX_VALUE = Long.MAX_VALUE - 1;

    /**
     * Validates the id.
     *
     * @param value the id, from 1 to {@link #MAX_VALUE}
     * @throws InvalidInputException when {@code value < 1} or {@code value > MAX_VALUE}
     */
    public CheckpointId {
        if (value < 1) {
            throw new InvalidInputException("checkpoint id must be >= 1, got " + value);
        }
        if (value > MAX_VALUE) {
            throw new InvalidInputException("checkpoint id must be <= " + MAX_VALUE + " (so that an id can follow it), got " + value);
        }
    }

    /**
     * The id with the given value.
     *
     * @param value from 1 to {@link #MAX_VALUE}
     * @return the id
     * @throws InvalidInputException when out of that range
     */
    public static CheckpointId of(long value) {
        return new CheckpointId(value);
    }

    /**
     * Parses a decimal id, padded or not ({@code "42"}, {@code "00000000000000000042"}).
     *
     * @param text the decimal text
     * @return the id
     * @throws InvalidInputException when the text is not a positive decimal number
     */
    public static CheckpointId parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 20 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new InvalidInputException("not a checkpoint id (expected a positive decimal number): '" + text + "'");
        }
        try {
            return new CheckpointId(Long.parseLong(text));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("checkpoint id out of range: '" + text + "'");
        }
    }

    /**
     * The id that follows this one.
     *
     * @return {@code value + 1}
     * @throws InvalidInputException when this is {@link #MAX_VALUE}, which no id follows
     */
    public CheckpointId next() {
        if (value == MAX_VALUE) {
            throw new InvalidInputException("no checkpoint id follows " + MAX_VALUE + ", the largest");
        }
        return new CheckpointId(value + 1);
    }

    /**
     * The 20-digit zero-padded form used in keys.
     *
     * @return e.g. {@code 00000000000000000042}
     */
    public String padded() {
        return String.format("%020d", value);
    }

    /**
     * The value, as serialised in JSON.
     *
     * @return the numeric value
     */
    @Override
    public long value() {
        return value;
    }

    @Override
    public int compareTo(CheckpointId other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}

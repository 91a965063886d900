package dev.checkpointer;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Typed source positions, as stored in a manifest's {@link Manifest#offsets() offsets}
 * ({@code source -> key -> value}, all strings, connector-agnostic). Two shapes have helpers:
 * <ul>
 *   <li><b>Kafka-style</b> {@code topic-partition -> next offset}: source = topic, key = the partition number in
 *       decimal, value = the offset of the next record to read, in decimal
 *       ({@link #kafka(String, int, long)}, {@link #kafkaPosition}, {@link #kafkaPositions});</li>
 *   <li><b>opaque</b>: one string per source, e.g. a file position or a change-stream resume token, under the key
 *       {@value #OPAQUE_KEY} ({@link #opaque(String, String)}, {@link #opaqueValue}).</li>
 * </ul>
 * Immutable; {@code with…} methods return a new value. In a {@link CheckpointedPipeline} the operator keeps the
 * positions itself: the spec's position function returns one {@link Position} per event, and the operator records
 * it at the barrier.
 */
public final class Offsets {
    /** The key under which an opaque position is stored. */
    public static final String OPAQUE_KEY = "position";

    private static final Offsets EMPTY = new Offsets(new TreeMap<>());

    private final SortedMap<String, SortedMap<String, String>> sources;

    private Offsets(TreeMap<String, SortedMap<String, String>> sources) {
        this.sources = Collections.unmodifiableSortedMap(sources);
    }

    /**
     * No positions.
     *
     * @return the empty value
     */
    public static Offsets empty() {
        return EMPTY;
    }

    /**
     * Positions as a manifest stores them.
     *
     * @param offsets {@code source -> key -> value}
     * @return the value
     * @throws InvalidInputException when a name, key or value is null or a name empty
     */
    public static Offsets of(Map<String, ? extends Map<String, String>> offsets) {
        Objects.requireNonNull(offsets, "offsets");
        TreeMap<String, SortedMap<String, String>> copy = new TreeMap<>();
        offsets.forEach((source, kv) -> {
            if (source == null || source.isEmpty() || kv == null) {
                throw new InvalidInputException("offsets need a non-empty source name and a map of positions");
            }
            TreeMap<String, String> c = new TreeMap<>();
            kv.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new InvalidInputException("offsets of source '" + source + "' contain a null key or value");
                }
                c.put(k, v);
            });
            copy.put(source, Collections.unmodifiableSortedMap(c));
        });
        return new Offsets(copy);
    }

    /**
     * One position: the value of one key of one source.
     *
     * @param source the source (a Kafka topic, a file, a stream)
     * @param key the key within the source (a Kafka partition number, or {@value #OPAQUE_KEY})
     * @param value the position
     */
    public record Position(String source, String key, String value) {
        /**
         * Validates.
         *
         * @throws InvalidInputException when the source is empty
         */
        public Position {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (source.isEmpty()) {
                throw new InvalidInputException("a position needs a non-empty source name");
            }
        }
    }

    /**
     * A Kafka-style position: the next offset to read in one topic partition (the consumed record's offset + 1).
     *
     * @param topic the topic (the source name)
     * @param partition the partition, at least 0
     * @param nextOffset the offset of the next record to read, at least 0
     * @return the position
     * @throws InvalidInputException when partition or offset is negative
     */
    public static Position kafka(String topic, int partition, long nextOffset) {
        if (partition < 0 || nextOffset < 0) {
            throw new InvalidInputException("a Kafka position needs partition >= 0 and offset >= 0, got "
                    + topic + "-" + partition + "@" + nextOffset);
        }
        return new Position(topic, Integer.toString(partition), Long.toString(nextOffset));
    }

    /**
     * An opaque position: one string for the whole source.
     *
     * @param source the source
     * @param value the position
     * @return the position
     */
    public static Position opaque(String source, String value) {
        return new Position(source, OPAQUE_KEY, value);
    }

    /**
     * This value with one position set (replacing the earlier value of the same source and key).
     *
     * @param position the position
     * @return a new value
     */
    public Offsets with(Position position) {
        Objects.requireNonNull(position, "position");
        TreeMap<String, SortedMap<String, String>> copy = new TreeMap<>(sources);
        TreeMap<String, String> kv = new TreeMap<>(sources.getOrDefault(position.source(), Collections.emptySortedMap()));
        kv.put(position.key(), position.value());
        copy.put(position.source(), Collections.unmodifiableSortedMap(kv));
        return new Offsets(copy);
    }

    /**
     * The next offset to read in one Kafka topic partition.
     *
     * @param topic the topic
     * @param partition the partition
     * @return the offset; empty when none is recorded
     * @throws InvalidInputException when the recorded value is not a decimal long
     */
    public OptionalLong kafkaPosition(String topic, int partition) {
        String v = sources.getOrDefault(topic, Collections.emptySortedMap()).get(Integer.toString(partition));
        return v == null ? OptionalLong.empty() : OptionalLong.of(parseOffset(topic, Integer.toString(partition), v));
    }

    /**
     * Every recorded partition of one Kafka topic with the next offset to read, partitions in ascending order.
     *
     * @param topic the topic
     * @return partition to next offset; empty when the topic has none
     * @throws InvalidInputException when a key is not a partition number or a value not a decimal long
     */
    public SortedMap<Integer, Long> kafkaPositions(String topic) {
        TreeMap<Integer, Long> out = new TreeMap<>();
        sources.getOrDefault(topic, Collections.emptySortedMap()).forEach((k, v) -> {
            int p;
            try {
                p = Integer.parseInt(k);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("offsets of '" + topic + "': key '" + k + "' is not a partition number");
            }
            out.put(p, parseOffset(topic, k, v));
        });
        return Collections.unmodifiableSortedMap(out);
    }

    /**
     * The opaque position of one source.
     *
     * @param source the source
     * @return the value; empty when none is recorded
     */
    public Optional<String> opaqueValue(String source) {
        return Optional.ofNullable(sources.getOrDefault(source, Collections.emptySortedMap()).get(OPAQUE_KEY));
    }

    /**
     * The positions as a manifest stores them ({@link Snapshot.Builder#offsets(String, Map)}).
     *
     * @return {@code source -> key -> value}, sorted, unmodifiable
     */
    public SortedMap<String, SortedMap<String, String>> asMap() {
        return sources;
    }

    /**
     * Whether no position is recorded.
     *
     * @return true when empty
     */
    public boolean isEmpty() {
        return sources.isEmpty();
    }

    private static long parseOffset(String source, String key, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("offsets of '" + source + "'['" + key + "']: '" + v + "' is not a decimal offset");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Offsets other && other.sources.equals(sources);
    }

    @Override
    public int hashCode() {
        return sources.hashCode();
    }

    @Override
    public String toString() {
        return "Offsets" + sources;
    }
}

package dev.checkpointer;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Everything a checkpoint records besides its partitions: the writer epoch (when an external coordinator assigns
 * one), source offsets, sink epochs, watermarks, a pipeline fingerprint and free-form metadata. Immutable; built
 * with {@link #builder()}, which validates eagerly. A {@link Snapshot} carries one; a coordinator passes one to
 * {@link Checkpointer#commit}.
 */
public final class CheckpointMetadata {
    private static final CheckpointMetadata EMPTY = builder().build();

    private final @Nullable Long epoch;
    private final Map<String, Map<String, String>> offsets;
    private final Map<String, Long> sinkEpochs;
    private final Map<String, String> sinkPrepared;
    private final @Nullable Topology topology;
    private final Map<String, Instant> watermarks;
    private final @Nullable String fingerprint;
    private final Map<String, String> metadata;
    private final @Nullable Instant createdAt;
    private final @Nullable String writerId;

    private CheckpointMetadata(Builder b) {
        this.createdAt = b.createdAt;
        this.writerId = b.writerId;
        this.epoch = b.epoch;
        Map<String, Map<String, String>> off = new TreeMap<>();
        b.offsets.forEach((k, v) -> off.put(k, Collections.unmodifiableMap(new TreeMap<>(v))));
        this.offsets = Collections.unmodifiableMap(off);
        this.sinkEpochs = Collections.unmodifiableMap(new TreeMap<>(b.sinkEpochs));
        this.sinkPrepared = Collections.unmodifiableMap(new TreeMap<>(b.sinkPrepared));
        this.topology = b.topology;
        this.watermarks = Collections.unmodifiableMap(new TreeMap<>(b.watermarks));
        this.fingerprint = b.fingerprint;
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(b.metadata));
    }

    /**
     * A new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Nothing recorded.
     *
     * @return the empty metadata
     */
    public static CheckpointMetadata empty() {
        return EMPTY;
    }

    /**
     * The writer epoch assigned by an external coordinator, if any; otherwise the checkpointer uses the epoch it
     * claimed.
     *
     * @return the epoch
     */
    public OptionalLong epoch() {
        return epoch == null ? OptionalLong.empty() : OptionalLong.of(epoch);
    }

    /**
     * Source offsets, per source (sorted).
     *
     * @return the offsets
     */
    public Map<String, Map<String, String>> offsets() {
        return offsets;
    }

    /**
     * Sink epochs, per sink (sorted).
     *
     * @return the sink epochs
     */
    public Map<String, Long> sinkEpochs() {
        return sinkEpochs;
    }

    /**
     * Prepared-transaction data per sink (sorted): what a two-phase-commit sink needs to commit or abort its
     * transaction of this checkpoint after a crash (see {@link Builder#sinkPrepared}).
     *
     * @return the data per sink
     */
    public Map<String, String> sinkPrepared() {
        return sinkPrepared;
    }

    /**
     * The pipeline topology to record, if any.
     *
     * @return the topology
     */
    public Optional<Topology> topology() {
        return Optional.ofNullable(topology);
    }

    /**
     * Watermarks, per stream (sorted).
     *
     * @return the watermarks
     */
    public Map<String, Instant> watermarks() {
        return watermarks;
    }

    /**
     * The pipeline fingerprint, if any.
     *
     * @return the fingerprint
     */
    public Optional<String> fingerprint() {
        return Optional.ofNullable(fingerprint);
    }

    /**
     * Free-form metadata (sorted).
     *
     * @return the metadata
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * The creation time to record instead of the time of the save, if set (see {@link Builder#createdAt(Instant)}).
     *
     * @return the time
     */
    public Optional<Instant> createdAt() {
        return Optional.ofNullable(createdAt);
    }

    /**
     * The writer id to record in the manifest instead of the checkpointer's own, if set (see
     * {@link Builder#writerId(String)}).
     *
     * @return the writer id
     */
    public Optional<String> writerId() {
        return Optional.ofNullable(writerId);
    }

    @Override
    public String toString() {
        return "CheckpointMetadata[epoch=" + epoch + ", sources=" + offsets.keySet() + ", fingerprint=" + fingerprint + "]";
    }

    /** Builds {@link CheckpointMetadata}; every setter validates at once. */
    public static final class Builder {
        private @Nullable Long epoch;
        private final Map<String, Map<String, String>> offsets = new LinkedHashMap<>();
        private final Map<String, Long> sinkEpochs = new LinkedHashMap<>();
        private final Map<String, String> sinkPrepared = new LinkedHashMap<>();
        private @Nullable Topology topology;
        private final Map<String, Instant> watermarks = new LinkedHashMap<>();
        private @Nullable String fingerprint;
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private @Nullable Instant createdAt;
        private @Nullable String writerId;

        Builder() {}

        /**
         * The writer epoch from an external coordinator. A save with an epoch below the highest one claimed at the
         * location is fenced.
         *
         * @param value at least 1
         * @return this builder
         */
        public Builder epoch(long value) {
            if (value < 1) {
                throw new InvalidInputException("epoch must be >= 1, got " + value);
            }
            this.epoch = value;
            return this;
        }

        /**
         * Records the offsets of one source (replacing earlier ones for it).
         *
         * @param source the source name
         * @param sourceOffsets connector-specific key/value pairs, e.g. Kafka partition to offset
         * @return this builder
         */
        public Builder offsets(String source, Map<String, String> sourceOffsets) {
            requireName("source", source);
            Objects.requireNonNull(sourceOffsets, "offsets");
            sourceOffsets.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new InvalidInputException("offsets of source '" + source + "' contain a null key or value");
                }
            });
            this.offsets.put(source, new LinkedHashMap<>(sourceOffsets));
            return this;
        }

        /**
         * Records a sink's epoch (for exactly-once sinks that commit by epoch).
         *
         * @param sink the sink name
         * @param value at least 0
         * @return this builder
         */
        public Builder sinkEpoch(String sink, long value) {
            requireName("sink", sink);
            if (value < 0) {
                throw new InvalidInputException("sink epoch must be >= 0, got " + value + " for sink '" + sink + "'");
            }
            sinkEpochs.put(sink, value);
            return this;
        }

        /**
         * Records a sink's prepared-transaction data in the checkpoint (e.g. a serialized Kafka
         * {@code PreparedTxnState}, or a producer id and epoch), so that after a crash the sink can commit or abort
         * the transaction this checkpoint covers. The sink must also have an epoch ({@link #sinkEpoch}). Keep it
         * small: it travels in the manifest; never put credentials in it (the CLI prints it).
         *
         * @param sink the sink name
         * @param data opaque text, at most 4096 characters
         * @return this builder
         */
        public Builder sinkPrepared(String sink, String data) {
            requireName("sink", sink);
            Objects.requireNonNull(data, "data");
            if (data.length() > 4096) {
                throw new InvalidInputException("prepared data of sink '" + sink + "' is " + data.length() + " characters, at most 4096 allowed");
            }
            sinkPrepared.put(sink, data);
            return this;
        }

        /**
         * Records the pipeline's topology (source names, sink names, vnode count), for
         * {@link Manifest#validate(Topology)} on restore.
         *
         * @param value the topology
         * @return this builder
         */
        public Builder topology(Topology value) {
            this.topology = Objects.requireNonNull(value, "topology");
            return this;
        }

        /**
         * Records a watermark.
         *
         * @param stream the stream name
         * @param watermark the event time up to which the stream is complete
         * @return this builder
         */
        public Builder watermark(String stream, Instant watermark) {
            requireName("watermark stream", stream);
            watermarks.put(stream, Objects.requireNonNull(watermark, "watermark"));
            return this;
        }

        /**
         * Records the pipeline fingerprint (e.g. a hash of the topology and state schemas).
         *
         * @param value non-empty
         * @return this builder
         */
        public Builder fingerprint(String value) {
            requireName("fingerprint", value);
            this.fingerprint = value;
            return this;
        }

        /**
         * Adds a free-form metadata entry.
         *
         * @param key non-empty
         * @param value not null
         * @return this builder
         */
        public Builder metadata(String key, String value) {
            requireName("metadata key", key);
            if (value == null) {
                throw new InvalidInputException("metadata value for '" + key + "' must not be null");
            }
            metadata.put(key, value);
            return this;
        }

        /**
         * Records this creation time in the manifest instead of the time of the save: for tools that copy or
         * import an existing checkpoint (so that age-based retention counts from the original). Applications saving
         * new state leave it unset. Ids, not times, order checkpoints; nothing in the commit protocol reads it.
         *
         * @param value the original creation time
         * @return this builder
         */
        public Builder createdAt(Instant value) {
            this.createdAt = java.util.Objects.requireNonNull(value, "createdAt");
            return this;
        }

        /**
         * Records this writer id in the manifest instead of the checkpointer's own: for tools that copy or import a
         * checkpoint another writer made. Diagnostics only (the pointer still names the checkpointer that publishes).
         *
         * @param value 1 to 200 printable characters
         * @return this builder
         */
        public Builder writerId(String value) {
            java.util.Objects.requireNonNull(value, "writerId");
            if (value.isEmpty() || value.length() > 200 || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new InvalidInputException("writerId must be 1 to 200 printable characters");
            }
            this.writerId = value;
            return this;
        }

        /**
         * Builds the metadata.
         *
         * @return the metadata
         */
        public CheckpointMetadata build() {
            for (String sink : sinkPrepared.keySet()) {
                if (!sinkEpochs.containsKey(sink)) {
                    throw new InvalidInputException("sink '" + sink + "' has prepared data but no sink epoch");
                }
            }
            return new CheckpointMetadata(this);
        }

        private static void requireName(String what, @Nullable String name) {
            if (name == null || name.isEmpty()) {
                throw new InvalidInputException(what + " must not be null or empty");
            }
            if (name.chars().anyMatch(Character::isISOControl)) {
                throw new InvalidInputException(what + " '" + name.replaceAll("\\p{Cntrl}", "?") + "' contains a control character");
            }
        }
    }
}

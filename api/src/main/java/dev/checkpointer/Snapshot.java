package dev.checkpointer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Everything one checkpoint persists: per-operator, per-partition state plus source offsets, sink epochs,
 * watermarks, a pipeline fingerprint and free-form metadata. Immutable; built with {@link #builder()}, which
 * validates eagerly (names, duplicates, nulls) so that a bad snapshot is refused before anything is written.
 */
public final class Snapshot {

    /**
     * One partition of one operator's state.
     *
     * @param operator the operator name (see {@link OperatorNames})
     * @param partition the partition number, at least 0
     * @param kind full snapshot or delta
     * @param payload the bytes
     */
    public record Partition(String operator, int partition, PartitionKind kind, Payload payload) {
        /** Validates the partition. */
        public Partition {
            OperatorNames.validate(operator);
            if (partition < 0) {
                throw new InvalidInputException("partition number must be >= 0, got " + partition + " for operator '" + operator + "'");
            }
            if (kind == null) {
                throw new InvalidInputException("partition kind must not be null for " + operator + "/" + partition);
            }
            if (payload == null) {
                throw new InvalidInputException("payload must not be null for " + operator + "/" + partition);
            }
        }
    }

    private final @Nullable CheckpointId id;
    private final List<Partition> partitions;
    private final CheckpointMetadata commitMetadata;

    private Snapshot(Builder b) {
        this.id = b.id;
        this.partitions = List.copyOf(b.partitions);
        this.commitMetadata = b.meta.build();
    }

    /**
     * A new builder.
     *
     * @return an empty builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The writer epoch given by an external coordinator, if any. When absent, the {@link Checkpointer} uses the
     * epoch it claimed for itself.
     *
     * @return the epoch
     */
    public OptionalLong epoch() {
        return commitMetadata.epoch();
    }

    /**
     * The checkpoint id requested by the caller, if any. When absent, the id after the latest is used.
     *
     * @return the id
     */
    public Optional<CheckpointId> id() {
        return Optional.ofNullable(id);
    }

    /**
     * The partitions, in the order they were added.
     *
     * @return an immutable list
     */
    public List<Partition> partitions() {
        return partitions;
    }

    /**
     * Source offsets: for each source, connector-specific key/value pairs (e.g. topic-partition to offset).
     *
     * @return an immutable, sorted map
     */
    public Map<String, Map<String, String>> offsets() {
        return commitMetadata.offsets();
    }

    /**
     * Sink epochs (e.g. transactional producer epochs) keyed by sink name.
     *
     * @return an immutable, sorted map
     */
    public Map<String, Long> sinkEpochs() {
        return commitMetadata.sinkEpochs();
    }

    /**
     * Watermarks keyed by source or stream name.
     *
     * @return an immutable, sorted map
     */
    public Map<String, Instant> watermarks() {
        return commitMetadata.watermarks();
    }

    /**
     * A fingerprint of the pipeline's topology or state schema; restores can insist on a match.
     *
     * @return the fingerprint
     */
    public Optional<String> fingerprint() {
        return commitMetadata.fingerprint();
    }

    /**
     * Free-form metadata.
     *
     * @return an immutable, sorted map
     */
    public Map<String, String> metadata() {
        return commitMetadata.metadata();
    }

    /**
     * Everything besides the partitions, as a coordinator would pass it to {@link Checkpointer#commit}.
     *
     * @return the epoch, offsets, sink epochs, watermarks, fingerprint and metadata
     */
    public CheckpointMetadata checkpointMetadata() {
        return commitMetadata;
    }

    @Override
    public String toString() {
        return "Snapshot[partitions=" + partitions.size() + ", epoch=" + commitMetadata.epoch() + ", id=" + id + "]";
    }

    /** Builds a {@link Snapshot}; every method validates its input at once. */
    public static final class Builder {
        private @Nullable CheckpointId id;
        private final List<Partition> partitions = new ArrayList<>();
        private final Set<String> seen = new HashSet<>();
        private final CheckpointMetadata.Builder meta = CheckpointMetadata.builder();

        private Builder() {}

        /**
         * Sets the writer epoch from an external coordinator.
         *
         * @param epoch at least 1
         * @return this builder
         */
        public Builder epoch(long epoch) {
            meta.epoch(epoch);
            return this;
        }

        /**
         * Requests a specific checkpoint id (it must not exist yet).
         *
         * @param id the id
         * @return this builder
         */
        public Builder id(CheckpointId id) {
            this.id = Objects.requireNonNull(id, "id");
            return this;
        }

        /**
         * Adds a full-snapshot partition.
         *
         * @param operator operator name
         * @param partition partition number, at least 0
         * @param payload the bytes
         * @return this builder
         */
        public Builder partition(String operator, int partition, Payload payload) {
            return partition(operator, partition, PartitionKind.SNAPSHOT, payload);
        }

        /**
         * Adds a partition of the given kind.
         *
         * @param operator operator name
         * @param partition partition number, at least 0
         * @param kind snapshot or delta
         * @param payload the bytes
         * @return this builder
         * @throws InvalidInputException when the name is invalid or the partition was already added
         */
        public Builder partition(String operator, int partition, PartitionKind kind, Payload payload) {
            Partition p = new Partition(operator, partition, kind, payload);
            if (!seen.add(operator + '\u0000' + partition)) {
                throw new InvalidInputException("partition " + partition + " of operator '" + operator + "' was added twice");
            }
            partitions.add(p);
            return this;
        }

        /**
         * Records the offsets of one source.
         *
         * @param source the source name
         * @param offsets connector-specific key/value pairs
         * @return this builder
         */
        public Builder offsets(String source, Map<String, String> offsets) {
            meta.offsets(source, offsets);
            return this;
        }

        /**
         * Records a sink epoch.
         *
         * @param sink the sink name
         * @param epoch the epoch, at least 0
         * @return this builder
         */
        public Builder sinkEpoch(String sink, long epoch) {
            meta.sinkEpoch(sink, epoch);
            return this;
        }

        /**
         * Records a sink's prepared-transaction data; see {@link CheckpointMetadata.Builder#sinkPrepared}.
         *
         * @param sink the sink name (it needs a {@link #sinkEpoch} too)
         * @param data opaque text, at most 4096 characters
         * @return this builder
         */
        public Builder sinkPrepared(String sink, String data) {
            meta.sinkPrepared(sink, data);
            return this;
        }

        /**
         * Records the pipeline's topology (source names, sink names, vnode count); see
         * {@link CheckpointMetadata.Builder#topology}.
         *
         * @param topology the topology
         * @return this builder
         */
        public Builder topology(Topology topology) {
            meta.topology(topology);
            return this;
        }

        /**
         * Records a watermark.
         *
         * @param stream the source or stream name
         * @param watermark the event-time watermark
         * @return this builder
         */
        public Builder watermark(String stream, Instant watermark) {
            meta.watermark(stream, watermark);
            return this;
        }

        /**
         * Sets the pipeline fingerprint.
         *
         * @param fingerprint non-empty text
         * @return this builder
         */
        public Builder fingerprint(String fingerprint) {
            meta.fingerprint(fingerprint);
            return this;
        }

        /**
         * Adds a metadata entry.
         *
         * @param key the key
         * @param value the value
         * @return this builder
         */
        public Builder metadata(String key, String value) {
            meta.metadata(key, value);
            return this;
        }

        /**
         * Records this creation time instead of the time of the save, for copies and imports; see
         * {@link CheckpointMetadata.Builder#createdAt(Instant)}.
         *
         * @param createdAt the original creation time
         * @return this builder
         */
        public Builder createdAt(java.time.Instant createdAt) {
            meta.createdAt(createdAt);
            return this;
        }

        /**
         * Records this writer id instead of the checkpointer's own, for copies and imports; see
         * {@link CheckpointMetadata.Builder#writerId(String)}.
         *
         * @param writerId 1 to 200 printable characters
         * @return this builder
         */
        public Builder writerId(String writerId) {
            meta.writerId(writerId);
            return this;
        }

        /**
         * Builds the snapshot.
         *
         * @return an immutable snapshot
         */
        public Snapshot build() {
            return new Snapshot(this);
        }
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * Read-only actuator endpoint {@code checkpoints}: lists the newest committed checkpoints, and shows one by id
 * ({@code /actuator/checkpoints/{id}}) with its partitions. Never writes, never returns state bytes.
 */
@Endpoint(id = "checkpoints")
public class CheckpointsEndpoint {
    private final Checkpointer checkpointer;
    private final int limit;
    private final Duration timeout;

    /**
     * Creates the endpoint.
     *
     * @param checkpointer the checkpointer to read
     * @param limit most checkpoints listed (the newest)
     * @param timeout how long one call may wait for the store
     */
    public CheckpointsEndpoint(Checkpointer checkpointer, int limit, Duration timeout) {
        this.checkpointer = Objects.requireNonNull(checkpointer, "checkpointer");
        this.limit = Math.max(1, limit);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * The newest committed checkpoints, newest first.
     *
     * @return the summaries
     */
    @ReadOperation
    public CheckpointsDescriptor checkpoints() {
        List<Manifest> all = checkpointer.list().takeLast(limit).collectList().block(timeout);
        List<CheckpointSummary> out = new ArrayList<>();
        if (all != null) {
            for (int i = all.size() - 1; i >= 0; i--) {
                out.add(CheckpointSummary.of(all.get(i)));
            }
        }
        return new CheckpointsDescriptor(out);
    }

    /**
     * One checkpoint with its partitions (no bytes).
     *
     * @param id the checkpoint id
     * @return the details, or null (404) when absent
     */
    @ReadOperation
    public CheckpointDetails checkpoint(@Selector long id) {
        try {
            Manifest m = checkpointer.load(CheckpointId.of(id)).map(cp -> cp.manifest()).block(timeout);
            if (m == null) {
                return null;
            }
            List<PartitionDescriptor> parts = new ArrayList<>();
            for (PartitionEntry e : m.partitions()) {
                parts.add(new PartitionDescriptor(e.operator(), e.partition(), String.valueOf(e.kind()), e.size(), e.sha256(), e.inline() != null));
            }
            return new CheckpointDetails(CheckpointSummary.of(m), m.offsets(), m.metadata(), parts);
        } catch (CheckpointNotFoundException e) {
            return null;
        }
    }

    /**
     * The list returned by {@link #checkpoints()}.
     *
     * @param checkpoints newest first
     */
    public record CheckpointsDescriptor(List<CheckpointSummary> checkpoints) {}

    /**
     * One checkpoint in the list.
     *
     * @param id the id
     * @param epoch the writer epoch
     * @param createdAt when it was prepared
     * @param writerId the writer
     * @param partitions number of partitions
     * @param bytes bytes of state
     * @param fingerprint the pipeline fingerprint, if any
     */
    public record CheckpointSummary(long id, long epoch, Instant createdAt, String writerId, int partitions, long bytes, String fingerprint) {

        /**
         * Summarises a manifest.
         *
         * @param m the manifest
         * @return the summary
         */
        public static CheckpointSummary of(Manifest m) {
            return new CheckpointSummary(m.id() == null ? 0 : m.id().value(), m.epoch(), m.createdAt(), m.writerId(), m.partitions().size(),
                    m.totalBytes(), m.fingerprint());
        }
    }

    /**
     * One checkpoint in detail.
     *
     * @param summary the summary
     * @param offsets source offsets per source
     * @param metadata free-form metadata
     * @param partitions the partitions
     */
    public record CheckpointDetails(CheckpointSummary summary, Map<String, Map<String, String>> offsets, Map<String, String> metadata,
            List<PartitionDescriptor> partitions) {}

    /**
     * One partition of a checkpoint.
     *
     * @param operator the operator
     * @param partition the partition number
     * @param kind snapshot or delta
     * @param size bytes
     * @param sha256 the digest
     * @param inline whether it travels inside the manifest
     */
    public record PartitionDescriptor(String operator, int partition, String kind, long size, String sha256, boolean inline) {}
}

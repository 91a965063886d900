package dev.checkpointer;

import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Saves and restores checkpoints in one object-store location.
 *
 * <p>Every method returns a cold publisher: nothing happens until subscription, each subscription does the work
 * again, and failures arrive as {@link CheckpointException} error signals (reactive methods never throw).
 * A {@code Checkpointer} is thread-safe; concurrent saves share one upload-concurrency budget.
 *
 * <pre>{@code
 * try (Checkpointer cp = Checkpointer.open("file:./checkpoints")) {
 *     Manifest m = cp.save(Snapshot.builder()
 *             .partition("counts", 0, Payload.of(bytes))
 *             .offsets("clicks", Map.of("0", "1042"))
 *             .build()).block();
 *     Checkpoint restored = cp.latest().block();
 * }
 * }</pre>
 */
public interface Checkpointer extends AutoCloseable {

    /**
     * A builder for a checkpointer over a given store or URI.
     *
     * @return a new builder
     */
    static CheckpointerBuilder builder() {
        return new CheckpointerBuilder();
    }

    /**
     * Opens a checkpointer with default settings on a store URI, such as {@code s3://bucket/prefix},
     * {@code gs://bucket/prefix}, {@code azblob://container/prefix}, {@code file:///path}, {@code file:relative}
     * or {@code memory://name}. The store module for the scheme must be on the class path; query parameters
     * become store options. The store is closed with the checkpointer.
     *
     * @param uri the location
     * @return the checkpointer
     * @throws InvalidInputException when the URI is malformed
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when no store module handles the scheme
     */
    static Checkpointer open(String uri) {
        return builder().location(uri).build();
    }

    /**
     * Like {@link #open(String)}, with store options (credentials, endpoints, part sizes; see each store's docs).
     *
     * @param uri the location
     * @param options store options; they override query parameters of the same name
     * @return the checkpointer
     */
    static Checkpointer open(String uri, Map<String, String> options) {
        return builder().location(uri, options).build();
    }

    /**
     * Saves a checkpoint: uploads every partition (bounded concurrency, SHA-256 computed while streaming, small
     * partitions inlined), creates the manifest if absent, then moves {@code _latest} by compare-and-swap.
     * Applies retention afterwards when configured (a retention failure is logged, not the save's error).
     *
     * @param snapshot what to save
     * @return the committed manifest; {@link ConcurrentCheckpointException} when another writer won or this one is
     *     fenced; nothing of a failed or cancelled save becomes visible
     */
    Mono<Manifest> save(Snapshot snapshot);

    /**
     * The newest committed checkpoint that verifies. Reads {@code _latest}, checks the manifest against its digest,
     * and falls back to listing manifests when the pointer is missing, stale or corrupt; a corrupt checkpoint is
     * passed over (and reported to listeners) in favour of the next older one.
     *
     * @return the checkpoint; empty when there is none
     */
    Mono<Checkpoint> latest();

    /**
     * A given checkpoint, manifest verified.
     *
     * @param id the id
     * @return the checkpoint; {@link CheckpointNotFoundException} when absent, {@link CorruptMetadataException} or
     *     {@link IncompatibleCheckpointException} when its manifest cannot be trusted
     */
    Mono<Checkpoint> load(CheckpointId id);

    /**
     * Every committed checkpoint, oldest first. Manifests that cannot be read are skipped with a warning.
     *
     * @return the manifests
     */
    Flux<Manifest> list();

    /**
     * Deletes a checkpoint: the manifest first (so it is no longer committed), then its artifacts. Idempotent:
     * deleting a missing checkpoint succeeds.
     *
     * @param id the id
     * @return completion
     */
    Mono<Void> delete(CheckpointId id);

    /**
     * Applies the configured retention and sweeps artifacts that no manifest references once they are older than
     * the grace period (debris of crashed or aborted saves), plus store-level debris such as temp files.
     *
     * @return what was removed
     */
    Mono<PruneReport> prune();

    /**
     * Starts a checkpoint written by many hosts: reserves the next id at the location (create-if-absent, so of two
     * coordinators racing for one id exactly one gets it). Workers then {@link #stage} partitions under it, anywhere,
     * and this coordinator {@link #commit}s the entries they send back, or {@link #abort}s.
     *
     * @return the reserved id; {@link ConcurrentCheckpointException} when another coordinator reserved it first (or
     *     a crashed one left its reservation): calling {@code begin()} again moves on to the next id
     */
    Mono<CheckpointId> begin();

    /**
     * Uploads one partition of a checkpoint started with {@link #begin()}, on any host with access to the store.
     * Small payloads are not uploaded: the entry carries their bytes, to travel in the manifest.
     *
     * @param id the checkpoint
     * @param operator the operator name
     * @param partition the partition number
     * @param payload the bytes
     * @return the entry to send to the coordinator (JSON-serialisable)
     */
    default Mono<PartitionEntry> stage(CheckpointId id, String operator, int partition, Payload payload) {
        return stage(id, operator, partition, PartitionKind.SNAPSHOT, payload);
    }

    /**
     * Like {@link #stage(CheckpointId, String, int, Payload)}, for a partition of the given kind.
     *
     * @param id the checkpoint
     * @param operator the operator name
     * @param partition the partition number
     * @param kind snapshot or delta
     * @param payload the bytes
     * @return the entry to send to the coordinator
     */
    Mono<PartitionEntry> stage(CheckpointId id, String operator, int partition, PartitionKind kind, Payload payload);

    /**
     * Commits a checkpoint from the entries its workers staged: checks every stored entry exists under this
     * checkpoint with exactly its stated size (its SHA-256 remains the read-time check), writes the manifest with
     * create-if-absent and moves {@code _latest} by compare-and-swap, as {@link #save} does.
     *
     * @param id the checkpoint from {@link #begin()}
     * @param metadata offsets, epoch, fingerprint and the rest
     * @param entries one per partition
     * @return the committed manifest; {@link InvalidInputException} (nothing written) when an entry was never staged,
     *     has another size or belongs elsewhere; {@link ConcurrentCheckpointException} when another writer won
     */
    Mono<Manifest> commit(CheckpointId id, CheckpointMetadata metadata, java.util.List<PartitionEntry> entries);

    /**
     * Abandons a checkpoint that was begun but not committed: deletes what was staged under it.
     *
     * @param id the checkpoint
     * @return completion; {@link ConcurrentCheckpointException} when it has been committed (use {@link #delete})
     */
    Mono<Void> abort(CheckpointId id);

    /**
     * Saves periodically: every {@code period}, asks the supplier for a snapshot and saves it. One save at a time:
     * a tick that finds the previous save still running is skipped (and reported to listeners). The Flux emits each
     * committed manifest and terminates with the first error (compose {@code retry} to keep going); cancel it to
     * stop. The save runs on a Reactor worker thread, not on the thread that completed the snapshot.
     *
     * @param period time between ticks, positive
     * @param snapshots supplies the snapshot to save at each tick
     * @return the committed manifests
     */
    Flux<Manifest> every(Duration period, Supplier<Mono<Snapshot>> snapshots);

    /**
     * Releases the store (when this checkpointer opened it). Saves still running fail.
     */
    @Override
    void close();
}

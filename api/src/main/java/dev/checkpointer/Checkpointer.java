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
     * Saves a checkpoint: uploads every partition under a fresh id (bounded concurrency, SHA-256 computed while
     * streaming, small partitions inlined), prepares the manifest on the current head (create-if-absent), then
     * publishes it by moving {@code _latest} from that head to it with compare-and-swap: the publish is the commit.
     * Retention, when configured, raises the floor in the same compare-and-swap and deletes what expired afterwards
     * (a failure there is logged, not the save's error). Concurrent saves of one checkpointer commit in id order.
     *
     * @param snapshot what to save
     * @return the committed manifest. {@link ConcurrentCheckpointException} means the checkpoint was not committed
     *     and never will be (another writer committed first, or this writer is {@linkplain ConcurrentCheckpointException#fenced()
     *     fenced}); a cancelled save, or one that fails otherwise, was not committed unless the outcome of its last
     *     request was unknown ({@link ErrorCode#OUTCOME_UNKNOWN}, or a transient store error), in which case it may
     *     still commit, whole, and {@link #latest()} tells
     */
    Mono<Manifest> save(Snapshot snapshot);

    /**
     * The newest committed checkpoint that verifies: the head named by {@code _latest} (after rolling forward a
     * checkpoint a crashed writer prepared on it), or, when the head was deleted or cannot be trusted, the newest
     * live checkpoint below it on the chain (a corrupt one is reported to listeners and passed over). Only committed
     * checkpoints are ever returned. When {@code _latest} is missing or corrupt, the newest manifest of the highest
     * epoch whose parent chain verifies is used, and listeners are told ({@link CheckpointListener#onPointerRecovery}).
     *
     * @return the checkpoint; empty when there is none
     */
    Mono<Checkpoint> latest();

    /**
     * A given committed checkpoint, manifest verified.
     *
     * @param id the id
     * @return the checkpoint; {@link CheckpointNotFoundException} when it is not committed (never was, was deleted,
     *     or expired), {@link CorruptMetadataException} or {@link IncompatibleCheckpointException} when its manifest
     *     cannot be trusted
     */
    Mono<Checkpoint> load(CheckpointId id);

    /**
     * Every committed checkpoint still retained, oldest first: the live members of the chain from the floor to the
     * head. A member whose manifest cannot be read or verified is not emitted, and is reported to listeners
     * ({@link CheckpointListener#onCorruptCheckpoint}, counted by the metrics) and logged, never skipped silently;
     * one whose manifest was deleted because retention elsewhere raised the floor past it while this call ran has
     * expired, not broken, and is only left out.
     *
     * @return the manifests
     */
    Flux<Manifest> list();

    /**
     * Deletes a committed checkpoint: its manifest is replaced by a tombstone (so the chain stays whole and the id
     * can never be committed again), then its artifacts are removed. Deleting the newest checkpoint makes the one
     * before it the one {@link #latest()} returns; {@code _latest} itself never moves back. Idempotent: deleting a
     * checkpoint that is not committed succeeds (and removes what lies under the id when nothing can ever commit
     * there). A reader holding the deleted checkpoint gets {@link CheckpointNotFoundException}, never wrong bytes.
     *
     * @param id the id
     * @return completion
     */
    Mono<Void> delete(CheckpointId id);

    /**
     * Applies the configured retention (raising the floor, then deleting what fell below it) and sweeps garbage:
     * everything under ids below the floor, and everything under ids up to the head that no committed checkpoint
     * references (debris of saves that lost, crashed or were aborted), plus store-level debris there (temp files,
     * incomplete multipart uploads). Objects under ids above the head are never touched: a save that can still
     * commit may need them. The grace period only delays sweeping; it is measured on the store's clock.
     *
     * @return what was removed
     */
    Mono<PruneReport> prune();

    /**
     * Repairs a missing or corrupt {@code _latest} from the manifests: the newest manifest of the highest epoch whose
     * parent chain verifies and whose objects all exist becomes the head again (epoch: the highest any manifest
     * carries; see {@code docs/PROTOCOL.md} for what a lost pointer loses). A sound pointer is left alone. Stop every
     * writer of the location first.
     *
     * @return the newest committed checkpoint after the repair; empty when the location holds none
     */
    Mono<Manifest> repairPointer();

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
     * Abandons a checkpoint that was begun but not committed: first claims its id (an abort marker where its
     * manifest would be, create-if-absent, so no coordinator can commit it afterwards), then deletes what was staged
     * under it.
     *
     * @param id the checkpoint
     * @return completion; {@link ConcurrentCheckpointException} when it has a manifest: committed, or prepared by a
     *     coordinator about to commit it (use {@link #delete} for a committed one)
     */
    Mono<Void> abort(CheckpointId id);

    /**
     * Saves periodically, and keeps going when a checkpoint fails: like
     * {@link #every(Duration, Supplier, EveryOptions)} with {@link EveryOptions#keepGoing()}.
     *
     * <pre>{@code
     * Disposable checkpoints = checkpointer.every(Duration.ofSeconds(30), () -> Mono.fromCallable(state::snapshot))
     *         .subscribe();
     * }</pre>
     *
     * @param period time between ticks, positive
     * @param snapshots supplies the snapshot to save at each tick
     * @return the committed manifests
     */
    default Flux<Manifest> every(Duration period, Supplier<Mono<Snapshot>> snapshots) {
        return every(period, snapshots, EveryOptions.keepGoing());
    }

    /**
     * Saves periodically: every {@code period}, asks the supplier for a snapshot and saves it; the flux emits each
     * committed manifest. Nothing happens until it is subscribed to; dispose the subscription to stop.
     * <ul>
     *   <li><b>One save at a time, no queue.</b> A tick that finds the previous save still running is skipped, not
     *       queued (reported to {@link CheckpointListener#onTickSkipped}, counted by {@code checkpointer.ticks.skipped}),
     *       so saves slower than the period run back to back at most, and memory stays bounded.</li>
     *   <li><b>Failures do not stop it.</b> When the supplier throws, returns {@code null} or an error, or the save
     *       fails, the failure is logged (one WARN line with the cause's message; the stack trace at DEBUG), told to
     *       {@link CheckpointListener#onPeriodicCheckpointFailed} (counted by {@code checkpointer.every.failures}),
     *       and the next tick tries again. A committed checkpoint resets the count of failures in a row;
     *       {@link EveryOptions#giveUpAfter(int)} ends the flux with the last failure once that count is reached.
     *       Two failures end it at once, because no later tick could succeed: this checkpointer was
     *       {@linkplain #close() closed} ({@link ErrorCode#CLOSED}), or its writer was
     *       {@linkplain ConcurrentCheckpointException#fenced() fenced} by a newer one.</li>
     *   <li>A supplier that returns an empty {@code Mono} skips that tick: nothing is saved, nothing fails.</li>
     *   <li>The save runs on a Reactor worker thread, not on the thread that completed the snapshot.</li>
     * </ul>
     *
     * @param period time between ticks, positive
     * @param snapshots supplies the snapshot to save at each tick
     * @param options when to give up; {@link EveryOptions#keepGoing()} never does
     * @return the committed manifests; an error signal only when it gives up (see above), or
     *     {@link InvalidInputException} for a period that is not positive
     */
    Flux<Manifest> every(Duration period, Supplier<Mono<Snapshot>> snapshots, EveryOptions options);

    /**
     * A checkpointed pipeline operator over this checkpointer: {@code events.transform(checkpointer.pipeline(spec))}
     * folds events into a state, and saves state and source positions together at barriers (every N events, every
     * T, or whichever comes first), coalescing when saves are slower than the trigger. See
     * {@link CheckpointedPipeline}.
     *
     * @param spec what the pipeline does
     * @param <T> the event type
     * @param <S> the state type
     * @return the operator (cold: nothing happens until a run is subscribed to)
     */
    <T, S> CheckpointedPipeline<T, S> pipeline(PipelineSpec<T, S> spec);

    /**
     * The status of every sink a committed checkpoint recorded (the keys of its {@link Manifest#sinkEpochs()}):
     * {@link SinkState#PENDING} until {@link #markSink} moved it. Kept in a small object beside the manifest,
     * {@code checkpoints/{id}/_sinks}, which the manifest never references; its absence means "all pending".
     *
     * @param id a committed checkpoint
     * @return the statuses, sorted by sink name (empty when the checkpoint records no sinks);
     *     {@link CheckpointNotFoundException} when it is not committed
     */
    Mono<java.util.List<SinkStatus>> sinkStatuses(CheckpointId id);

    /**
     * Moves one sink of a committed checkpoint from {@link SinkState#PENDING} to {@link SinkState#COMMITTED} or
     * {@link SinkState#FAILED}, by compare-and-swap on {@code checkpoints/{id}/_sinks} (create-if-absent, then
     * if-match on its ETag, retried when another sink's update won the race); the manifest is never rewritten.
     * Repeating a transition already made succeeds without writing; the opposite one is refused. Safe to retry after
     * any failure: the status read back is always the old or the new one.
     *
     * @param id a committed checkpoint
     * @param sink a sink the checkpoint recorded
     * @param state {@link SinkState#COMMITTED} or {@link SinkState#FAILED}
     * @param detail a short note stored with the transition (why it failed, a transaction id), at most 1024
     *     characters; null for none. Never put secrets in it.
     * @return the sink's status after the transition; {@link InvalidInputException} for {@code PENDING}, an unknown
     *     sink or a too long detail; {@link CheckpointException} with {@link ErrorCode#SINK_STATE_CONFLICT} when the
     *     sink already reached the other final state; {@link CheckpointNotFoundException} when the checkpoint is not
     *     committed
     */
    Mono<SinkStatus> markSink(CheckpointId id, String sink, SinkState state, @org.jspecify.annotations.Nullable String detail);

    /**
     * Releases the store (when this checkpointer opened it). Saves still running fail.
     */
    @Override
    void close();
}

package dev.checkpointer;

import reactor.core.publisher.Mono;

/**
 * A two-phase-commit sink of a {@link CheckpointedPipeline} (a Kafka transactional producer, a database
 * transaction, files renamed on commit). Its output becomes visible exactly once, together with the checkpoint whose
 * state produced it:
 * <ol>
 *   <li>{@link #barrier(long)}: in the barrier signal, on the pipeline's thread, between two events. Everything the
 *       pipeline wrote to the sink before this call belongs to {@code epoch}; what it writes afterwards belongs to
 *       a later epoch. Must not block (switch to another transaction / buffer, do not flush here).</li>
 *   <li>{@link #prepare(long)}: asynchronously, after the barrier: make everything written before
 *       {@code barrier(epoch)} and not yet committed durable but invisible (flush, pre-commit, Kafka
 *       {@code prepareTransaction()}), and return the data needed to commit or abort it after a crash. That string is
 *       stored in the checkpoint itself ({@link Manifest#sinkPrepared()}), with the epoch
 *       ({@link Manifest#sinkEpochs()}), so a restarted job finds it.</li>
 *   <li>The checkpoint commits with the sink {@link SinkState#PENDING}.</li>
 *   <li>{@link #commit(long, String)}: make it visible; then the pipeline marks the sink
 *       {@link SinkState#COMMITTED} ({@link Checkpointer#markSink}). When it fails, the sink is marked
 *       {@link SinkState#FAILED} with the error's message.</li>
 * </ol>
 * <b>Epochs are cumulative.</b> When saves are slower than the trigger the pipeline coalesces barriers, so some
 * epochs are never prepared: {@code prepare(e)} covers every write before {@code barrier(e)} that no earlier
 * committed prepare covered, and a failed save is not aborted (its writes are still covered by the next one, since
 * the pipeline's state includes them). <b>Recovery:</b> {@link CheckpointedPipeline#resume()} commits, through
 * {@link #commit}, every sink still {@link SinkState#PENDING} in the checkpoint it resumes from, before the source
 * starts; writes prepared for checkpoints that never committed must be aborted by the sink itself when it starts
 * (Kafka: {@code initTransactions()} on the same transactional id), since no committed state includes them.
 * {@code commit} must therefore be idempotent for an epoch it already committed.
 */
public interface TransactionalSink {

    /**
     * The sink's name, as recorded in the manifest (a key of {@link Manifest#sinkEpochs()}).
     *
     * @return the name; non-empty and stable across restarts
     */
    String name();

    /**
     * Called in the barrier signal of epoch {@code epoch}, on the pipeline's thread; must not block. The default does
     * nothing (a sink that only writes in {@link #prepare} needs no barrier).
     *
     * @param epoch the epoch of the barrier (increases by at least 1 per barrier, across restarts)
     */
    default void barrier(long epoch) {
    }

    /**
     * Prepares (pre-commits) everything written before {@code barrier(epoch)} that is not committed yet.
     *
     * @param epoch the barrier's epoch
     * @return the prepared-transaction data to record in the checkpoint (empty {@code Mono}: nothing recorded);
     *     an error fails this checkpoint (a periodic failure), and nothing is saved
     */
    Mono<String> prepare(long epoch);

    /**
     * Commits what {@link #prepare(long)} prepared for {@code epoch}, once its checkpoint committed. Idempotent: it may
     * be called again for the same epoch after a crash, by {@link CheckpointedPipeline#resume()}.
     *
     * @param epoch the epoch
     * @param prepared the data {@code prepare} returned, as read back from the checkpoint; null when it returned none
     * @return completion; an error marks the sink {@link SinkState#FAILED} for that checkpoint, and the checkpoint counts
     *     as failed ({@link ErrorCode#SINK_FAILED}, under the spec's {@link EveryOptions})
     */
    Mono<Void> commit(long epoch, @org.jspecify.annotations.Nullable String prepared);
}

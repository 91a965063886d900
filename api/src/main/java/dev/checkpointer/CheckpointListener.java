package dev.checkpointer;

/**
 * Observes saves. For every subscription to {@link Checkpointer#save}, {@link #onSaveStarted} and
 * {@link #onSaveFinished} are each called exactly once, including on error and on cancellation. A listener that
 * throws is logged and ignored: it never changes a save's outcome. Calls may come from any thread; keep them short.
 */
public interface CheckpointListener {

    /**
     * A save was subscribed to.
     *
     * @param snapshot the snapshot being saved
     */
    default void onSaveStarted(Snapshot snapshot) {}

    /**
     * A save ended.
     *
     * @param outcome committed, failed or cancelled
     */
    default void onSaveFinished(SaveOutcome outcome) {}

    /**
     * A store request failed transiently and will be retried.
     *
     * @param operation the store operation
     * @param attempt the attempt that failed (1 for the first)
     * @param error the failure
     */
    default void onRetry(String operation, int attempt, Throwable error) {}

    /**
     * A periodic tick of {@link Checkpointer#every} was skipped because the previous save was still running.
     *
     * @param skippedSoFar ticks skipped by that flux so far
     */
    default void onTickSkipped(long skippedSoFar) {}

    /**
     * A periodic checkpoint of {@link Checkpointer#every} failed: its snapshot supplier threw or returned an error
     * (or {@code null}), or its save failed (a failed save is also reported to {@link #onSaveFinished}). The flux
     * keeps going unless its {@link EveryOptions} say to give up after {@code consecutiveFailures}, or the failure
     * is one no later tick could recover from.
     *
     * @param error the failure
     * @param consecutiveFailures periodic checkpoints of that flux failed in a row so far, including this one (a
     *     committed checkpoint resets it)
     */
    default void onPeriodicCheckpointFailed(Throwable error, int consecutiveFailures) {}

    /**
     * A checkpoint failed verification while looking for the latest one and was passed over.
     *
     * @param id the checkpoint passed over
     * @param error why
     */
    default void onCorruptCheckpoint(CheckpointId id, CheckpointException error) {}

    /**
     * The {@code _latest} pointer is missing or corrupt while checkpoints exist, so a read used the newest checkpoint
     * whose chain verifies, recovered from the manifests themselves. Writes are refused until the pointer is repaired
     * ({@link Checkpointer#repairPointer()}). Called on every read that has to recover.
     *
     * @param recovered the checkpoint reads use now, or null when none verifies
     * @param reason what is wrong with the pointer
     */
    default void onPointerRecovery(@org.jspecify.annotations.Nullable CheckpointId recovered, String reason) {}
}

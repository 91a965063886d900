package dev.checkpointer.internal.micrometer;

import dev.checkpointer.micrometer.CheckpointerMeters;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.StoreException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link CheckpointListener} that records checkpoint activity in a {@link MeterRegistry}: save durations by
 * outcome, retries, throttles, integrity failures, fencing refusals, corrupt checkpoints, skipped ticks and failed
 * periodic checkpoints (see {@link CheckpointerMeters} for names and tags). Every tag value comes from a small fixed set, so it stays
 * low-cardinality. {@link dev.checkpointer.CheckpointerBuilder#meterRegistry} registers one; it can also be added by
 * hand with {@code Checkpointer.builder().listener(...)}.
 */
public final class MicrometerCheckpointListener implements CheckpointListener {
    private final MeterRegistry registry;
    private final Tags tags;

    /**
     * A listener for one checkpointer.
     *
     * @param registry where to record
     * @param store the store tag value, e.g. from {@link CheckpointerMeters#storeTag}
     * @param extraTags more common tags (e.g. an application's job name); keep them low-cardinality
     */
    public MicrometerCheckpointListener(MeterRegistry registry, String store, Iterable<Tag> extraTags) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(CheckpointerMeters.TAG_STORE, Objects.requireNonNull(store, "store")).and(extraTags);
    }

    /**
     * A listener for one checkpointer, with no extra tags.
     *
     * @param registry where to record
     * @param store the store tag value
     */
    public MicrometerCheckpointListener(MeterRegistry registry, String store) {
        this(registry, store, Tags.empty());
    }

    @Override
    public void onSaveFinished(SaveOutcome outcome) {
        Throwable error = outcome.error();
        String code = error instanceof CheckpointException ce ? ce.code().name() : (error == null ? "none" : "OTHER");
        Timer.builder(CheckpointerMeters.SAVE)
                .description("Duration of checkpoint saves, from subscription to commit, failure or cancellation")
                .tags(tags)
                .tag(CheckpointerMeters.TAG_OUTCOME, outcome.status().name().toLowerCase(Locale.ROOT))
                .tag(CheckpointerMeters.TAG_ERROR, code)
                .register(registry)
                .record(outcome.elapsed());
        outcome.committed().ifPresent(m -> DistributionSummary.builder(CheckpointerMeters.SAVE_SIZE)
                .description("Bytes of state in committed checkpoints")
                .baseUnit("bytes")
                .tags(tags)
                .register(registry)
                .record(m.totalBytes()));
        if (error instanceof ConcurrentCheckpointException cce) {
            counter(CheckpointerMeters.CONFLICTS, Meters.CONFLICTS_DESCRIPTION,
                    Tags.of(CheckpointerMeters.TAG_REASON, Meters.conflictReason(cce))).increment();
        } else if (error instanceof CheckpointException ce && ce.code() == ErrorCode.INTEGRITY) {
            counter(CheckpointerMeters.INTEGRITY_FAILURES, Meters.INTEGRITY_FAILURES_DESCRIPTION, Tags.empty()).increment();
        }
    }

    @Override
    public void onRetry(String operation, int attempt, Throwable error) {
        boolean throttled = error instanceof StoreException se && se.code() == ErrorCode.STORE_THROTTLED;
        Tags op = Tags.of(CheckpointerMeters.TAG_OPERATION, operationTag(operation));
        counter(CheckpointerMeters.RETRIES, "Store requests retried after a transient failure",
                op.and(CheckpointerMeters.TAG_REASON, throttled ? "throttled" : "transient")).increment();
        if (throttled) {
            counter(CheckpointerMeters.THROTTLES, "Store requests the store throttled", op).increment();
        }
    }

    @Override
    public void onTickSkipped(long skippedSoFar) {
        counter(CheckpointerMeters.TICKS_SKIPPED, "Periodic checkpoint ticks skipped because a save was still running", Tags.empty()).increment();
    }

    @Override
    public void onPeriodicCheckpointFailed(Throwable error, int consecutiveFailures) {
        counter(CheckpointerMeters.EVERY_FAILURES, "Periodic checkpoints that failed (snapshot supplier or save)",
                Tags.of(CheckpointerMeters.TAG_ERROR, Meters.errorTag(error))).increment();
    }

    @Override
    public void onCorruptCheckpoint(CheckpointId id, CheckpointException error) {
        counter(CheckpointerMeters.CORRUPT_CHECKPOINTS, "Checkpoints passed over because their manifest cannot be read or trusted",
                Tags.of(CheckpointerMeters.TAG_ERROR, error.code().name())).increment();
    }

    @Override
    public void onPointerRecovery(@org.jspecify.annotations.Nullable CheckpointId recovered, String reason) {
        counter(CheckpointerMeters.POINTER_RECOVERIES, "Reads that found _latest missing or corrupt and recovered from the manifests",
                Tags.of(CheckpointerMeters.TAG_OUTCOME, recovered == null ? "nothing" : "recovered")).increment();
    }

    private Counter counter(String name, String description, Tags more) {
        return Counter.builder(name).description(description).tags(tags).tags(more).register(registry);
    }

    /**
     * Keeps the operation tag to the SPI's names (a store could report anything).
     *
     * @param operation the operation as reported
     * @return the operation, or {@code other}
     */
    static String operationTag(@Nullable String operation) {
        if (operation == null) {
            return "other";
        }
        // the engine's names are camelCase (put, deleteAll, uploadPart, ...), as in checkpointer.store.requests
        return operation.matches("[a-z][a-zA-Z]{0,31}") ? operation : "other";
    }
}

package dev.checkpointer;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One sink's status in one checkpoint: what the checkpoint recorded for it (its epoch and the prepared-transaction
 * data the sink handed in at the barrier, {@link Snapshot.Builder#sinkPrepared}) and where its transaction stands
 * ({@link SinkState}). Read with {@link Checkpointer#sinkStatuses}, changed with {@link Checkpointer#markSink}.
 * Immutable.
 *
 * @param sink the sink name
 * @param epoch the sink epoch recorded in the checkpoint ({@link Manifest#sinkEpochs()})
 * @param state where its transaction stands
 * @param prepared the prepared-transaction data recorded in the checkpoint, e.g. a serialized Kafka
 *     {@code PreparedTxnState} or producer id and epoch; null when the sink recorded none
 * @param detail the short note given with the last transition (e.g. why it failed); null when none
 * @param updatedAt when the state last changed (the marking writer's clock); null while {@link SinkState#PENDING}
 */
public record SinkStatus(String sink, long epoch, SinkState state, @Nullable String prepared, @Nullable String detail,
                         @Nullable Instant updatedAt) {

    /**
     * Validates.
     *
     * @throws NullPointerException when sink or state is null
     */
    public SinkStatus {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(state, "state");
    }

    /**
     * The prepared-transaction data, when the checkpoint recorded some.
     *
     * @return the data
     */
    public Optional<String> preparedData() {
        return Optional.ofNullable(prepared);
    }
}

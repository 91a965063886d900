package dev.checkpointer;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a {@link CheckpointedPipeline} starts: the state and source positions of the checkpoint it resumes from
 * (or the initial state and no positions when there is none), and its sinks' statuses. Seek the source to
 * {@link #offsets()} before subscribing to it. Immutable.
 *
 * @param checkpoint the checkpoint resumed from; empty on a first start
 * @param state the state to continue from (decoded from the checkpoint, or the spec's initial state)
 * @param offsets the source positions to continue from (the next record to read of each position)
 * @param epoch the epoch of the checkpoint's barrier (0 on a first start); the next barrier's epoch is higher
 * @param sinks every sink the checkpoint recorded, with its status as found when resuming, before the pipeline
 *     committed the pending ones (see {@link #pendingSinks()})
 * @param <S> the state type
 */
public record PipelineResume<S>(Optional<Manifest> checkpoint, S state, Offsets offsets, long epoch, List<SinkStatus> sinks) {

    /**
     * Validates and copies.
     */
    public PipelineResume {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(offsets, "offsets");
        sinks = List.copyOf(sinks);
    }

    /**
     * The sinks that were still {@link SinkState#PENDING} in the checkpoint resumed from: their transactions were
     * prepared and the checkpoint committed, but their commit was not recorded (the job died in between).
     * {@link CheckpointedPipeline#resume()} has already committed them again through
     * {@link TransactionalSink#commit} (by epoch, idempotently) when the sink is part of the spec, and marked them.
     *
     * @return the pending sinks
     */
    public List<SinkStatus> pendingSinks() {
        return sinks.stream().filter(s -> s.state() == SinkState.PENDING).toList();
    }
}

package dev.checkpointer;

import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A Reactor operator that folds a stream of events into a state, tracks the source positions of the events, and
 * checkpoints state and positions together. Made by {@link Checkpointer#pipeline(PipelineSpec)}; used as
 * {@code events.transform(pipeline)}, which returns the committed checkpoints.
 *
 * <pre>{@code
 * CheckpointedPipeline<Rec, Map<String, Long>> pipeline = checkpointer.pipeline(spec);
 * Flux<Manifest> run = pipeline.resume()
 *         .flatMapMany(from -> source(from.offsets())   // seek the source before it starts
 *                 .transform(pipeline));
 * }</pre>
 *
 * <h2>Barriers</h2>
 * Every event is folded into the state ({@link PipelineSpec.Builder#fold}) and its position recorded
 * ({@link PipelineSpec.Builder#position}) in the event's own signal. When a trigger fires (every N events, every T,
 * or whichever comes first; the timer runs on the spec's scheduler and restarts at each barrier), the next serial
 * signal is a <b>barrier</b>: the state is encoded ({@link StateCodec#encode}), the positions copied and every
 * {@link TransactionalSink#barrier} called, all between two events, so state, positions and sink epochs always
 * describe the same point of the stream. The save itself (sinks' {@code prepare}, {@link Checkpointer#save},
 * sinks' {@code commit}, {@link Checkpointer#markSink}) then runs asynchronously: the pipeline's threads never wait
 * for the store. A barrier is taken only when events arrived since the previous one.
 *
 * <h2>Backpressure and slow saves: coalescing</h2>
 * The operator requests events from upstream in bounded batches and keeps folding while a save runs. At most one
 * save runs at a time, and at most <b>one</b> captured barrier waits for it: when another barrier is taken while one
 * is already waiting, the newer one replaces it (the older one is dropped, logged at DEBUG and counted: listeners
 * hear {@link CheckpointListener#onTickSkipped} with the count so far; its events are included in the newer one's
 * state, and its sinks' writes in the newer epoch, since {@link TransactionalSink} epochs are cumulative). So when saves are slower than the trigger, checkpoints are simply
 * fewer, memory stays bounded by two encoded states, and nothing queues without bound.
 *
 * <h2>Failures</h2>
 * A failed checkpoint (state codec, sink {@code prepare}, save) follows the policy of
 * {@link Checkpointer#every(java.time.Duration, java.util.function.Supplier, EveryOptions)}: it is logged, told to
 * {@link CheckpointListener#onPeriodicCheckpointFailed}, and the pipeline keeps going (the next barrier includes the
 * same events again) until {@link EveryOptions#giveUpAfter(int)} failures in a row, or at once when the
 * checkpointer was closed or its writer fenced; then the returned flux ends with that error. An error of the
 * source, the fold or the position function takes no new barrier and ends the flux with that error once the
 * barriers already captured have finished saving (so a crash of the source loses nothing that was captured).
 * When the source completes, a last barrier is taken (if events arrived since the previous one), the flux waits
 * for its save and completes. Cancelling the returned flux cancels the save in flight.
 *
 * @param <T> the event type
 * @param <S> the state type
 */
public interface CheckpointedPipeline<T, S> extends Function<Flux<T>, Flux<Manifest>> {

    /**
     * Loads where to start: the newest committed checkpoint's state (decoded by the spec's codec), positions, epoch
     * and sink statuses; checks it against the spec's topology, if any ({@link Manifest#validate(Topology)}, all
     * problems in one {@link IncompatibleCheckpointException}); and commits again, through the spec's
     * {@link TransactionalSink}s, every sink still {@link SinkState#PENDING} in it, marking each
     * {@link SinkState#COMMITTED} (or {@link SinkState#FAILED} when its commit fails, which fails the resume).
     * Call it before the source starts, to seek the source; the next {@link #apply} continues from what it returned
     * (a run that starts without an unused resume calls it itself).
     *
     * @return where to start; never empty
     */
    Mono<PipelineResume<S>> resume();

    /**
     * Runs the pipeline over the events: folds them, takes barriers and saves checkpoints as described above.
     * Cold: each subscription is one run, starting from the last {@link #resume()} not yet used by a run (or a fresh
     * one). One run at a time per pipeline: a second concurrent subscription fails with
     * {@link InvalidInputException}.
     *
     * @param events the source, positioned at {@link PipelineResume#offsets()}
     * @return each committed checkpoint, in order
     */
    @Override
    Flux<Manifest> apply(Flux<T> events);
}

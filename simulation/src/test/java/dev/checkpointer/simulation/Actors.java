package dev.checkpointer.simulation;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Chunking;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The actors of a schedule. Each actor runs one operation at a time on its current process and reports every
 * outcome to the {@link Oracle}. When its process crashes, or (for writers) stalls, the actor's next operation
 * starts on a new process: a restarted job, or a successor that takes over while the old process is a zombie.
 *
 * <ul>
 *   <li>{@link Writer}: {@code save()} of 1 to 3 partitions tagged with a unique save id; with its own epoch
 *       (claimed by the checkpointer) or with the shared coordinator term as an explicit epoch; some with
 *       retention; some chunking (their large partitions change a little from save to save, so they reuse the
 *       head's chunks), some of those compressing with zstd.</li>
 *   <li>{@link Coordinator}: {@code begin()}, {@code stage()} through its own checkpointer or its worker's, then
 *       {@code commit()} or {@code abort()}; sometimes {@code abort()} of an id another coordinator began.</li>
 *   <li>{@link Pruner}: {@code prune()}, with a skewed clock and a grace period.</li>
 *   <li>{@link Deleter}: {@code delete()} of a recently committed id.</li>
 *   <li>{@link Reader}: {@code latest()} then read every partition; {@code list()}; {@code load()} of a recent id
 *       then read every partition.</li>
 * </ul>
 */
final class Actors {
    private Actors() {}

    /** One running operation: what it is, its subscription, and every process it depends on. */
    static final class Op {
        final String what;
        final List<SimProcess> uses;
        final Runnable onCrash;
        @Nullable Disposable subscription;
        boolean done;

        Op(String what, List<SimProcess> uses, Runnable onCrash) {
            this.what = what;
            this.uses = uses;
            this.onCrash = onCrash;
        }

        @Override
        public String toString() {
            return what;
        }
    }

    /** An actor: a role played by a succession of processes. */
    abstract static class Actor {
        final String name;
        @Nullable SimProcess process;
        int generation;

        Actor(String name) {
            this.name = name;
        }

        /** Whether the actor can start an operation now (its process, if any, is idle and running). */
        boolean canStart() {
            return process == null || (!process.busy() && !process.stalled() && !process.crashed());
        }

        /** The current process, started (or restarted) when needed. */
        SimProcess process(Simulation sim) {
            if (process == null || process.crashed()) {
                process = sim.newProcess(name + "." + (++generation), skew(), retention(), grace(), chunking());
            }
            return process;
        }

        Duration skew() {
            return Duration.ZERO;
        }

        Retention retention() {
            return Retention.keepAll();
        }

        Duration grace() {
            return Duration.ofHours(1);
        }

        Chunking chunking() {
            return Chunking.off();
        }

        /** A writer whose process stalls is replaced by a successor; the stalled one becomes a zombie. */
        boolean replacedWhenStalled() {
            return false;
        }

        /** Forgets a process that crashed or became a zombie, so the next operation starts a new one. */
        void lost(SimProcess p) {
            if (process == p) {
                process = null;
            }
        }

        /** Starts one operation, reading its decisions from the choices. */
        abstract void start(Simulation sim, Choices c);
    }

    /** A writer: saves with its own epoch, or with the shared term as explicit epoch. */
    static final class Writer extends Actor {
        final boolean sharedEpoch;
        final int keepLast;
        final Chunking chunking;

        Writer(String name, boolean sharedEpoch, int keepLast, Chunking chunking) {
            super(name);
            this.sharedEpoch = sharedEpoch;
            this.keepLast = keepLast;
            this.chunking = chunking;
        }

        @Override
        Chunking chunking() {
            return chunking;
        }

        @Override
        Retention retention() {
            return keepLast > 0 ? Retention.keepLast(keepLast) : Retention.keepAll();
        }

        @Override
        boolean replacedWhenStalled() {
            return true;
        }

        @Override
        void start(Simulation sim, Choices c) {
            SimProcess p = process(sim);
            // A chunking writer's saves carry the chunked content (Content): large partitions that change a little.
            String tag = sim.newTag() + (chunking.enabled() ? Content.CHUNKED : "");
            Snapshot.Builder b = Snapshot.builder().metadata("save", tag);
            for (Content.Part part : Content.of(tag)) {
                b.partition(part.operator(), part.partition(), Payload.of(part.bytes()));
            }
            long epoch = sim.term();
            if (sharedEpoch) {
                b.epoch(epoch);
            }
            Snapshot snapshot = b.build();
            sim.run(p.name() + " save " + tag + (sharedEpoch ? " epoch " + epoch : ""), List.of(p),
                    p.checkpointer().save(snapshot),
                    m -> sim.committed(tag, (Manifest) m, p.name()),
                    e -> sim.saveFailed(tag, e, p.name()),
                    () -> { });
        }
    }

    /** A coordinator of checkpoints written by many hosts, with one worker process. */
    static final class Coordinator extends Actor {
        @Nullable SimProcess worker;
        int workerGeneration;

        Coordinator(String name) {
            super(name);
        }

        @Override
        boolean canStart() {
            return super.canStart() && (worker == null || (!worker.stalled() && !worker.crashed() && !worker.busy()));
        }

        @Override
        void lost(SimProcess p) {
            super.lost(p);
            if (worker == p) {
                worker = null;
            }
        }

        @Override
        void start(Simulation sim, Choices c) {
            SimProcess p = process(sim);
            if (worker == null || worker.crashed()) {
                worker = sim.newProcess(name + "w." + (++workerGeneration), Duration.ZERO, Retention.keepAll(), Duration.ofHours(1), Chunking.off());
            }
            SimProcess w = worker;
            int mode = c.next(4);
            int via = c.next(8);
            boolean abortAtEnd = c.next(5) == 4;
            boolean explicitEpoch = c.next(2) == 1;
            Long foreign = mode == 3 ? sim.recentBegun(c.next(4)) : null;
            if (foreign != null) {
                CheckpointId id = CheckpointId.of(foreign);
                sim.run(p.name() + " abort " + foreign + " (begun by another)", List.of(p), p.checkpointer().abort(id), x -> { },
                        e -> { }, () -> { });
                return;
            }
            String tag = sim.newTag();
            long epoch = sim.term();
            Checkpointer own = p.checkpointer();
            Checkpointer wk = w.checkpointer();
            List<Content.Part> parts = Content.of(tag);
            Mono<Object> flow = own.begin().flatMap(id -> {
                sim.begun(id.value());
                List<Mono<PartitionEntry>> stages = new ArrayList<>();
                for (int i = 0; i < parts.size(); i++) {
                    Content.Part part = parts.get(i);
                    Checkpointer stager = ((via >> i) & 1) == 0 ? own : wk;
                    stages.add(stager.stage(id, part.operator(), part.partition(), Payload.of(part.bytes())));
                }
                Mono<List<PartitionEntry>> entries = Flux.concat(stages).collectList();
                if (abortAtEnd) {
                    return entries.then(own.abort(id)).thenReturn((Object) ("aborted " + id));
                }
                CheckpointMetadata.Builder meta = CheckpointMetadata.builder().metadata("save", tag);
                if (explicitEpoch) {
                    meta.epoch(epoch);
                }
                return entries.flatMap(es -> own.commit(id, meta.build(), es)).map(m -> (Object) m);
            });
            sim.run(p.name() + " coordinate " + tag + (abortAtEnd ? " then abort" : "") + (explicitEpoch ? " epoch " + epoch : ""),
                    List.of(p, w), flow,
                    r -> {
                        if (r instanceof Manifest m) {
                            sim.committed(tag, m, p.name());
                        }
                    },
                    e -> sim.saveFailed(tag, e, p.name()),
                    () -> { });
        }
    }

    /** Runs prune(). */
    static final class Pruner extends Actor {
        final Duration skew;
        final Duration grace;
        final int keepLast;

        Pruner(String name, Duration skew, Duration grace, int keepLast) {
            super(name);
            this.skew = skew;
            this.grace = grace;
            this.keepLast = keepLast;
        }

        @Override
        Duration skew() {
            return skew;
        }

        @Override
        Duration grace() {
            return grace;
        }

        @Override
        Retention retention() {
            return keepLast > 0 ? Retention.keepLast(keepLast) : Retention.keepAll();
        }

        @Override
        void start(Simulation sim, Choices c) {
            SimProcess p = process(sim);
            sim.run(p.name() + " prune", List.of(p), p.checkpointer().prune(), x -> { }, e -> { }, () -> { });
        }
    }

    /** Deletes a recently committed checkpoint. */
    static final class Deleter extends Actor {
        Deleter(String name) {
            super(name);
        }

        @Override
        void start(Simulation sim, Choices c) {
            SimProcess p = process(sim);
            Long id = sim.recentCommitted(c.next(4));
            if (id == null) {
                return;
            }
            sim.oracle().deleteIssued(id);
            sim.run(p.name() + " delete " + id, List.of(p), p.checkpointer().delete(CheckpointId.of(id)), x -> { }, e -> { }, () -> { });
        }
    }

    /** Reads: latest() or load() and every partition, or list(). */
    static final class Reader extends Actor {
        Reader(String name) {
            super(name);
        }

        @Override
        void start(Simulation sim, Choices c) {
            SimProcess p = process(sim);
            Checkpointer cp = p.checkpointer();
            int mode = c.next(3);
            int start = sim.step();
            Oracle oracle = sim.oracle();
            String by = p.name();
            if (mode == 1) {
                Mono<Object> list = cp.list().doOnNext(m -> oracle.observed(m, "list()", start, by)).then().cast(Object.class);
                sim.run(by + " list", List.of(p), list, x -> { }, e -> { }, () -> { });
                return;
            }
            Long id = mode == 2 ? sim.recentCommitted(c.next(4)) : null;
            Mono<Checkpoint> found = id == null ? cp.latest() : cp.load(CheckpointId.of(id));
            String how = id == null ? "latest()" : "load(" + id + ")";
            Mono<Object> op = found.flatMap(cpt -> {
                Manifest m = cpt.manifest();
                oracle.observed(m, how, start, by);
                return Flux.fromIterable(m.partitions())
                        .concatMap(e -> cpt.read(e.operator(), e.partition())
                                .flatMap(buf -> Mono.just(Buffers.toArray(buf)))
                                .doOnNext(bytes -> oracle.read(m, e, bytes, null, by))
                                .doOnError(err -> oracle.read(m, e, null, err, by))
                                .onErrorResume(err -> Mono.empty()))
                        .then(Mono.just((Object) m));
            });
            sim.run(by + " " + how + " and read", List.of(p), op, x -> { }, e -> { }, () -> { });
        }
    }
}

package dev.checkpointer.internal;


import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.OperatorNames;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.internal.LocationState.Kind;
import dev.checkpointer.internal.LocationState.View;
import dev.checkpointer.internal.ProtocolRules.Rule;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreKeys;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Writing checkpoints: {@code save} (one process), and {@code begin}/{@code stage}/{@code commit} (many hosts).
 * Artifacts are uploaded under the checkpoint's id with bounded concurrency; then, detached from cancellation
 * (once a manifest may exist, the save must run to its end), the manifest is prepared and published by the
 * {@link Protocol}. A save's artifacts are deleted on failure only when its manifest provably never was or never
 * can be published.
 */
final class Saves {
    private static final Logger log = LoggerFactory.getLogger(Saves.class);
    /** Times a save with an id of its own choosing uploads again under a fresh id when its id was taken. */
    private static final int ID_ATTEMPTS = 3;
    private static final int READ_CONCURRENCY = 4;

    private final Context ctx;
    private final Chain chain;
    private final Protocol protocol;
    private final Janitor janitor;
    private final Reads reads;
    private final Uploader uploader;
    private final Sequencer sequencer = new Sequencer();
    /** Keys this process staged, with the size the store confirmed: a commit need not ask again. */
    private final Map<String, Long> confirmed = new ConcurrentHashMap<>();

    /** The chunks of the newest checkpoint this process saved or read as a base, so a steady save reads no manifest. */
    private final AtomicReference<ChunkIndex> lastBase = new AtomicReference<>(ChunkIndex.NONE);

    Saves(Context ctx, Chain chain, Protocol protocol, Janitor janitor, Reads reads) {
        this.ctx = ctx;
        this.chain = chain;
        this.protocol = protocol;
        this.janitor = janitor;
        this.reads = reads;
        this.uploader = new Uploader(ctx.calls, new AsyncPermits(ctx.config.maxConcurrentUploads()), ctx.config, ctx.cpu);
    }

    // ------------------------------------------------------------------------------------------------- save

    Mono<Manifest> save(Snapshot snapshot) {
        SaveRun run = new SaveRun(snapshot);
        run.started();
        return run.save();
    }

    /**
     * One save: its uploads (to clean up on failure) and its listener notifications, exactly once. Its phase moves
     * from uploading to committing, or from uploading to abandoned (cancelled or failed), by compare-and-set, so a
     * cancellation racing the start of the commit either stops the commit before it writes anything, or comes too
     * late and leaves the commit to run to its end: never both.
     */
    private final class SaveRun {
        private static final int UPLOADING = 0;
        private static final int COMMITTING = 1;
        private static final int ABANDONED = 2;

        private final Snapshot snapshot;
        private final AtomicReference<UploadLog> uploads = new AtomicReference<>(new UploadLog());
        private final AtomicBoolean finished = new AtomicBoolean();
        private final AtomicInteger phase = new AtomicInteger(UPLOADING);
        private final AtomicBoolean cancelled = new AtomicBoolean();
        private final Instant start = ctx.now();

        SaveRun(Snapshot snapshot) {
            this.snapshot = snapshot;
        }

        void started() {
            ctx.notifyListeners(l -> l.onSaveStarted(snapshot));
        }

        Mono<Manifest> save() {
            return Mono.defer(() -> {
                        checkKeys(snapshot);
                        return protocol.view();
                    })
                    .flatMap(this::usable)
                    .flatMap(v -> protocol.epochFor(snapshot.epoch(), v).flatMap(epoch -> attempt(v, epoch, 1)))
                    .doOnError(e -> {
                        if (phase.compareAndSet(UPLOADING, ABANDONED)) {
                            abandon("a failed save");
                            failed(e);
                        }
                    })
                    .doOnCancel(() -> {
                        cancelled.set(true);
                        if (phase.compareAndSet(UPLOADING, ABANDONED)) {
                            finish(new SaveOutcome(SaveOutcome.Status.CANCELLED, null, null, elapsed()));
                            abandon("a cancelled save");
                        }
                    });
        }

        private Mono<Manifest> attempt(View v, long epoch, int n) {
            CheckpointId id;
            if (snapshot.id().isPresent()) {
                id = snapshot.id().get();
                if (id.value() <= v.headId()) {
                    return Mono.error(new ConcurrentCheckpointException("checkpoint " + id + " is not above the newest checkpoint " + v.headId()
                            + " at " + ctx.store.describe() + ": ids are never reused", false));
                }
                ctx.state.sawId(id.value());
            } else {
                long next = ctx.state.allocate(v.headId());
                if (next > CheckpointId.MAX_VALUE) {
                    return Mono.error(new InvalidInputException("checkpoint " + CheckpointId.MAX_VALUE + " is the largest id, and no id follows it"
                            + " (ids must be <= " + CheckpointId.MAX_VALUE + " so that an id can follow it)"));
                }
                id = CheckpointId.of(next);
            }
            CheckpointId chosen = id;
            UploadLog attemptLog = uploads.get();
            sequencer.register(chosen.value());
            // Drawn only when a partition is chunked, so a save without chunks draws the tokens it always drew.
            String chunkToken = snapshot.partitions().stream().anyMatch(p -> uploader.isChunked(p.payload())) ? ctx.newToken() : "";
            return indexFor(v, snapshot)
                    .flatMap(index -> Flux.fromIterable(snapshot.partitions())
                            .flatMapSequential(p -> stageOne(chosen, p, attemptLog, index, chunkToken), ctx.config.maxConcurrentUploads())
                            .onErrorMap(FirstFailure::of)
                            .collectList()
                            .map(entries -> new Staged(entries, index.base())))
                    .flatMap(staged -> sequencer.turn(chosen.value()).then(Mono.defer(() -> {
                        if (!phase.compareAndSet(UPLOADING, COMMITTING)) {
                            return Mono.<Outcome>empty(); // cancelled or failed meanwhile: its clean-up owns the uploads
                        }
                        return detach(commit(chosen, epoch, snapshot.checkpointMetadata(), staged.entries(), snapshot.id().isEmpty(), attemptLog,
                                staged.base())
                                .doOnNext(outcome -> {
                                    if (outcome.manifest() != null) {
                                        succeeded(outcome.manifest());
                                    } else if (cancelled.get()) {
                                        finish(new SaveOutcome(SaveOutcome.Status.CANCELLED, null, null, elapsed()));
                                    }
                                })
                                .doOnError(this::failed)
                                .doFinally(s -> sequencer.release(chosen.value())));
                    })))
                    .doOnCancel(() -> {
                        if (phase.get() != COMMITTING) {
                            sequencer.release(chosen.value());
                        }
                    })
                    .doOnError(e -> {
                        if (phase.get() != COMMITTING) {
                            sequencer.release(chosen.value());
                        }
                    })
                    .flatMap(outcome -> {
                        if (outcome.manifest() != null) {
                            return Mono.just(outcome.manifest());
                        }
                        // The id was taken by someone else: upload again under a fresh id, with a fresh log (the
                        // commit step removed this attempt's objects).
                        uploads.set(new UploadLog());
                        if (cancelled.get() || !phase.compareAndSet(COMMITTING, UPLOADING)) {
                            return Mono.<Manifest>empty();
                        }
                        if (n >= ID_ATTEMPTS) {
                            return Mono.error(new ConcurrentCheckpointException("checkpoint ids kept being taken by other writers at "
                                    + ctx.store.describe() + " (" + ID_ATTEMPTS + " attempts); nothing was committed", false));
                        }
                        return protocol.refresh().flatMap(this::usable)
                                .flatMap(fresh -> protocol.epochFor(snapshot.epoch(), fresh).flatMap(e -> attempt(fresh, e, n + 1)));
                    });
        }

        private Mono<View> usable(View v) {
            if (v.kind() != Kind.LOST) {
                return Mono.just(v);
            }
            if (!ctx.config.repairPointerOnSave()) {
                return Mono.error(protocol.pointerLost(v));
            }
            return reads.repair().then(protocol.refresh());
        }

        /** Gives the current attempt's uploads up: what landed goes now, and whatever lands later goes when it lands. */
        private void abandon(String what) {
            abandonQuietly(uploads.get(), what);
        }

        private void succeeded(Manifest m) {
            finish(new SaveOutcome(SaveOutcome.Status.COMMITTED, m, null, elapsed()));
        }

        private void failed(Throwable e) {
            finish(new SaveOutcome(SaveOutcome.Status.FAILED, null, e, elapsed()));
        }

        private void finish(SaveOutcome outcome) {
            if (finished.compareAndSet(false, true)) {
                logSummary(outcome);
                ctx.notifyListeners(l -> l.onSaveFinished(outcome));
            }
        }

        /**
         * One line per save, at DEBUG (at INFO when the writer turns out to be fenced). The engine does not count
         * store requests per save, so the line has none; {@code checkpointer.store.requests} counts them.
         */
        private void logSummary(SaveOutcome o) {
            long ms = o.elapsed().toMillis();
            Manifest m = o.committed().orElse(null);
            if (m != null) {
                log.debug("saved checkpoint {} at {}: {} partitions, {} bytes, epoch {}, {} ms", m.id(), ctx.store.describe(),
                        m.partitions().size(), m.totalBytes(), m.epoch(), ms);
            } else if (o.status() == SaveOutcome.Status.CANCELLED) {
                log.debug("save cancelled at {} after {} ms ({} partitions)", ctx.store.describe(), ms, snapshot.partitions().size());
            } else if (!ctx.reportFenced(o.error())) {
                log.debug("save failed at {} after {} ms ({} partitions): {}", ctx.store.describe(), ms, snapshot.partitions().size(),
                        o.error() == null ? "unknown" : o.error().toString());
            }
        }

        private Duration elapsed() {
            Duration d = Duration.between(start, ctx.now());
            return d.isNegative() ? Duration.ZERO : d;
        }
    }

    /**
     * Refuses, before anything is written, a snapshot whose keys no store could hold: every key it may write (with
     * the longest token) must pass {@link StoreKeys#validate}.
     */
    private static void checkKeys(Snapshot s) {
        String token = "f".repeat(16);
        CheckpointId widest = CheckpointId.of(CheckpointId.MAX_VALUE);
        for (Snapshot.Partition p : s.partitions()) {
            String key = Layout.artifact(widest, p.operator(), p.partition(), p.kind(), token);
            try {
                StoreKeys.validate(key);
            } catch (RuntimeException e) {
                throw new InvalidInputException("operator '" + OperatorNames.encode(p.operator()).substring(0, Math.min(40, OperatorNames.encode(p.operator()).length()))
                        + "…' (partition " + p.partition() + ") makes a key no store accepts: " + e.getMessage(), e);
            }
        }
    }

    /** What an attempt staged, and the checkpoint whose chunks it reused (null: none). */
    private record Staged(List<PartitionEntry> entries, Manifest.@Nullable Link base) {}

    /**
     * The chunks a save attempt may reuse: those of the head it is prepared on. No request when no partition is
     * chunked or this process already knows the head's chunks; otherwise the head's manifest is read once. A head
     * that cannot be read is no base: everything is uploaded, which is always safe.
     */
    private Mono<ChunkIndex> indexFor(View v, Snapshot s) {
        Manifest.Link head = v.head();
        if (head == null || !ctx.config.chunking().enabled() || s.partitions().stream().noneMatch(p -> uploader.isChunked(p.payload()))) {
            // A fresh index per attempt, never the shared NONE: an index remembers the chunks its attempt uploaded
            // (once()), and a shared one would hand those refs to any later base-less save in the process, which
            // would then commit references to chunks it never uploaded at its own location.
            return Mono.just(ChunkIndex.NONE.forAttempt());
        }
        ChunkIndex known = lastBase.get();
        if (head.equals(known.base())) {
            return Mono.just(known.forAttempt());
        }
        return chain.read(head.id())
                .map(r -> r.file() instanceof ManifestFile.Live live && live.sha256().equals(head.manifestSha256())
                        ? remember(ChunkIndex.of(head, live.manifest(), uploader.chunker().spec())) : ChunkIndex.NONE)
                .onErrorResume(e -> {
                    log.debug("could not read checkpoint {} to reuse its chunks; uploading every chunk: {}", head.id(), e.toString());
                    return Mono.just(ChunkIndex.NONE);
                })
                .map(ChunkIndex::forAttempt);
    }

    private ChunkIndex remember(ChunkIndex index) {
        lastBase.set(index);
        return index;
    }

    /** One partition: inlined when small (no request), chunked when large and chunking is on, else uploaded under a key unique to this call. */
    private Mono<PartitionEntry> stageOne(CheckpointId id, Snapshot.Partition p, UploadLog uploaded, ChunkIndex index, String chunkToken) {
        if (uploader.isChunked(p.payload())) {
            return ctx.cpu.on(uploader.uploadChunked(id, p, chunkToken, uploaded, index));
        }
        return stageOne(id, p, uploaded);
    }

    /** One partition: inlined when small (no request), else uploaded under a key unique to this call. */
    private Mono<PartitionEntry> stageOne(CheckpointId id, Snapshot.Partition p, UploadLog uploaded) {
        if (uploader.isSmall(p.payload())) {
            return uploader.readSmall(p).map(small -> PartitionEntry.inline(p.operator(), p.partition(), p.kind(), small.bytes(), small.sha256()));
        }
        return ctx.cpu.on(uploader.upload(id, p, ctx.newToken(), uploaded));
    }

    /** The result of a commit step: the manifest, or null when its id was taken and a save may try a fresh one. */
    private record Outcome(@Nullable Manifest manifest) {
        static final Outcome RETRY = new Outcome(null);
    }

    /**
     * Prepares and publishes a checkpoint from its entries: packs inline bytes beyond the manifest's budget into one
     * sidecar, creates the manifest on the current head, publishes it, then carries out retention.
     *
     * @param ownId whether the id was chosen by this checkpointer (a taken id then means "try another", not "lost")
     * @param uploaded what this commit's caller uploaded, deleted when the checkpoint provably never commits
     * @param base the checkpoint whose chunks the entries reuse: the manifest must be prepared on it (null: none reused)
     */
    private Mono<Outcome> commit(CheckpointId id, long epoch, CheckpointMetadata meta, List<PartitionEntry> entries, boolean ownId,
            UploadLog uploaded, Manifest.@Nullable Link base) {
        return Mono.defer(() -> {
            View cached = ctx.state.view();
            return cached != null && cached.kind() == Kind.OK || cached != null && cached.kind() == Kind.EMPTY ? Mono.just(cached) : protocol.refresh();
        }).flatMap(v -> {
            if (v.kind() == Kind.LOST) {
                return Mono.error(protocol.pointerLost(v));
            }
            if (ctx.on(Rule.EPOCH_FENCING) && epoch < v.epoch()) {
                // Fenced while uploading: a manifest here could never be published.
                return deleteQuietly(uploaded, "a fenced save").then(Mono.error(new ConcurrentCheckpointException("writer epoch " + epoch
                        + " is fenced: a writer with epoch " + v.epoch() + " owns " + ctx.store.describe() + "; checkpoint " + id
                        + " was not committed", true)));
            }
            if (v.headId() >= id.value()) {
                ctx.state.contended();
                return deleteQuietly(uploaded, "a save whose id was passed").then(ownId ? Mono.just(Outcome.RETRY)
                        : Mono.error(new ConcurrentCheckpointException("checkpoint " + id + " can no longer be committed: checkpoint " + v.headId()
                                + " is already committed at " + ctx.store.describe(), false)));
            }
            if (!reusedChunksLiveOn(v.head(), base, id, entries)) {
                // The head moved since the chunks were chosen: those reused from the old head may be gone with it.
                ctx.state.contended();
                return deleteQuietly(uploaded, "a save whose base moved").then(ownId ? Mono.just(Outcome.RETRY)
                        : Mono.error(new ConcurrentCheckpointException("checkpoint " + id + " reused chunks of checkpoint "
                                + (base == null ? "none" : base.id()) + ", but the head at " + ctx.store.describe() + " is now "
                                + v.headId() + "; save it again", false)));
            }
            return packOverflow(id, entries, uploaded).flatMap(packed -> {
                Manifest manifest = Manifest.builder().id(id).epoch(epoch).createdAt(meta.createdAt().orElseGet(ctx::now)).writerId(meta.writerId().orElseGet(ctx::writerId))
                        .parent(v.head()).grandparent(v.pointer() == null ? null : v.pointer().parent())
                        .partitions(packed).from(meta)
                        .chunker(packed.stream().anyMatch(PartitionEntry::isChunked) ? uploader.chunker().spec() : null).build();
                List<String> problems = manifest.validate();
                if (!problems.isEmpty()) {
                    return deleteQuietly(uploaded, "a refused save").then(Mono.error(new InvalidInputException(
                            "the checkpoint would have an invalid manifest: " + String.join("; ", problems))));
                }
                return protocol.prepare(manifest)
                        .flatMap(prepared -> protocol.publish(prepared, v, janitor::plan)
                                // Proof mode (PUBLISH_DECIDES off): v1's "the manifest is the commit", whatever the publish did.
                                .onErrorResume(e -> !ctx.on(Rule.PUBLISH_DECIDES), e -> Mono.just(new Protocol.Published(prepared.manifest(), Janitor.Plan.none())))
                                .onErrorResume(ConcurrentCheckpointException.class, e -> dead(prepared, uploaded).then(Mono.error(e)))
                                .doOnNext(published -> {
                                    if (ctx.config.chunking().enabled()) {
                                        lastBase.set(ChunkIndex.of(prepared.link(), published.manifest(), uploader.chunker().spec())); // the next save's base
                                    }
                                })
                                .flatMap(published -> janitor.execute(published.plan())
                                        .onErrorResume(e -> {
                                            log.warn("retention after checkpoint {} failed; the checkpoint itself committed: {}", id, e.toString());
                                            return Mono.empty();
                                        })
                                        .thenReturn(new Outcome(published.manifest())))
                                // A save that reused its base's chunks is never rebased when another writer passed its base
                                // (dead above): with an id of its own it is staged again on the new head instead.
                                .onErrorResume(e -> e instanceof ConcurrentCheckpointException c && ownId && !c.fenced() && Protocol.reusesChunks(prepared.manifest()),
                                        e -> {
                                            ctx.state.contended();
                                            return Mono.just(Outcome.RETRY);
                                        }))
                        .onErrorResume(Protocol.IdTaken.class, taken -> {
                            ctx.state.sawId(id.value());
                            ctx.state.contended();
                            Mono<Void> clean = deleteQuietly(uploaded, "a save whose id was taken");
                            if (ownId) {
                                return clean.thenReturn(Outcome.RETRY);
                            }
                            String why = taken.existing instanceof ManifestFile.Aborted ? " was aborted" : " already has a manifest written by another writer";
                            return clean.then(Mono.error(new ConcurrentCheckpointException("checkpoint " + id + why + " at " + ctx.store.describe()
                                    + "; this one was not committed", false, taken)));
                        })
                        .onErrorResume(Protocol.NotCreated.class, nc -> deleteQuietly(uploaded, "a save whose manifest was never created")
                                .then(Mono.error(nc.getCause())));
            });
        });
    }

    /**
     * Whether the chunks the entries reuse are referenced by the head they are about to be published on: true when
     * they reuse none, when that head is the base they were chosen from, or when this process knows the head's
     * chunks and it references every one of them (a save of this process published meanwhile, on the same base).
     */
    private boolean reusedChunksLiveOn(Manifest.@Nullable Link head, Manifest.@Nullable Link base, CheckpointId id, List<PartitionEntry> entries) {
        if (Objects.equals(head, base)) {
            return true;
        }
        ChunkIndex known = lastBase.get();
        boolean knowsHead = head != null && head.equals(known.base());
        for (PartitionEntry e : entries) {
            for (dev.checkpointer.ChunkRef c : e.chunks()) {
                if (!c.firstId().equals(id) && !(knowsHead && known.references(c))) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A manifest that can never be published: its artifacts go (and, in proof mode, v1's withdrawal of the manifest too). */
    private Mono<Void> dead(Protocol.Prepared prepared, UploadLog uploaded) {
        Mono<Void> withdraw = ctx.on(Rule.NO_WITHDRAWAL) ? Mono.empty()
                : ctx.calls.delete(Layout.manifest(prepared.manifest().id())).onErrorResume(e -> Mono.empty());
        return withdraw.then(deleteQuietly(uploaded, "a save that lost"));
    }

    private Mono<Void> deleteQuietly(UploadLog uploads, String what) {
        return deleteQuietly(uploads.drain(), what);
    }

    private Mono<Void> deleteQuietly(List<String> keys, String what) {
        if (keys.isEmpty()) {
            return Mono.empty();
        }
        return ctx.calls.deleteAll(keys).onErrorResume(e -> {
            log.warn("could not remove {} artifact(s) of {}; prune() sweeps them once the head passes their id: {}", keys.size(), what, e.toString());
            return Mono.empty();
        });
    }

    /** Gives up a log: removes what landed, and each write that lands afterwards as it lands. */
    private void abandonQuietly(UploadLog uploads, String what) {
        List<String> now = uploads.abandon(late -> deleteQuietly(List.of(late), what + " (written after it ended)").subscribe());
        deleteQuietly(now, what).subscribe();
    }

    /**
     * Runs a commit step to its end even when the subscriber cancels: once a manifest may exist, the save must be
     * published or proven dead, never abandoned half way.
     */
    private static <T> Mono<T> detach(Mono<T> work) {
        return Mono.fromFuture(work::toFuture, true);
    }

    private Mono<List<PartitionEntry>> packOverflow(CheckpointId id, List<PartitionEntry> entries, UploadLog uploaded) {
        long budget = ctx.config.maxInlineBytes();
        List<PartitionEntry> out = new ArrayList<>(entries);
        List<Uploader.Small> overflow = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            PartitionEntry e = entries.get(i);
            if (!e.isInline()) {
                continue;
            }
            if (e.size() <= budget) {
                budget -= e.size();
            } else {
                byte[] bytes = Base64.getDecoder().decode(e.inline());
                overflow.add(new Uploader.Small(new Snapshot.Partition(e.operator(), e.partition(), e.kind(), Payload.of(bytes)), bytes, e.sha256()));
                at.add(i);
            }
        }
        return uploader.pack(id, overflow, ctx.newToken(), uploaded).map(packed -> {
            for (int i = 0; i < packed.size(); i++) {
                out.set(at.get(i), packed.get(i));
            }
            return out;
        });
    }

    // ------------------------------------------------------------------------------------------------- many hosts

    Mono<CheckpointId> begin() {
        return protocol.refresh().flatMap(v -> {
            if (v.kind() == Kind.LOST) {
                return Mono.error(protocol.pointerLost(v));
            }
            long next = ctx.state.allocate(v.headId());
            if (next > CheckpointId.MAX_VALUE) {
                return Mono.error(new InvalidInputException("no checkpoint id follows " + CheckpointId.MAX_VALUE + ", the largest"));
            }
            CheckpointId id = CheckpointId.of(next);
            byte[] body = ("{\"writerId\":" + Json.quote(ctx.writerId()) + ",\"begunAt\":\"" + ctx.now() + "\"}").getBytes(StandardCharsets.UTF_8);
            return ctx.calls.put(Layout.reservation(id), () -> Payload.of(body), PutOptions.ifAbsent().withSha256(Sha256.hex(body)))
                    .onErrorMap(Context::isPrecondition, e -> {
                        ctx.state.contended();
                        return new ConcurrentCheckpointException("checkpoint " + id + " was begun by another coordinator first", false, e);
                    })
                    .thenReturn(id);
        });
    }

    Mono<PartitionEntry> stage(CheckpointId id, String operator, int partition, PartitionKind kind, Payload payload) {
        Snapshot.Partition p = new Snapshot.Partition(operator, partition, kind, payload);
        UploadLog uploaded = new UploadLog();
        return Cancellation.beforeValue(stageOne(id, p, uploaded)
                .doOnNext(e -> {
                    if (e.key() != null) {
                        confirmed.put(e.key(), e.size());
                    }
                })
                .doOnError(e -> abandonQuietly(uploaded, "a failed stage")), () -> abandonQuietly(uploaded, "a cancelled stage"));
    }

    Mono<Manifest> commit(CheckpointId id, CheckpointMetadata metadata, List<PartitionEntry> entries) {
        List<PartitionEntry> given = List.copyOf(entries);
        UploadLog sidecar = new UploadLog();
        return checkEntries(id, given)
                .then(protocol.view())
                .flatMap(v -> {
                    if (v.kind() == Kind.LOST) {
                        return Mono.error(protocol.pointerLost(v));
                    }
                    return protocol.epochFor(metadata.epoch(), v);
                })
                .flatMap(epoch -> detach(commit(id, epoch, metadata, given, false, sidecar, null)))
                .doOnError(ctx::reportFenced)
                .map(outcome -> {
                    Manifest m = outcome.manifest();
                    m.partitions().forEach(e -> {
                        if (e.key() != null) {
                            confirmed.remove(e.key());
                        }
                    });
                    return m;
                })
                .flatMap(m -> ctx.calls.delete(Layout.reservation(id))
                        .onErrorResume(e -> {
                            log.debug("could not remove the reservation of {}; prune() will: {}", id, e.toString());
                            return Mono.empty();
                        })
                        .thenReturn(m));
    }

    /** Forgets what this process staged under an aborted id. */
    void aborted(List<String> keys) {
        keys.forEach(confirmed::remove);
    }

    /**
     * Refuses entries that cannot belong to this checkpoint, and checks that every stored one exists with its
     * stated size (unless this process staged it and saw the store confirm it).
     */
    private Mono<Void> checkEntries(CheckpointId id, List<PartitionEntry> entries) {
        Manifest probe = Manifest.builder().id(id).epoch(1).createdAt(ctx.now()).writerId(ctx.writerId()).partitions(entries).build();
        List<String> problems = new ArrayList<>(probe.validate());
        for (PartitionEntry e : entries) {
            if (e != null && e.isChunked()) {
                // Staged partitions are never chunked; a chunked entry here names chunks this commit cannot vouch for.
                problems.add("partition " + e.name() + " is chunked: chunked entries are written by save() only, never staged");
            }
        }
        Map<String, Long> ends = new TreeMap<>();
        for (PartitionEntry e : entries) {
            if (e != null && e.key() != null && e.key().startsWith(Layout.dir(id))) {
                ends.merge(e.key(), e.offset() + e.size(), Math::max);
            }
        }
        if (!problems.isEmpty()) {
            return Mono.error(new InvalidInputException("refusing to commit checkpoint " + id + ": " + String.join("; ", problems)));
        }
        return Flux.fromIterable(ends.entrySet())
                .filter(end -> !end.getValue().equals(confirmed.get(end.getKey())))
                .flatMap(end -> ctx.calls.head(end.getKey())
                        .onErrorMap(Context::isNotFound, nf -> new InvalidInputException("refusing to commit checkpoint " + id
                                + ": '" + end.getKey() + "' was never staged (or has been removed)"))
                        .flatMap(info -> info.size() == end.getValue() ? Mono.<Void>empty()
                                : Mono.error(new InvalidInputException("refusing to commit checkpoint " + id + ": '" + end.getKey() + "' has "
                                        + info.size() + " bytes but its entries say " + end.getValue()))), READ_CONCURRENCY)
                .then();
    }
}

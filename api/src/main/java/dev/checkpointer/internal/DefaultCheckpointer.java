package dev.checkpointer.internal;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Retention;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The commit engine. One instance per location; thread-safe.
 *
 * <h2>Protocol</h2>
 * <ol>
 *   <li>Stage: large partitions are uploaded under per-attempt unique keys (bounded by permits shared by every
 *       save); small ones are inlined in the manifest or packed into one sidecar.</li>
 *   <li>Commit: the manifest is created with create-if-absent; its existence is the commit.</li>
 *   <li>Publish: {@code _latest} moves by compare-and-swap; it never moves backwards, and a writer whose epoch is
 *       below the pointer's is fenced (its manifest is rolled back).</li>
 * </ol>
 * A manifest above the pointer's id is trusted only when its epoch is at least the pointer's: that rules out the
 * manifest of a fenced writer between its create and its roll-back.
 */
public final class DefaultCheckpointer implements Checkpointer {
    private static final Logger log = LoggerFactory.getLogger(DefaultCheckpointer.class);
    private static final int POINTER_CAS_ATTEMPTS = 16;
    private static final int READ_CONCURRENCY = 4;

    private final EngineConfig config;
    private final ObjectStore store;
    private final StoreCalls calls;
    private final AsyncPermits permits;
    private final Uploader uploader;
    private final AtomicReference<@Nullable View> view = new AtomicReference<>();
    private final AtomicReference<@Nullable Mono<Long>> claim = new AtomicReference<>();
    private final AtomicLong claimedEpoch = new AtomicLong();
    private final AtomicLong lastAllocated = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Keys this process staged, with the size the store confirmed: a commit need not ask again. */
    private final Map<String, Long> confirmed = new java.util.concurrent.ConcurrentHashMap<>();
    private final ProtocolRules.Settings rules = ProtocolRules.current();

    /**
     * Creates the engine; use {@link Checkpointer#builder()}.
     *
     * @param config validated settings
     */
    public DefaultCheckpointer(EngineConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        this.store = config.store();
        this.calls = new StoreCalls(store, config.retry(), config.listeners());
        this.permits = new AsyncPermits(config.maxConcurrentUploads());
        this.uploader = new Uploader(calls, permits, config);
    }

    /**
     * A writer id naming host, process and a random suffix.
     *
     * @return the id
     */
    public static String defaultWriterId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception | Error e) {
            host = "unknown-host";
        }
        return host + "/" + ProcessHandle.current().pid() + "/" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);
    }

    // ------------------------------------------------------------------------------------------------- save

    @Override
    public Mono<Manifest> save(Snapshot snapshot) {
        Objects.requireNonNull(snapshot, "snapshot");
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            Run run = new Run(snapshot);
            run.started();
            return run.save();
        });
    }

    // ------------------------------------------------------------------------------------------------- many hosts

    @Override
    public Mono<CheckpointId> begin() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            // A fresh look at the location, so a coordinator does not reserve an id that is already committed.
            return loadView().doOnNext(this::publish).flatMap(v -> {
                CheckpointId id = CheckpointId.of(lastAllocated.updateAndGet(last -> Math.max(last, v.highestId) + 1));
                byte[] body = ("{\"writerId\":" + Json.quote(config.writerId()) + ",\"begunAt\":\"" + config.clock().instant() + "\"}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                return calls.put(Layout.reservation(id), () -> dev.checkpointer.Payload.of(body), PutOptions.ifAbsent().withSha256(Sha256.hex(body)))
                        .onErrorMap(DefaultCheckpointer::isPrecondition, e -> {
                            view.set(null);
                            return new ConcurrentCheckpointException("checkpoint " + id + " was begun by another coordinator first", false, e);
                        })
                        .thenReturn(id);
            });
        });
    }

    @Override
    public Mono<PartitionEntry> stage(CheckpointId id, String operator, int partition, PartitionKind kind, Payload payload) {
        Objects.requireNonNull(id, "id");
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            Snapshot.Partition p = new Snapshot.Partition(operator, partition, kind, payload);
            Run run = new Run(null);
            return run.stageOne(id, p)
                    .doOnNext(e -> {
                        if (e.key() != null) {
                            confirmed.put(e.key(), e.size());
                        }
                    })
                    .doOnError(e -> run.cleanup().subscribe())
                    .doOnCancel(() -> run.cleanup().subscribe());
        });
    }

    @Override
    public Mono<Manifest> commit(CheckpointId id, CheckpointMetadata metadata, List<PartitionEntry> entries) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(entries, "entries");
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            List<PartitionEntry> given = List.copyOf(entries);
            Run run = new Run(null);
            return checkEntries(id, given)
                    .then(currentView())
                    .flatMap(v -> epochFor(metadata.epoch(), v))
                    .flatMap(epoch -> run.commitDetached(new Prepared(id, epoch), metadata, given))
                    .doOnNext(m -> m.partitions().forEach(e -> {
                        if (e.key() != null) {
                            confirmed.remove(e.key());
                        }
                    }))
                    .flatMap(m -> calls.delete(Layout.reservation(id))
                            .onErrorResume(e -> {
                                log.debug("could not remove the reservation of {}; prune() will: {}", id, e.toString());
                                return Mono.empty();
                            })
                            .thenReturn(m));
        });
    }

    /**
     * Refuses entries that cannot belong to this checkpoint, and checks that every stored one exists with its
     * stated size (unless this process staged it and saw the store confirm it).
     */
    private Mono<Void> checkEntries(CheckpointId id, List<PartitionEntry> entries) {
        Manifest probe = new Manifest(Manifest.FORMAT_VERSION, id, 1, config.clock().instant(), config.writerId(), entries,
                null, null, null, null, null);
        List<String> problems = new ArrayList<>(probe.validate(null));
        Map<String, Long> ends = new TreeMap<>();
        for (PartitionEntry e : entries) {
            if (e == null || e.key() == null) {
                continue;
            }
            if (!e.key().startsWith(Layout.dir(id)) || Layout.isManifest(e.key()) || e.key().equals(Layout.reservation(id))) {
                problems.add(e.name() + ": key '" + e.key() + "' is not an artifact of checkpoint " + id);
                continue;
            }
            ends.merge(e.key(), e.offset() + e.size(), Math::max);
        }
        if (!problems.isEmpty()) {
            return Mono.error(new InvalidInputException("refusing to commit checkpoint " + id + ": " + String.join("; ", problems)));
        }
        return Flux.fromIterable(ends.entrySet())
                .filter(end -> !end.getValue().equals(confirmed.get(end.getKey())))
                .flatMap(end -> calls.head(end.getKey())
                        .onErrorMap(DefaultCheckpointer::isNotFound, nf -> new InvalidInputException("refusing to commit checkpoint " + id
                                + ": '" + end.getKey() + "' was never staged (or has been removed)"))
                        .flatMap(info -> info.size() == end.getValue() ? Mono.<Void>empty()
                                : Mono.error(new InvalidInputException("refusing to commit checkpoint " + id + ": '" + end.getKey() + "' has "
                                        + info.size() + " bytes but its entries say " + end.getValue()))), READ_CONCURRENCY)
                .then();
    }

    @Override
    public Mono<Void> abort(CheckpointId id) {
        Objects.requireNonNull(id, "id");
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            return calls.head(Layout.manifest(id))
                    .flatMap(committed -> Mono.<Void>error(new ConcurrentCheckpointException("checkpoint " + id
                            + " is committed and cannot be aborted; delete() removes it", false)))
                    .onErrorResume(DefaultCheckpointer::isNotFound, nf -> calls.listAll(Layout.dir(id))
                            .flatMap(infos -> {
                                List<String> keys = infos.stream().map(ObjectInfo::key).toList();
                                keys.forEach(confirmed::remove);
                                return calls.deleteAll(keys);
                            }));
        });
    }

    /**
     * One save or commit: what it uploaded (to clean up on failure), what it references (to roll back when
     * fenced), and — for {@link #save} — the listener notifications, exactly once.
     */
    private final class Run {
        private final @Nullable Snapshot snapshot;
        private final Queue<String> uploaded = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean finished = new AtomicBoolean();
        private final AtomicBoolean committing = new AtomicBoolean();
        /**
         * Set before the manifest's create is sent, cleared only once the manifest is known not to be ours or absent:
         * while it may exist, the artifacts it names must stay, or a failed save could leave a half checkpoint.
         */
        private final AtomicBoolean manifestMayExist = new AtomicBoolean();
        private final long startNanos = System.nanoTime();

        Run(@Nullable Snapshot snapshot) {
            this.snapshot = snapshot;
        }

        void started() {
            Snapshot s = Objects.requireNonNull(snapshot);
            notifyListeners(l -> l.onSaveStarted(s));
        }

        Mono<Manifest> save() {
            Snapshot s = Objects.requireNonNull(snapshot);
            return prepare(s)
                    .flatMap(prep -> Flux.fromIterable(s.partitions())
                            .flatMapSequential(p -> stageOne(prep.id, p), config.maxConcurrentUploads())
                            .collectList()
                            .flatMap(entries -> {
                                committing.set(true);
                                return commitDetached(prep, s.checkpointMetadata(), entries);
                            }))
                    .doOnError(e -> {
                        if (!committing.get()) {
                            failed(e);
                        }
                    })
                    .doOnCancel(() -> {
                        if (!committing.get()) {
                            finish(new SaveOutcome(SaveOutcome.Status.CANCELLED, null, null, elapsed()));
                            cleanup().subscribe();
                        }
                    })
                    .flatMap(m -> applyRetentionAfterSave().thenReturn(m));
        }

        private Mono<Prepared> prepare(Snapshot s) {
            return currentView().flatMap(v -> epochFor(s.epoch(), v).map(epoch -> {
                View now = Objects.requireNonNullElse(view.get(), v);
                CheckpointId id = s.id().orElseGet(() -> CheckpointId.of(
                        lastAllocated.updateAndGet(last -> Math.max(last, now.highestId) + 1)));
                return new Prepared(id, epoch);
            }));
        }

        /** One partition: inlined when small (no request), else uploaded under a key unique to this call. */
        Mono<PartitionEntry> stageOne(CheckpointId id, Snapshot.Partition p) {
            if (uploader.isSmall(p.payload())) {
                return uploader.readSmall(p).map(small -> PartitionEntry.inline(p.operator(), p.partition(), p.kind(), small.bytes(), small.sha256()));
            }
            return Uploader.onWorker(uploader.upload(id, p, newToken(), uploaded));
        }

        /**
         * Runs the commit to its end even when the subscriber cancels: once the manifest exists the checkpoint is
         * committed, and the pointer must follow.
         */
        Mono<Manifest> commitDetached(Prepared prep, CheckpointMetadata meta, List<PartitionEntry> entries) {
            committing.set(true);
            return Mono.fromFuture(() -> commitEntries(prep, meta, entries)
                    .doOnSuccess(this::succeeded)
                    .doOnError(this::failed)
                    .toFuture(), true);
        }

        /** Packs inline bytes beyond the manifest's budget into one sidecar, then commits. */
        private Mono<Manifest> commitEntries(Prepared prep, CheckpointMetadata meta, List<PartitionEntry> entries) {
            return packOverflow(prep.id, entries).flatMap(packed -> {
                Manifest manifest = new Manifest(Manifest.FORMAT_VERSION, prep.id, prep.epoch, config.clock().instant(),
                        config.writerId(), packed, meta.offsets(), meta.sinkEpochs(), meta.watermarks(),
                        meta.fingerprint().orElse(null), meta.metadata());
                List<String> problems = manifest.validate(null);
                if (!problems.isEmpty()) {
                    return Mono.error(new InvalidInputException("the checkpoint would have an invalid manifest: " + String.join("; ", problems)));
                }
                return commit(prep, manifest);
            });
        }

        private Mono<List<PartitionEntry>> packOverflow(CheckpointId id, List<PartitionEntry> entries) {
            long budget = config.maxInlineBytes();
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
                    byte[] bytes = java.util.Base64.getDecoder().decode(e.inline());
                    overflow.add(new Uploader.Small(new Snapshot.Partition(e.operator(), e.partition(), e.kind(), dev.checkpointer.Payload.of(bytes)),
                            bytes, e.sha256()));
                    at.add(i);
                }
            }
            return uploader.pack(id, overflow, newToken(), uploaded).map(packed -> {
                for (int i = 0; i < packed.size(); i++) {
                    out.set(at.get(i), packed.get(i));
                }
                return out;
            });
        }

        private Mono<Manifest> commit(Prepared prep, Manifest manifest) {
            byte[] bytes = ManifestCodec.encode(manifest);
            String sha = Sha256.hex(bytes);
            String key = Layout.manifest(prep.id);
            return Mono.fromRunnable(() -> manifestMayExist.set(true))
                    .then(Mono.defer(() -> calls.put(key, () -> dev.checkpointer.Payload.of(bytes), PutOptions.ifAbsent().withSha256(sha))))
                    .onErrorResume(DefaultCheckpointer::isPrecondition, e -> calls.readAll(key)
                            // Gone again: a writer that lost the pointer (or was fenced) withdrew it. The id was
                            // taken when we asked, so this save lost the race like any other loser.
                            .onErrorResume(DefaultCheckpointer::isNotFound, nf -> Mono.error(new ConcurrentCheckpointException(
                                    "checkpoint " + prep.id + " had a manifest written by another writer, since withdrawn;"
                                            + " this one is refused", false, e)))
                            .flatMap(existing -> sha.equals(Sha256.hex(existing))
                                    ? Mono.empty() // our own earlier attempt succeeded; the response was lost
                                    : Mono.error(new ConcurrentCheckpointException("checkpoint " + prep.id
                                            + " already has a manifest written by another writer (committed, or about to be rolled back"
                                            + " if that writer was fenced); this one is refused", false, e))))
                    .onErrorResume(e -> {
                        if (e instanceof ConcurrentCheckpointException) {
                            manifestMayExist.set(false); // the manifest there, if any, is another writer's
                            return Mono.error(e);
                        }
                        // Unknown outcome (a lost response on the last attempt, or the read-back failed).
                        return settleManifest(prep.id, key, sha).then(Mono.error(e));
                    })
                    .then(Mono.defer(() -> movePointer(prep, sha, POINTER_CAS_ATTEMPTS))
                            .onErrorResume(e -> !(e instanceof ConcurrentCheckpointException c && c.fenced()),
                                    // The pointer could not follow: withdraw the manifest so the refused commit
                                    // leaves nothing visible (if even that fails, the checkpoint stays whole).
                                    e -> rollback(prep.id).then(Mono.error(e))))
                    .thenReturn(manifest);
        }

        /**
         * After the manifest's create failed with an unknown outcome: withdraws the manifest if it is ours, so the
         * failed save leaves nothing visible. Only when it is known to be absent (or withdrawn, or another writer's)
         * may the artifacts go; if even that cannot be learnt, they stay and the checkpoint, if it exists, stays whole
         * ({@code prune()} removes it all later if it is an orphan).
         */
        private Mono<Void> settleManifest(CheckpointId id, String key, String sha) {
            return calls.readAll(key)
                    .flatMap(existing -> sha.equals(Sha256.hex(existing)) ? calls.delete(key) : Mono.<Void>empty())
                    .onErrorResume(DefaultCheckpointer::isNotFound, nf -> Mono.empty())
                    .then(Mono.fromRunnable(() -> manifestMayExist.set(false)))
                    .onErrorResume(e -> {
                        log.warn("the manifest of failed checkpoint {} may exist; its artifacts are kept so it stays whole: {}", id, e.toString());
                        return Mono.empty();
                    })
                    .then();
        }

        /** Moves {@code _latest} to this checkpoint by compare-and-swap, never backwards; fences a stale epoch. */
        private Mono<Void> movePointer(Prepared prep, String manifestSha, int attemptsLeft) {
            return currentView().flatMap(v -> {
                if (v.pointerEpoch > prep.epoch) {
                    return fenced(prep, v.pointerEpoch);
                }
                if (v.pointer != null && !v.pointerCorrupt && v.pointer.id() >= prep.id.value()) {
                    // Another save of a newer checkpoint already published; ours stays committed, pointer stays.
                    return Mono.empty();
                }
                Pointer next = Pointer.of(prep.id.value(), Math.max(prep.epoch, v.pointerEpoch), manifestSha, config.writerId());
                PutOptions condition = v.etag == null ? PutOptions.ifAbsent() : PutOptions.ifMatch(v.etag);
                byte[] body = next.encode();
                return calls.put(Layout.LATEST, () -> dev.checkpointer.Payload.of(body), condition.withSha256(Sha256.hex(body)))
                        .doOnNext(info -> publish(new View(info.etag(), next, false, next.epoch(),
                                Math.max(v.highestId, next.id()), Math.max(v.highestEpoch, next.epoch()))))
                        .then()
                        .onErrorResume(DefaultCheckpointer::isPrecondition, e -> {
                            view.set(null);
                            if (attemptsLeft <= 1) {
                                return Mono.error(new ConcurrentCheckpointException("could not move _latest to checkpoint " + prep.id
                                        + ": it kept changing under " + POINTER_CAS_ATTEMPTS + " attempts", false, e));
                            }
                            return readPointer().flatMap(ps -> {
                                if (ps.pointer != null && ps.pointer.id() == prep.id.value() && manifestSha.equals(ps.pointer.manifestSha256())) {
                                    publish(View.of(ps, ps.pointer.id(), ps.pointer.epoch()));
                                    return Mono.<Void>empty(); // our own write landed; the response was lost
                                }
                                return movePointer(prep, manifestSha, attemptsLeft - 1);
                            });
                        });
            });
        }

        private Mono<Void> fenced(Prepared prep, long pointerEpoch) {
            ConcurrentCheckpointException error = new ConcurrentCheckpointException("writer epoch " + prep.epoch
                    + " is fenced: a writer with epoch " + pointerEpoch + " owns this location; checkpoint " + prep.id
                    + " was rolled back", true);
            return rollback(prep.id).then(Mono.error(error));
        }

        /**
         * Withdraws a manifest this run wrote, then what this run uploaded itself. Artifacts staged by others (workers
         * of a many-hosts commit) are left alone: another coordinator may still commit them, and prune() sweeps them
         * after the grace period if nobody does.
         */
        private Mono<Void> rollback(CheckpointId id) {
            return calls.delete(Layout.manifest(id))
                    .then(cleanup())
                    .onErrorResume(e -> {
                        log.warn("could not roll back fenced checkpoint {}; prune() will remove it: {}", id, e.toString());
                        return Mono.empty();
                    });
        }

        Mono<Void> cleanup() {
            List<String> keys = List.copyOf(uploaded);
            if (keys.isEmpty()) {
                return Mono.empty();
            }
            return calls.deleteAll(keys).onErrorResume(e -> {
                log.warn("could not remove {} artifact(s) of a failed save; prune() will sweep them: {}", keys.size(), e.toString());
                return Mono.empty();
            });
        }

        private void succeeded(Manifest m) {
            if (snapshot != null) {
                finish(new SaveOutcome(SaveOutcome.Status.COMMITTED, m, null, elapsed()));
            }
        }

        private void failed(Throwable e) {
            view.set(null);
            if (!finished.get() && !manifestMayExist.get()) {
                cleanup().subscribe();
            }
            if (snapshot != null) {
                finish(new SaveOutcome(SaveOutcome.Status.FAILED, null, e, elapsed()));
            }
        }

        private void finish(SaveOutcome outcome) {
            if (finished.compareAndSet(false, true)) {
                notifyListeners(l -> l.onSaveFinished(outcome));
            }
        }

        private Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - startNanos);
        }
    }

    private record Prepared(CheckpointId id, long epoch) {}

    private String newToken() {
        java.util.random.RandomGenerator r = rules.random();
        if (r != null) {
            synchronized (r) {
                return Long.toHexString(r.nextLong() | Long.MIN_VALUE);
            }
        }
        return Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    }

    private Mono<Void> applyRetentionAfterSave() {
        if (!config.retention().isActive()) {
            return Mono.empty();
        }
        return applyRetention(new ArrayList<>(), new long[1])
                .doOnError(e -> log.warn("retention after save failed; the save itself committed: {}", e.toString()))
                .onErrorResume(e -> Mono.empty())
                .then();
    }

    // ------------------------------------------------------------------------------------------------- view & epochs

    /**
     * What this writer knows about the location: the pointer (and its ETag for compare-and-swap), the highest id
     * that exists, and the highest epoch claimed.
     */
    private record View(@Nullable String etag, @Nullable Pointer pointer, boolean pointerCorrupt, long pointerEpoch, long highestId, long highestEpoch) {
        static View of(PointerState ps, long highestId, long highestEpoch) {
            long pe = ps.pointer == null ? 0 : ps.pointer.epoch();
            return new View(ps.etag, ps.pointer, ps.corrupt, pe, highestId, Math.max(highestEpoch, pe));
        }
    }

    /** The pointer as read: its ETag, and the pointer unless missing or corrupt. */
    private record PointerState(@Nullable String etag, @Nullable Pointer pointer, boolean corrupt) {}

    private void publish(View next) {
        view.accumulateAndGet(next, (cur, nxt) -> cur == null || cur.pointer == null || nxt.pointer == null
                || nxt.pointer.id() >= cur.pointer.id() || nxt.pointerEpoch > cur.pointerEpoch ? nxt : cur);
    }

    private Mono<View> currentView() {
        View v = view.get();
        return v != null ? Mono.just(v) : loadView().doOnNext(this::publish);
    }

    private Mono<PointerState> readPointer() {
        return calls.retried("get", () -> store.get(Layout.LATEST, dev.checkpointer.spi.ByteRange.ALL)
                        .flatMap(c -> dev.checkpointer.spi.Buffers.join(c.body()).map(b -> {
                            try {
                                return new PointerState(c.info().etag(), Pointer.decode(Layout.LATEST, b), false);
                            } catch (CorruptMetadataException e) {
                                log.warn("{} is corrupt ({}); falling back to listing manifests", Layout.LATEST, e.problems());
                                return new PointerState(c.info().etag(), null, true);
                            }
                        })))
                .onErrorResume(DefaultCheckpointer::isNotFound, e -> Mono.just(new PointerState(null, null, false)));
    }

    private Mono<View> loadView() {
        return readPointer().flatMap(ps -> {
            if (ps.pointer != null) {
                return probeForward(ps.pointer.id(), ps.pointer.epoch())
                        .map(found -> View.of(ps, found.highestId, found.highestEpoch));
            }
            // No usable pointer: the manifests themselves say what exists.
            return manifestIds().flatMap(ids -> {
                long highest = ids.isEmpty() ? 0 : ids.get(ids.size() - 1).value();
                return newestReadable(ids).map(m -> View.of(ps, highest, m.epoch()))
                        .defaultIfEmpty(View.of(ps, highest, 0));
            });
        });
    }

    private record Probe(long highestId, long highestEpoch) {}

    /** Looks for manifests committed above the pointer by writers that crashed before moving it. */
    private Mono<Probe> probeForward(long fromId, long epoch) {
        CheckpointId next = CheckpointId.of(fromId + 1);
        return calls.readAll(Layout.manifest(next))
                .map(bytes -> {
                    long e = 0;
                    try {
                        e = ManifestCodec.decode(Layout.manifest(next), bytes, null).epoch();
                    } catch (CheckpointException ex) {
                        log.debug("manifest {} above the pointer is unreadable: {}", next, ex.getMessage());
                    }
                    return e;
                })
                .flatMap(e -> probeForward(next.value(), Math.max(epoch, e)))
                .onErrorResume(DefaultCheckpointer::isNotFound, e -> Mono.just(new Probe(fromId, epoch)));
    }

    private Mono<Long> epochFor(java.util.OptionalLong requested, View v) {
        if (requested.isPresent()) {
            long e = requested.getAsLong();
            if (e < v.highestEpoch) {
                return Mono.error(new ConcurrentCheckpointException("snapshot epoch " + e + " is fenced: epoch " + v.highestEpoch
                        + " has been claimed at this location", true));
            }
            return Mono.just(e);
        }
        long mine = claimedEpoch.get();
        if (mine > 0) {
            if (mine < v.highestEpoch) {
                return Mono.error(new ConcurrentCheckpointException("this checkpointer's epoch " + mine + " is fenced: a newer writer claimed epoch "
                        + v.highestEpoch + " at this location", true));
            }
            return Mono.just(mine);
        }
        Mono<Long> pending = claim.get();
        if (pending == null) {
            Mono<Long> fresh = claimEpoch(POINTER_CAS_ATTEMPTS)
                    .doOnNext(claimedEpoch::set)
                    .doOnError(e -> claim.set(null))
                    .cache();
            pending = claim.compareAndExchange(null, fresh);
            if (pending == null) {
                pending = fresh;
            }
        }
        return pending;
    }

    /** Claims one epoch above every epoch seen, recorded in the pointer by compare-and-swap. */
    private Mono<Long> claimEpoch(int attemptsLeft) {
        return currentView().flatMap(v -> {
            long epoch = v.highestEpoch + 1;
            long id = v.pointer != null ? v.pointer.id() : 0;
            String sha = v.pointer != null ? v.pointer.manifestSha256() : null;
            Mono<Pointer> base = Mono.just(Pointer.of(id, epoch, sha, config.writerId()));
            if (v.pointer == null && v.highestId > 0) {
                // The pointer is missing or corrupt: point it at the newest readable checkpoint again.
                base = manifestIds().flatMap(ids -> newestReadableWithSha(ids))
                        .map(found -> Pointer.of(found.id().value(), epoch, found.sha(), config.writerId()))
                        .defaultIfEmpty(Pointer.of(0, epoch, null, config.writerId()));
            }
            return base.flatMap(next -> {
                byte[] body = next.encode();
                PutOptions condition = v.etag == null ? PutOptions.ifAbsent() : PutOptions.ifMatch(v.etag);
                return calls.put(Layout.LATEST, () -> dev.checkpointer.Payload.of(body), condition.withSha256(Sha256.hex(body)))
                        .map(info -> {
                            view.set(new View(info.etag(), next, false, epoch, Math.max(v.highestId, next.id()), epoch));
                            log.info("claimed writer epoch {} at {} as {}", epoch, store.describe(), config.writerId());
                            return epoch;
                        })
                        .onErrorResume(DefaultCheckpointer::isPrecondition, e -> {
                            view.set(null);
                            if (attemptsLeft <= 1) {
                                return Mono.error(new ConcurrentCheckpointException("could not claim a writer epoch: _latest kept changing", false, e));
                            }
                            return readPointer().flatMap(ps -> {
                                if (ps.pointer != null && ps.pointer.epoch() == epoch && config.writerId().equals(ps.pointer.writerId())) {
                                    publish(View.of(ps, Math.max(v.highestId, ps.pointer.id()), epoch));
                                    return Mono.just(epoch); // our claim landed; the response was lost
                                }
                                return claimEpoch(attemptsLeft - 1);
                            });
                        });
            });
        });
    }

    // ------------------------------------------------------------------------------------------------- reads

    @Override
    public Mono<Checkpoint> latest() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            return readPointer().flatMap(ps -> {
                Pointer p = ps.pointer;
                if (p == null || p.id() == 0) {
                    return fromListing(p); // missing, corrupt or claim-only pointer
                }
                CheckpointId pointed = CheckpointId.of(p.id());
                return readVerified(pointed, p.manifestSha256())
                        .onErrorResume(e -> isNotFound(e) || isUntrustworthy(e), e -> {
                            if (!isNotFound(e)) {
                                reportCorrupt(pointed, (CheckpointException) e);
                            }
                            return Mono.empty();
                        })
                        .flatMap(m -> newerThan(m, p.epoch()).defaultIfEmpty(m))
                        .switchIfEmpty(Mono.defer(() -> fromListing(p)));
            }).map(m -> (Checkpoint) new DefaultCheckpoint(m, calls));
        });
    }

    /** The newest trustworthy manifest above {@code base}, following ids one by one. */
    private Mono<Manifest> newerThan(Manifest base, long epochFloor) {
        if (Objects.requireNonNull(base.id()).value() == CheckpointId.MAX_VALUE) {
            return Mono.empty();
        }
        CheckpointId next = base.id().next();
        return readVerified(next, null)
                .filter(m -> m.epoch() >= epochFloor)
                .flatMap(m -> newerThan(m, epochFloor).defaultIfEmpty(m))
                .onErrorResume(e -> isNotFound(e) || isUntrustworthy(e), e -> Mono.empty());
    }

    /** The newest readable manifest found by listing, newest first, passing over corrupt ones. */
    private Mono<Manifest> fromListing(@Nullable Pointer pointer) {
        return manifestIds().flatMap(ids -> {
            List<CheckpointId> desc = new ArrayList<>(ids);
            desc.sort(Comparator.reverseOrder());
            return Flux.fromIterable(desc)
                    .concatMap(id -> readVerified(id, null)
                            .filter(m -> pointer == null || id.value() <= pointer.id() || m.epoch() >= pointer.epoch())
                            .onErrorResume(DefaultCheckpointer::isUntrustworthy, e -> {
                                reportCorrupt(id, (CheckpointException) e);
                                return Mono.empty();
                            })
                            .onErrorResume(DefaultCheckpointer::isNotFound, e -> Mono.empty()), 0)
                    .next();
        });
    }

    private Mono<Manifest> newestReadable(List<CheckpointId> ascending) {
        return newestReadableWithSha(ascending).map(Found::manifest);
    }

    private record Found(CheckpointId id, Manifest manifest, String sha) {}

    private Mono<Found> newestReadableWithSha(List<CheckpointId> ascending) {
        List<CheckpointId> desc = new ArrayList<>(ascending);
        desc.sort(Comparator.reverseOrder());
        return Flux.fromIterable(desc)
                .concatMap(id -> calls.readAll(Layout.manifest(id))
                        .map(bytes -> new Found(id, ManifestCodec.decode(Layout.manifest(id), bytes, null), Sha256.hex(bytes)))
                        .onErrorResume(e -> isNotFound(e) || isUntrustworthy(e), e -> Mono.empty()), 0)
                .next();
    }

    /**
     * Reads and checks a manifest: file digest against the pointer's when given, envelope digest, format, validity,
     * fingerprint, and that it is the checkpoint its key says.
     */
    private Mono<Manifest> readVerified(CheckpointId id, @Nullable String expectedFileSha) {
        String key = Layout.manifest(id);
        return calls.readAll(key).map(bytes -> {
            if (expectedFileSha != null) {
                String actual = Sha256.hex(bytes);
                if (!actual.equals(expectedFileSha)) {
                    throw new CorruptMetadataException(key, List.of("manifest digest " + actual + " differs from " + expectedFileSha
                            + " recorded in " + Layout.LATEST), null);
                }
            }
            Manifest m = ManifestCodec.decode(key, bytes, config.expectedFingerprint());
            if (!id.equals(m.id())) {
                throw new CorruptMetadataException(key, List.of("manifest under " + key + " claims id " + m.id()), null);
            }
            return m;
        });
    }

    @Override
    public Mono<Checkpoint> load(CheckpointId id) {
        Objects.requireNonNull(id, "id");
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            return readVerified(id, null)
                    .onErrorMap(DefaultCheckpointer::isNotFound, e -> new CheckpointNotFoundException(id))
                    .map(m -> (Checkpoint) new DefaultCheckpoint(m, calls));
        });
    }

    @Override
    public Flux<Manifest> list() {
        return Flux.defer(() -> {
            if (closed.get()) {
                return Flux.error(closedError());
            }
            return readPointer().flatMapMany(ps -> manifestIds().flatMapMany(ids -> Flux.fromIterable(ids)
                    .flatMapSequential(id -> readVerified(id, null)
                            .filter(m -> ps.pointer == null || id.value() <= ps.pointer.id() || m.epoch() >= ps.pointer.epoch())
                            .onErrorResume(e -> isNotFound(e) || isUntrustworthy(e), e -> {
                                if (!isNotFound(e)) {
                                    log.warn("skipping checkpoint {}: {}", id, e.getMessage());
                                }
                                return Mono.empty();
                            }), READ_CONCURRENCY)));
        });
    }

    /** Ids of every manifest, ascending. */
    private Mono<List<CheckpointId>> manifestIds() {
        return calls.listAll(Layout.CHECKPOINTS).map(infos -> {
            List<CheckpointId> ids = new ArrayList<>();
            for (ObjectInfo info : infos) {
                if (Layout.isManifest(info.key())) {
                    Layout.idOf(info.key()).ifPresent(ids::add);
                }
            }
            ids.sort(Comparator.naturalOrder());
            return ids;
        });
    }

    // ------------------------------------------------------------------------------------------------- delete & prune

    @Override
    public Mono<Void> delete(CheckpointId id) {
        Objects.requireNonNull(id, "id");
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            return deleteCheckpoint(id, new ArrayList<>(), new long[1]).then();
        });
    }

    /** Manifest first (the checkpoint stops existing), then everything under its directory. */
    private Mono<Long> deleteCheckpoint(CheckpointId id, List<String> deletedKeys, long[] bytes) {
        return calls.listAll(Layout.dir(id)).flatMap(infos -> {
            long size = 0;
            List<String> rest = new ArrayList<>();
            for (ObjectInfo info : infos) {
                size += info.size();
                if (!info.key().equals(Layout.manifest(id))) {
                    rest.add(info.key());
                }
            }
            long total = size;
            return calls.delete(Layout.manifest(id))
                    .then(calls.deleteAll(rest))
                    .then(Mono.fromCallable(() -> {
                        infos.forEach(i -> deletedKeys.add(i.key()));
                        bytes[0] += total;
                        return total;
                    }));
        });
    }

    @Override
    public Mono<PruneReport> prune() {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(closedError());
            }
            List<CheckpointId> deleted = new ArrayList<>();
            long[] bytes = new long[1];
            List<String> orphans = new ArrayList<>();
            List<String> incomplete = new ArrayList<>();
            Instant cutoff = config.clock().instant().minus(config.orphanGracePeriod());
            return applyRetention(deleted, bytes)
                    .then(sweepOrphans(orphans, bytes, cutoff))
                    .then(store.cleanupIncomplete("", cutoff).doOnNext(incomplete::add).then())
                    .then(Mono.fromCallable(() -> new PruneReport(deleted, orphans, incomplete, bytes[0])));
        });
    }

    /** Deletes the checkpoints retention does not keep; the newest always stays. */
    private Mono<List<CheckpointId>> applyRetention(List<CheckpointId> deleted, long[] bytes) {
        Retention r = config.retention();
        if (!r.isActive()) {
            return Mono.just(deleted);
        }
        Instant now = config.clock().instant();
        return list().collectList().flatMap(manifests -> {
            List<CheckpointId> doomed = new ArrayList<>();
            int n = manifests.size();
            for (int i = 0; i < n; i++) {
                Manifest m = manifests.get(i);
                CheckpointId id = Objects.requireNonNull(m.id());
                boolean newest = i == n - 1;
                boolean inLast = r.keepLast() > 0 && i >= n - r.keepLast();
                boolean young = r.keepNewerThan() != null && m.createdAt() != null
                        && m.createdAt().isAfter(now.minus(r.keepNewerThan()));
                if (!(newest || inLast || young || r.pinned().contains(id))) {
                    doomed.add(id);
                }
            }
            return Flux.fromIterable(doomed)
                    .concatMap(id -> deleteCheckpoint(id, new ArrayList<>(), bytes).doOnNext(x -> deleted.add(id)))
                    .then(Mono.just(deleted));
        });
    }

    /**
     * Removes artifacts no manifest references, once older than the grace period: debris of crashed, cancelled,
     * fenced or losing saves. A directory whose manifest exists but cannot be read is left alone.
     */
    private Mono<Void> sweepOrphans(List<String> removed, long[] bytes, Instant cutoff) {
        return calls.listAll(Layout.CHECKPOINTS).flatMap(infos -> {
            Map<CheckpointId, List<ObjectInfo>> byId = new TreeMap<>();
            for (ObjectInfo info : infos) {
                Layout.idOf(info.key()).ifPresent(id -> byId.computeIfAbsent(id, k -> new ArrayList<>()).add(info));
            }
            return Flux.fromIterable(byId.entrySet())
                    .concatMap(entry -> {
                        CheckpointId id = entry.getKey();
                        List<ObjectInfo> objects = entry.getValue();
                        boolean hasManifest = objects.stream().anyMatch(o -> o.key().equals(Layout.manifest(id)));
                        Mono<Set<String>> referenced = hasManifest
                                ? calls.readAll(Layout.manifest(id))
                                        .map(b -> referencedKeys(ManifestCodec.decode(Layout.manifest(id), b, null)))
                                        .onErrorResume(e -> isNotFound(e) || isUntrustworthy(e), e -> Mono.empty())
                                : Mono.just(Set.of());
                        return referenced.flatMap(refs -> {
                            List<String> doomed = new ArrayList<>();
                            long size = 0;
                            for (ObjectInfo o : objects) {
                                if (!o.key().equals(Layout.manifest(id)) && !refs.contains(o.key()) && !o.lastModified().isAfter(cutoff)) {
                                    doomed.add(o.key());
                                    size += o.size();
                                }
                            }
                            long total = size;
                            return calls.deleteAll(doomed).then(Mono.fromRunnable(() -> {
                                removed.addAll(doomed);
                                bytes[0] += total;
                            }));
                        });
                    }, 0)
                    .then();
        });
    }

    private static Set<String> referencedKeys(Manifest m) {
        Set<String> keys = new HashSet<>();
        for (PartitionEntry e : m.partitions()) {
            if (e.key() != null) {
                keys.add(e.key());
            }
        }
        return keys;
    }

    // ------------------------------------------------------------------------------------------------- every & close

    @Override
    public Flux<Manifest> every(Duration period, Supplier<Mono<Snapshot>> snapshots) {
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(snapshots, "snapshots");
        if (period.isZero() || period.isNegative()) {
            return Flux.error(new InvalidInputException("period must be positive, got " + period));
        }
        AtomicLong skipped = new AtomicLong();
        return Flux.interval(period, period)
                .onBackpressureDrop(tick -> {
                    long n = skipped.incrementAndGet();
                    log.debug("checkpoint tick skipped: the previous save is still running ({} skipped so far)", n);
                    notifyListeners(l -> l.onTickSkipped(n));
                })
                // The save continues on a Reactor worker, not on the thread that completed the snapshot (often the
                // pipeline's own), so checkpointing never stalls the pipeline.
                .concatMap(tick -> Mono.defer(snapshots).publishOn(Schedulers.parallel()).flatMap(this::save), 0);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && config.ownsStore()) {
            store.close();
        }
    }

    @Override
    public String toString() {
        return "Checkpointer[" + store.describe() + ", writer=" + config.writerId() + "]";
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private void notifyListeners(Consumer<CheckpointListener> call) {
        for (CheckpointListener l : config.listeners()) {
            try {
                call.accept(l);
            } catch (RuntimeException e) {
                log.warn("checkpoint listener {} threw; ignored", l, e);
            }
        }
    }

    private void reportCorrupt(CheckpointId id, CheckpointException e) {
        log.warn("checkpoint {} cannot be trusted and is passed over: {}", id, e.getMessage());
        notifyListeners(l -> l.onCorruptCheckpoint(id, e));
    }

    private CheckpointException closedError() {
        return new CheckpointException(ErrorCode.CLOSED, "checkpointer for " + store.describe() + " is closed");
    }

    static boolean isNotFound(Throwable t) {
        return t instanceof StoreException se && se.isNotFound();
    }

    static boolean isPrecondition(Throwable t) {
        return t instanceof StoreException se && se.isPreconditionFailed();
    }

    /** A manifest or artifact that cannot be trusted (as opposed to a store that cannot be reached). */
    static boolean isUntrustworthy(Throwable t) {
        return t instanceof CorruptMetadataException || t instanceof IncompatibleCheckpointException
                || t instanceof dev.checkpointer.IntegrityException;
    }
}

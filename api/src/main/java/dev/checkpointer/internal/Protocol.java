package dev.checkpointer.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.internal.LocationState.Kind;
import dev.checkpointer.internal.LocationState.Member;
import dev.checkpointer.internal.LocationState.View;
import dev.checkpointer.internal.ProtocolRules.Rule;
import dev.checkpointer.spi.PutOptions;
import java.util.List;
import java.util.OptionalLong;
import reactor.core.publisher.Flux;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The commit protocol (see {@code docs/PROTOCOL.md}): reading the pointer, claiming an epoch, preparing a manifest
 * (create-if-absent), publishing it (compare-and-swap of {@code _latest} from its parent), rebasing a prepared
 * manifest whose parent was passed, and rolling forward a prepared manifest someone else left behind. A save is
 * committed exactly when this class's publish finds it reachable from {@code _latest}.
 */
final class Protocol {
    private static final Logger log = LoggerFactory.getLogger(Protocol.class);
    /** Compare-and-swap attempts on {@code _latest} before giving up on a pointer that keeps changing. */
    static final int CAS_ATTEMPTS = 16;
    /** Manifest keys above the head looked at by one refresh, at most. */
    private static final int PROBE_LIMIT = 32;
    /** Times one refresh starts probing again after a roll-forward lost its compare-and-swap. */
    private static final int PROBE_RESTARTS = 4;

    private final Context ctx;
    private final Chain chain;
    private final AtomicReference<@Nullable Mono<Long>> claim = new AtomicReference<>();

    Protocol(Context ctx, Chain chain) {
        this.ctx = ctx;
        this.chain = chain;
    }

    // ------------------------------------------------------------------------------------------------- the pointer

    /** Reads {@code _latest} as it is now (one GET); a missing pointer comes back as {@link Kind#EMPTY} with no ETag. */
    Mono<View> readPointer() {
        return ctx.calls.readCapped(Layout.LATEST, Pointer.MAX_BYTES)
                .map(r -> {
                    try {
                        return View.ok(r.info().etag(), Pointer.decode(Layout.LATEST, r.bytes()));
                    } catch (CorruptMetadataException e) {
                        log.warn("{} at {} is corrupt ({}); reads recover from the manifests until it is repaired", Layout.LATEST,
                                ctx.store.describe(), String.join("; ", e.problems()));
                        return new View(r.info().etag(), null, Kind.LOST, "the pointer is corrupt: " + String.join("; ", e.problems()));
                    }
                })
                .onErrorResume(e -> e instanceof CorruptMetadataException, e -> ctx.calls.head(Layout.LATEST)
                        .map(info -> new View(info.etag(), null, Kind.LOST, ((CorruptMetadataException) e).problems().get(0))))
                .onErrorResume(Context::isNotFound, e -> Mono.just(new View(null, null, Kind.EMPTY, null)))
                .doOnNext(ctx.state::read);
    }

    /**
     * A fresh look at the location: the pointer; when it is missing, whether checkpoints exist (then the pointer is
     * lost, not new); and the manifest keys just above the head: a publishable one is rolled forward, the others
     * are remembered as taken ids.
     */
    Mono<View> refresh() {
        return readPointer().flatMap(v -> {
            if (v.kind() == Kind.EMPTY) {
                return anyManifest().flatMap(any -> {
                    if (!any) {
                        return Mono.just(v);
                    }
                    // Checkpoints exist: either the pointer was created after we looked (a writer published
                    // meanwhile), or it is really gone. The engine never deletes it, so a second look tells.
                    return readPointer().flatMap(again -> {
                        if (again.kind() == Kind.OK) {
                            return probe(again, again.headId() + 1, 0, 0);
                        }
                        if (again.kind() == Kind.LOST) {
                            return Mono.just(again);
                        }
                        View lost = new View(null, null, Kind.LOST, "the pointer " + Layout.LATEST + " is missing but checkpoints exist");
                        ctx.state.read(lost);
                        return Mono.just(lost);
                    });
                });
            }
            if (v.kind() == Kind.LOST) {
                return Mono.just(v);
            }
            return probe(v, v.headId() + 1, 0, 0);
        });
    }

    /** The view to work from: the cached one when this checkpointer's own last write is the newest it knows, else a fresh one. */
    Mono<View> view() {
        View v = ctx.state.view();
        return v != null && ctx.state.trustCachedView() ? Mono.just(v) : refresh();
    }

    /**
     * With no pointer: whether checkpoints were ever prepared here (then the pointer is lost, not new). Every
     * manifest is prepared on an existing pointer (a writer with an explicit epoch creates one before its first
     * manifest), so any manifest or tombstone proves a pointer existed; abort markers do not (a coordinator may
     * abort on a location that never had one). An unreadable file counts, to be safe. Every id found is remembered
     * as taken.
     */
    private Mono<Boolean> anyManifest() {
        return chain.manifestIds().flatMap(ids -> Flux.fromIterable(ids)
                .doOnNext(ctx.state::sawId)
                .concatMap(i -> chain.read(CheckpointId.of(i))
                        .map(r -> r.file() instanceof ManifestFile.Tombstone || r.file() instanceof ManifestFile.Live)
                        .onErrorResume(Context::isNotFound, e -> Mono.just(false))
                        .onErrorResume(Context::isUntrustworthy, e -> Mono.just(true)))
                .any(Boolean::booleanValue));
    }

    /** Looks at manifest keys above the head, one by one until a missing one; rolls a publishable manifest forward. */
    private Mono<View> probe(View v, long next, int looked, int restarts) {
        if (looked >= PROBE_LIMIT || next > CheckpointId.MAX_VALUE || next < 1) {
            return Mono.just(v);
        }
        CheckpointId id = CheckpointId.of(next);
        return chain.read(id)
                .flatMap(r -> {
                    ctx.state.sawId(next);
                    if (r.file() instanceof ManifestFile.Live live && publishable(live, v)) {
                        return rollForward(v, live, restarts).flatMap(after -> after == v
                                ? Mono.just(v) // could not publish it (e.g. read-only credentials): the head stays
                                : probe(after, next + 1, looked + 1, restarts));
                    }
                    return probe(v, next + 1, looked + 1, restarts);
                })
                .onErrorResume(Context::isNotFound, e -> Mono.just(v))
                .onErrorResume(Context::isUntrustworthy, e -> {
                    ctx.state.sawId(next);
                    return probe(v, next + 1, looked + 1, restarts);
                });
    }

    /** Whether a prepared manifest may be published on this view: its parent is the head and its epoch is not fenced. */
    boolean publishable(ManifestFile.Live live, View v) {
        Pointer p = v.pointer();
        if (p == null || !p.headIs(live.parent())) {
            return false;
        }
        return !ctx.on(Rule.EPOCH_FENCING) || live.manifest().epoch() >= p.epoch();
    }

    /**
     * Publishes someone else's prepared manifest (a writer that crashed between prepare and publish, or lost its
     * response). Returns the new view, or {@code v} itself when the compare-and-swap could not be made.
     */
    private Mono<View> rollForward(View v, ManifestFile.Live live, int restarts) {
        Pointer p = v.pointer();
        Manifest m = live.manifest();
        Pointer next = Pointer.of(live.id().value(), live.sha256(), live.parent(), Math.max(p.epoch(), m.epoch()), p.floor(), ctx.writerId());
        // Never publish what is not whole (possible only if its writer proved it dead and removed its objects, and a
        // repair of the pointer then made its parent the head again): a rare path, so the checks are affordable.
        return allObjectsExist(m).flatMap(whole -> {
            if (!whole) {
                log.warn("prepared checkpoint {} at {} has missing objects and is not rolled forward", live.id(), ctx.store.describe());
                return Mono.just(v);
            }
            return cas(v, next)
                    .map(after -> {
                        ctx.state.remember(Member.of(live));
                        log.info("rolled checkpoint {} forward at {}: its writer {} prepared it but had not published it", live.id(),
                                ctx.store.describe(), m.writerId());
                        return after;
                    })
                    // The pointer moved meanwhile: look again from the new head, a bounded number of times.
                    .onErrorResume(Context::isPrecondition, e -> readPointer().flatMap(fresh -> fresh.kind() == Kind.OK && restarts < PROBE_RESTARTS
                            ? probe(fresh, fresh.headId() + 1, 0, restarts + 1) : Mono.just(fresh)));
        }).onErrorResume(e -> e instanceof StoreException, e -> {
            log.debug("could not roll checkpoint {} forward ({}); the head stays at {}", live.id(), e.toString(), p.id());
            return Mono.just(v);
        });
    }

    /** Whether every object a manifest references exists. */
    Mono<Boolean> allObjectsExist(Manifest m) {
        return reactor.core.publisher.Flux.fromIterable(LocationState.keysOf(m))
                .flatMap(k -> ctx.calls.head(k).map(i -> true).onErrorResume(Context::isNotFound, e -> Mono.just(false)), 4)
                .all(Boolean::booleanValue);
    }

    /** Compare-and-swap of {@code _latest} from the view's version; the new view on success. */
    Mono<View> cas(View from, Pointer next) {
        byte[] body = next.encode();
        PutOptions condition = from.etag() == null ? PutOptions.ifAbsent() : PutOptions.ifMatch(from.etag());
        return ctx.calls.put(Layout.LATEST, () -> Payload.of(body), condition.withSha256(Sha256.hex(body)))
                .map(info -> {
                    View after = View.ok(info.etag(), next);
                    ctx.state.wrote(after);
                    return after;
                });
    }

    // ------------------------------------------------------------------------------------------------- epochs

    /**
     * The epoch a save or commit uses: the one the caller gives (fenced when below the location's), or the one
     * this checkpointer claimed (claimed once, on first use).
     */
    Mono<Long> epochFor(OptionalLong requested, View v) {
        long pointerEpoch = v.epoch();
        if (requested.isPresent()) {
            long e = requested.getAsLong();
            if (v.kind() == Kind.EMPTY) {
                // Create the pointer first (a claim of this epoch): every manifest is then prepared on an existing
                // pointer, so manifests without a pointer can only mean a lost one.
                return cas(v, Pointer.of(0, null, null, e, 0, ctx.writerId())).thenReturn(e)
                        .onErrorResume(Context::isPrecondition, x -> readPointer().flatMap(fresh -> fresh.kind() == Kind.EMPTY
                                ? Mono.error(new ConcurrentCheckpointException(Layout.LATEST + " at " + ctx.store.describe()
                                        + " was created and removed while this writer was creating it", false, x))
                                : epochFor(requested, fresh)));
            }
            if (v.kind() == Kind.LOST) {
                return Mono.error(pointerLost(v));
            }
            if (e < pointerEpoch && ctx.on(Rule.EPOCH_FENCING)) {
                return Mono.error(new ConcurrentCheckpointException("epoch " + e + " is fenced: epoch " + pointerEpoch
                        + " has been claimed at " + ctx.store.describe(), true));
            }
            return Mono.just(e);
        }
        long mine = ctx.state.claimedEpoch();
        if (mine > 0) {
            if (mine < pointerEpoch && ctx.on(Rule.EPOCH_FENCING)) {
                return Mono.error(new ConcurrentCheckpointException("this checkpointer's epoch " + mine + " is fenced: a newer writer claimed epoch "
                        + pointerEpoch + " at " + ctx.store.describe(), true));
            }
            return Mono.just(mine);
        }
        Mono<Long> pending = claim.get();
        if (pending == null) {
            Mono<Long> fresh = claimEpoch(v, CAS_ATTEMPTS).doOnNext(ctx.state::claimed).doOnError(e -> claim.set(null)).cache();
            pending = claim.compareAndExchange(null, fresh);
            if (pending == null) {
                pending = fresh;
            }
        }
        return pending;
    }

    /** Claims one epoch above the location's by compare-and-swap on {@code _latest} (head and floor unchanged). */
    private Mono<Long> claimEpoch(View v, int attemptsLeft) {
        if (v.kind() == Kind.LOST) {
            return Mono.error(pointerLost(v));
        }
        long epoch = v.epoch() + 1;
        Pointer next = v.pointer() == null ? Pointer.of(0, null, null, epoch, 0, ctx.writerId()) : v.pointer().withEpoch(epoch, ctx.writerId());
        return cas(v, next)
                .map(after -> {
                    log.info("claimed writer epoch {} at {} as {}", epoch, ctx.store.describe(), ctx.writerId());
                    return epoch;
                })
                .onErrorResume(Context::isPrecondition, e -> readPointer().flatMap(fresh -> {
                    Pointer p = fresh.pointer();
                    if (p != null && p.epoch() == epoch && ctx.writerId().equals(p.writerId())) {
                        return Mono.just(epoch); // our claim landed; its response was lost
                    }
                    if (attemptsLeft <= 1) {
                        return Mono.error(new ConcurrentCheckpointException("could not claim a writer epoch at " + ctx.store.describe()
                                + ": " + Layout.LATEST + " kept changing", false, e));
                    }
                    return claimEpoch(fresh, attemptsLeft - 1);
                }));
    }

    CheckpointException pointerLost(View v) {
        return new CorruptMetadataException(Layout.LATEST, List.of(v.problem() == null ? "the pointer is unusable" : v.problem(),
                "reads recover the newest verifiable checkpoint from the manifests; writes need the pointer repaired first"
                        + " (Checkpointer.repairPointer(), the CLI's repair command, or repairPointerOnSave(true))"), null);
    }

    // ------------------------------------------------------------------------------------------------- prepare

    /**
     * A manifest this save created, with the ETag of its object (only its writer ever replaces it, by if-match,
     * when rebasing).
     */
    record Prepared(Manifest manifest, String sha, String etag) {
        Manifest.Link link() {
            return new Manifest.Link(manifest.id(), sha);
        }
    }

    /** The manifest key holds something else: this id can never be this save's. */
    static final class IdTaken extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final transient @Nullable ManifestFile existing;

        IdTaken(CheckpointId id, @Nullable ManifestFile existing) {
            super("checkpoint " + id + " is taken" + (existing instanceof ManifestFile.Aborted ? " (aborted)" : ""), null, false, false);
            this.existing = existing;
        }
    }

    /** The create's outcome was unknown and has been settled: an abort marker now holds the key, so the manifest never will. */
    static final class NotCreated extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotCreated(Throwable cause) {
            super("the manifest was not created: " + cause.getMessage(), cause, false, false);
        }
    }

    /**
     * Creates a manifest if absent.
     *
     * @return the prepared manifest; {@link IdTaken} when the key holds something else; {@link NotCreated} when the
     *     create failed and its key was then claimed so it never lands; another error when even that is unknown
     */
    Mono<Prepared> prepare(Manifest m) {
        byte[] bytes = ManifestCodec.encode(m);
        if (bytes.length > ManifestCodec.MAX_MANIFEST_BYTES) {
            return Mono.error(new InvalidInputException("the manifest of checkpoint " + m.id() + " would be " + bytes.length
                    + " bytes, more than the " + ManifestCodec.MAX_MANIFEST_BYTES + "-byte limit: lower inlineThreshold or maxInlineBytes"));
        }
        String sha = Sha256.hex(bytes);
        CheckpointId id = m.id();
        String key = Layout.manifest(id);
        return ctx.calls.put(key, () -> Payload.of(bytes), PutOptions.ifAbsent().withSha256(sha))
                .map(info -> new Prepared(m, sha, info.etag()))
                .onErrorResume(Context::isPrecondition, e -> whoHolds(id, sha, m))
                .onErrorResume(e -> !(e instanceof IdTaken) && !(e instanceof CheckpointException ce && !(ce instanceof StoreException)),
                        e -> settle(id, sha, m, e));
    }

    /** After a refused create: our own earlier attempt (its response lost), or someone else's file. */
    private Mono<Prepared> whoHolds(CheckpointId id, String sha, Manifest m) {
        return chain.read(id)
                // Ours: the manifest itself, or the tombstone left when it was committed and then deleted.
                .flatMap(r -> sha.equals(r.file().linkedSha256())
                        ? Mono.just(new Prepared(m, sha, r.etag()))
                        : notOurs(id, r.file(), null))
                .onErrorResume(Context::isUntrustworthy, e -> notOurs(id, null, e))
                .onErrorResume(Context::isNotFound, e -> notOurs(id, null, e));
    }

    /**
     * The key holds something else, or nothing any more: ours was never published, unless the id has expired since
     * (see {@link #neverPublished}).
     */
    private Mono<Prepared> notOurs(CheckpointId id, @Nullable ManifestFile there, @Nullable Throwable cause) {
        return neverPublished(id, "its manifest key was taken", () -> new IdTaken(id, there), cause);
    }

    /**
     * Our manifest is not at its key (another file or an abort marker holds it, or nothing does): whether that proves
     * it was never published depends on the floor, read now (it only rises). At or above the floor it does: a
     * published manifest there is never removed, only replaced by its own tombstone, so {@code proven} is the
     * answer. Below the floor, or with the pointer unreadable, it does not: ours may have landed late, been rolled
     * forward by another writer, built on (later checkpoints reusing its chunks) and expired, which frees the key
     * again. The outcome is then unknown, and the caller deletes nothing.
     */
    private Mono<Prepared> neverPublished(CheckpointId id, String why, Supplier<RuntimeException> proven, @Nullable Throwable cause) {
        return readPointer().flatMap(v -> v.kind() == Kind.LOST || v.floor() > id.value()
                ? Mono.<Prepared>error(new CheckpointException(ErrorCode.OUTCOME_UNKNOWN, "cannot tell whether checkpoint " + id
                        + " was committed: " + why + ", and " + (v.kind() == Kind.LOST
                                ? "the pointer " + Layout.LATEST + " cannot be read to tell whether the id has expired"
                                : "the id has since expired below the floor " + v.floor()), cause))
                : Mono.<Prepared>error(proven.get()));
    }

    /**
     * The create failed with an unknown outcome (every attempt's response lost, or a permanent error after an
     * attempt that may have landed). Claims the key with an abort marker: if that lands, the manifest never will;
     * whether it never did is {@link #neverPublished}'s question (a late create may have been published, built on
     * and expired before the marker landed on the freed key).
     */
    private Mono<Prepared> settle(CheckpointId id, String sha, Manifest m, Throwable original) {
        byte[] marker = ManifestCodec.encodeAbort(id, ctx.now(), ctx.writerId());
        return ctx.calls.put(Layout.manifest(id), () -> Payload.of(marker), PutOptions.ifAbsent().withSha256(Sha256.hex(marker)))
                .flatMap(info -> neverPublished(id, "its manifest's create had an unknown outcome", () -> new NotCreated(original), original))
                .onErrorResume(Context::isPrecondition, e -> whoHolds(id, sha, m))
                .onErrorResume(e -> !(e instanceof NotCreated) && !(e instanceof IdTaken) && !(e instanceof CheckpointException ce && !(ce instanceof StoreException)),
                        e -> {
                            original.addSuppressed(e);
                            return Mono.error(original);
                        });
    }

    // ------------------------------------------------------------------------------------------------- publish

    /** What retention decides for a publish: the floor to write, and what to remove once the publish landed. */
    interface Planner extends BiFunction<View, Member, Mono<Janitor.Plan>> {}

    /** A publish that landed (or was found done), with what retention removes next. */
    record Published(Manifest manifest, Janitor.Plan plan) {}

    /**
     * Moves {@code _latest} from the manifest's parent to the manifest by compare-and-swap, rebasing it when the head
     * moved on below it. Never withdraws it.
     *
     * @param start the view the manifest was prepared on
     * @param planner retention's floor for the new head
     * @return the publish; {@link ConcurrentCheckpointException} only when the manifest can provably never be
     *     published (fenced, or passed by the head); other errors when the outcome is unknown
     */
    Mono<Published> publish(Prepared prepared, View start, Planner planner) {
        return publish(prepared, start, planner, CAS_ATTEMPTS);
    }

    private Mono<Published> publish(Prepared pr, View v, Planner planner, int attemptsLeft) {
        Manifest m = pr.manifest();
        Pointer p = v.pointer();
        long pointerEpoch = v.epoch();
        if (ctx.on(Rule.EPOCH_FENCING) && m.epoch() < pointerEpoch) {
            return isOurs(pr, v).flatMap(ours -> ours
                    ? Mono.just(new Published(m, Janitor.Plan.none()))
                    : Mono.error(new ConcurrentCheckpointException("writer epoch " + m.epoch() + " is fenced: a writer with epoch " + pointerEpoch
                            + " owns " + ctx.store.describe() + "; checkpoint " + m.id() + " was not committed", true)));
        }
        Manifest.Link parent = m.parent().orElse(null);
        if (v.kind() == Kind.EMPTY ? parent == null : p != null && p.headIs(parent)) {
            Member member = new Member(m.id(), pr.sha(), parent, m.grandparent().orElse(null), m.epoch(), m.createdAt(), false, false,
                    LocationState.keysOf(m), LocationState.chunksOf(m));
            return planner.apply(v, member).flatMap(plan -> {
                long floor = Math.max(v.floor(), plan.floor());
                Pointer next = Pointer.of(m.id().value(), pr.sha(), parent, Math.max(pointerEpoch, m.epoch()), floor, ctx.writerId());
                return cas(v, next)
                        .map(after -> {
                            ctx.state.remember(member);
                            return new Published(m, plan);
                        })
                        .onErrorResume(Context::isPrecondition, e -> {
                            if (attemptsLeft <= 1) {
                                // Not a loss: the manifest is still publishable, and the next reader or save may roll it forward.
                                return Mono.error(new CheckpointException(ErrorCode.OUTCOME_UNKNOWN, "could not publish checkpoint " + m.id() + " at "
                                        + ctx.store.describe() + ": " + Layout.LATEST + " kept changing under " + CAS_ATTEMPTS
                                        + " attempts; it may still be committed by the next reader or save (latest() tells)", e));
                            }
                            return readPointer().flatMap(fresh -> publish(pr, fresh, planner, attemptsLeft - 1));
                        })
                        .onErrorResume(e -> e instanceof StoreException se && !se.isPreconditionFailed(),
                                e -> afterUnknown(pr, e));
            });
        }
        if (v.kind() != Kind.OK) {
            // The pointer this manifest was prepared on is gone or corrupt: lost while this save ran. The manifest
            // stays prepared and whole; a repair of the pointer may make it the head, so the outcome is unknown.
            String problem = v.kind() == Kind.LOST && v.problem() != null ? v.problem() : "the pointer " + Layout.LATEST + " has disappeared";
            return Mono.error(new CheckpointException(ErrorCode.OUTCOME_UNKNOWN, "checkpoint " + m.id() + " at " + ctx.store.describe()
                    + " was prepared but could not be published: " + problem + ". Reads recover the newest verifiable checkpoint from the"
                    + " manifests (possibly this one); writes need the pointer repaired first (Checkpointer.repairPointer())"));
        }
        // The head is not our parent: either we are on the chain already, or the head passed our parent.
        return isOurs(pr, v).flatMap(ours -> {
            if (ours) {
                return Mono.just(new Published(m, Janitor.Plan.none()));
            }
            // A manifest that reuses chunks of its parent is never rebased: once the head passed its parent, those
            // chunks may have gone with it (retention deletes what no retained member references).
            if (p.id() < m.id().value() && attemptsLeft > 1 && !reusesChunks(m)) {
                return rebase(pr, v).flatMap(rebased -> publish(rebased, v, planner, attemptsLeft - 1));
            }
            ctx.state.contended();
            return Mono.error(new ConcurrentCheckpointException("checkpoint " + m.id() + " lost to checkpoint " + p.id() + " at "
                    + ctx.store.describe() + ", which another writer committed first; it was not committed", false));
        });
    }

    /** Whether a manifest references a chunk that an earlier checkpoint wrote. */
    static boolean reusesChunks(Manifest m) {
        for (dev.checkpointer.PartitionEntry e : m.partitions()) {
            for (dev.checkpointer.ChunkRef c : e.chunks()) {
                if (!c.firstId().equals(m.id())) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether the prepared manifest is on the chain of this view (our earlier CAS landed, or someone rolled it forward). */
    private Mono<Boolean> isOurs(Prepared pr, View v) {
        Pointer p = v.pointer();
        if (p == null) {
            return Mono.just(false);
        }
        if (p.headIs(pr.link())) {
            return Mono.just(true);
        }
        return chain.reaches(p, pr.link()).flatMap(r -> r == Chain.Reach.UNKNOWN
                ? Mono.error(new CheckpointException(ErrorCode.OUTCOME_UNKNOWN, "cannot tell whether checkpoint " + pr.manifest().id()
                        + " was committed: the chain below " + p.id() + " cannot be followed to it (it lies below the floor " + p.floor()
                        + ", or a manifest on the way is unreadable)"))
                : Mono.just(r == Chain.Reach.YES));
    }

    /**
     * The compare-and-swap failed with an unknown outcome: look at the pointer again to learn whether it landed.
     */
    private Mono<Published> afterUnknown(Prepared pr, Throwable original) {
        return readPointer()
                .flatMap(fresh -> isOurs(pr, fresh))
                .flatMap(ours -> ours ? Mono.just(new Published(pr.manifest(), Janitor.Plan.none())) : Mono.<Published>error(original))
                .onErrorMap(e -> e != original, e -> {
                    original.addSuppressed(e);
                    return original;
                });
    }

    /**
     * Replaces our own prepared manifest, whose parent the head has passed, with one prepared on the current head
     * (if-match on the ETag our create returned: nobody else ever writes to a prepared manifest, and a manifest
     * whose parent was passed can never be published, so no reader or roll-forward can be using it).
     */
    private Mono<Prepared> rebase(Prepared pr, View v) {
        Pointer p = v.pointer();
        Manifest m = pr.manifest().toBuilder().parent(p.head()).grandparent(p.parent()).build();
        byte[] bytes = ManifestCodec.encode(m);
        String sha = Sha256.hex(bytes);
        String key = Layout.manifest(m.id());
        log.debug("rebasing checkpoint {} from parent {} onto the head {}", m.id(), pr.manifest().parent().map(l -> l.id().toString()).orElse("none"), p.id());
        return ctx.calls.put(key, () -> Payload.of(bytes), PutOptions.ifMatch(pr.etag()).withSha256(sha))
                .map(info -> new Prepared(m, sha, info.etag()))
                .onErrorResume(Context::isPrecondition, e -> chain.read(m.id())
                        .flatMap(r -> r.file().sha256().equals(sha)
                                ? Mono.just(new Prepared(m, sha, r.etag())) // our rebase landed; its response was lost
                                : Mono.<Prepared>error(new CheckpointException(ErrorCode.OUTCOME_UNKNOWN, "checkpoint " + m.id()
                                        + "'s prepared manifest was replaced by another writer: this save's outcome is unknown", e))));
    }
}

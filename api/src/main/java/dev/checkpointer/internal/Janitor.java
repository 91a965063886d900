package dev.checkpointer.internal;

import dev.checkpointer.ChunkRef;
import org.jspecify.annotations.Nullable;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Retention;
import dev.checkpointer.internal.Chain.Ref;
import dev.checkpointer.internal.LocationState.Kind;
import dev.checkpointer.internal.LocationState.Member;
import dev.checkpointer.internal.LocationState.View;
import dev.checkpointer.internal.ProtocolRules.Rule;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PutOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Removes what is no longer needed, by reachability and never by a clock: retention (raising the floor with a
 * publish or a compare-and-swap of its own, then deleting what fell below it), {@code delete(id)} (a tombstone),
 * {@code abort(id)} (a claim, then the staged objects), and {@code prune()}'s sweep of garbage at or below the
 * head. Objects under ids above the head are never touched here: a save that can still publish may need them.
 */
final class Janitor {
    private static final Logger log = LoggerFactory.getLogger(Janitor.class);
    private static final int DELETE_BATCH = 1000;

    private final Context ctx;
    private final Chain chain;
    private final Protocol protocol;

    Janitor(Context ctx, Chain chain, Protocol protocol) {
        this.ctx = ctx;
        this.chain = chain;
        this.protocol = protocol;
    }

    /**
     * What retention decides for a head: the floor to write, the members that fall below it (deleted once the floor
     * is written), and the members inside the window it does not keep (tombstoned).
     *
     * @param floor the new floor (0: no change)
     * @param expired members below the new floor
     * @param tombstone members at or above the floor that retention does not keep
     * @param liveChunks the keys of every chunk a kept member references (what retention must not delete), or null
     *        when a kept member's chunks are unknown (then retention deletes no chunk, and prune decides later)
     */
    record Plan(long floor, List<Member> expired, List<Member> tombstone, @Nullable Set<String> liveChunks) {
        static Plan none() {
            return new Plan(0, List.of(), List.of(), Set.of());
        }

        boolean isEmpty() {
            return expired.isEmpty() && tombstone.isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------------------- retention

    /**
     * Retention's plan for a new head on a view: walks the window below the head (from the cache; only members not
     * yet known are read) and keeps the newest {@code keepLast} live members, those younger than
     * {@code keepNewerThan}, the pinned ones and the head.
     */
    Mono<Plan> plan(View v, Member head) {
        Retention r = ctx.config.retention();
        if (!r.isActive()) {
            return Mono.just(Plan.none());
        }
        return chain.walk(Ref.of(head.parent()), Ref.of(head.grandparent()), Math.max(1, v.floor()), false)
                .collectList()
                .map(steps -> {
                    List<Member> members = new ArrayList<>();
                    members.add(head);
                    for (Chain.Step s : steps) {
                        if (s.member() == null) {
                            // An unreadable member: nothing below it is decided here (prune's sweep handles the rest later).
                            return decide(members, r, true);
                        }
                        members.add(s.member());
                    }
                    return decide(members, r, false);
                });
    }

    /** Members newest first (the head first). */
    private Plan decide(List<Member> newestFirst, Retention r, boolean truncated) {
        Instant now = ctx.now();
        Set<Long> kept = new HashSet<>();
        int live = 0;
        for (int i = 0; i < newestFirst.size(); i++) {
            Member m = newestFirst.get(i);
            if (m.tombstone()) {
                continue;
            }
            boolean keep = i == 0 || (r.keepLast() > 0 && live < r.keepLast())
                    || (r.keepNewerThan() != null && m.createdAt() != null && m.createdAt().isAfter(now.minus(r.keepNewerThan())))
                    || r.pinned().contains(m.id());
            live++;
            if (keep) {
                kept.add(m.id().value());
            }
        }
        long floor = kept.stream().mapToLong(Long::longValue).min().orElse(newestFirst.get(0).id().value());
        if (truncated) {
            // Members below the unreadable one are unknown: never raise the floor past what was seen.
            floor = Math.min(floor, newestFirst.get(newestFirst.size() - 1).id().value());
        }
        List<Member> expired = new ArrayList<>();
        List<Member> tombstone = new ArrayList<>();
        for (Member m : newestFirst) {
            long id = m.id().value();
            if (id < floor) {
                expired.add(m);
            } else if (!m.tombstone() && !kept.contains(id)) {
                tombstone.add(m);
            }
        }
        // A tombstoned head hides the chunks it referenced, and a save prepared on it may still publish reusing them
        // (delete does not move the pointer): while the head is a tombstone, retention deletes no chunk.
        Set<String> liveChunks = newestFirst.get(0).tombstone() ? null : liveChunks(newestFirst, kept);
        if (!ctx.on(Rule.FLOOR_FIRST)) {
            return new Plan(0, expired, tombstone, liveChunks); // proof mode: delete without raising the floor
        }
        return new Plan(floor, expired, tombstone, liveChunks);
    }

    /** The keys of the chunks the kept members reference; null when a kept member's chunks are unknown. */
    private static @Nullable Set<String> liveChunks(List<Member> members, Set<Long> kept) {
        Set<String> live = new HashSet<>();
        for (Member m : members) {
            if (kept.contains(m.id().value())) {
                if (m.chunks() == null) {
                    return null;
                }
                for (ChunkRef c : m.chunks()) {
                    live.add(c.key());
                }
            }
        }
        return live;
    }

    /**
     * The chunks that only the removed members referenced: each chunk of theirs that no kept member references.
     * None when the kept members' chunks are unknown.
     */
    private static List<String> chunkGarbage(Plan plan, List<Member> removed) {
        Set<String> live = plan.liveChunks();
        if (live == null) {
            return List.of();
        }
        Set<String> garbage = new java.util.LinkedHashSet<>();
        for (Member m : removed) {
            if (m.chunks() != null) {
                for (ChunkRef c : m.chunks()) {
                    if (!live.contains(c.key())) {
                        garbage.add(c.key());
                    }
                }
            }
        }
        return List.copyOf(garbage);
    }

    /**
     * What retention removed: the checkpoints (oldest first) and the keys it deleted.
     *
     * @param ids checkpoints removed (tombstoned inside the window, or expired below the floor)
     * @param keys objects deleted
     */
    record Removal(List<CheckpointId> ids, List<String> keys) {
        static final Removal NONE = new Removal(List.of(), List.of());
    }

    /**
     * Carries out a plan whose floor is written: tombstones the members retention no longer keeps inside the window,
     * then deletes everything the expired members referenced, in one batched delete. Failures are logged: what is
     * left is garbage that {@code prune()} sweeps.
     */
    Mono<Removal> execute(Plan plan) {
        if (plan.isEmpty()) {
            return Mono.just(Removal.NONE);
        }
        List<CheckpointId> removed = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> deletedKeys = new java.util.concurrent.CopyOnWriteArrayList<>();
        // The members whose chunks may go: the expired ones, and each one retention managed to tombstone.
        List<Member> gone = new java.util.concurrent.CopyOnWriteArrayList<>(plan.expired());
        Mono<Void> tombstones = Flux.fromIterable(plan.tombstone())
                .concatMap(m -> {
                    // Its _sinks, if any, is left to prune (garbage once the member is a tombstone): no extra request here.
                    List<String> keys = m.keys() == null ? List.of() : m.keys();
                    return tombstone(m.link())
                            .then(Mono.defer(() -> deleteInBatches(keys)))
                            .doOnSuccess(x -> {
                                removed.add(m.id());
                                deletedKeys.addAll(keys);
                                gone.add(m);
                            })
                            .onErrorResume(e -> {
                                log.warn("retention could not delete checkpoint {}; prune() will retry: {}", m.id(), e.toString());
                                return Mono.empty();
                            });
                })
                .then();
        List<String> keys = new ArrayList<>();
        for (Member m : plan.expired()) {
            keys.add(Layout.manifest(m.id()));
            keys.add(Layout.sinkStatus(m.id())); // in the same batch: no extra request (a missing key deletes as a success)
            if (m.keys() != null) {
                keys.addAll(m.keys());
            }
        }
        return tombstones
                .then(Mono.fromRunnable(() -> keys.addAll(chunkGarbage(plan, gone))))
                .then(Mono.defer(() -> deleteInBatches(keys)).then(Mono.fromRunnable(() -> deletedKeys.addAll(keys))).onErrorResume(e -> {
                    log.warn("retention could not delete {} object(s) of expired checkpoints; prune() will: {}", keys.size(), e.toString());
                    return Mono.empty();
                }))
                .then(Mono.fromCallable(() -> {
                    for (Member m : plan.expired()) {
                        ctx.state.forget(m.id().value());
                        removed.add(m.id());
                    }
                    List<CheckpointId> ids = new ArrayList<>(removed);
                    ids.sort(java.util.Comparator.naturalOrder());
                    if (!ids.isEmpty()) {
                        log.debug("retention removed checkpoint(s) {} at {}", ids, ctx.store.describe());
                    }
                    return new Removal(List.copyOf(ids), List.copyOf(deletedKeys));
                }));
    }

    private Mono<Void> deleteInBatches(List<String> keys) {
        if (keys.isEmpty()) {
            return Mono.empty();
        }
        List<List<String>> batches = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += DELETE_BATCH) {
            batches.add(keys.subList(i, Math.min(keys.size(), i + DELETE_BATCH)));
        }
        return Flux.fromIterable(batches).concatMap(ctx.calls::deleteAll).then();
    }

    /**
     * Applies retention on its own (for {@code prune()}): raises the floor by compare-and-swap when retention wants
     * it higher, then carries out the plan.
     */
    Mono<Removal> retain(View start) {
        return retain(start, Protocol.CAS_ATTEMPTS);
    }

    private Mono<Removal> retain(View v, int attemptsLeft) {
        Pointer p = v.pointer();
        if (p == null || p.id() == 0 || !ctx.config.retention().isActive()) {
            return Mono.just(Removal.NONE);
        }
        return chain.walk(Ref.of(p.head()), Ref.of(p.parent()), Math.max(1, p.floor()), false).next()
                .flatMap(top -> top.member() == null || top.id().value() != p.id() ? Mono.just(Plan.none()) : plan(v, top.member()))
                .flatMap(plan -> {
                    if (plan.floor() <= p.floor()) {
                        return execute(plan);
                    }
                    return protocol.cas(v, p.withFloor(plan.floor(), ctx.writerId()))
                            .then(execute(plan))
                            .onErrorResume(Context::isPrecondition, e -> attemptsLeft <= 1 ? Mono.just(Removal.NONE)
                                    : protocol.readPointer().flatMap(fresh -> retain(fresh, attemptsLeft - 1)));
                });
    }

    // ------------------------------------------------------------------------------------------------- delete

    /**
     * Deletes a committed checkpoint: its manifest is replaced by a tombstone (so the chain stays walkable and the
     * id can never be committed again), then its objects go. Idempotent: a checkpoint that is not committed (never
     * was, already deleted, expired) is not an error; what lies under an id below the floor or off the chain is
     * garbage and is removed.
     */
    Mono<Void> delete(CheckpointId id) {
        return protocol.readPointer().flatMap(v -> {
            if (v.kind() == Kind.LOST) {
                return Mono.error(protocol.pointerLost(v));
            }
            Pointer p = v.pointer();
            long x = id.value();
            if (p == null || x > p.id()) {
                return Mono.empty(); // not committed (a save above the head may still publish there: leave it alone)
            }
            if (x < p.floor()) {
                return deleteDirectory(id, false);
            }
            return locate(p, id).flatMap(member -> member.isEmpty()
                    ? deleteDirectory(id, false) // at or below the head, not on the chain: garbage
                    : tombstone(member.get().link()).then(deleteDirectory(id, true)));
        });
    }

    /**
     * The chain member with this id; empty when the id is not on the chain. A member that is on the chain but whose
     * manifest cannot be read is refused: it cannot be tombstoned (its tombstone must keep its parent links), and
     * deleting its manifest would cut the chain.
     */
    private Mono<java.util.Optional<Member>> locate(Pointer p, CheckpointId id) {
        long x = id.value();
        return chain.walk(Ref.of(p.head()), Ref.of(p.parent()), x, false)
                .filter(s -> s.id().value() <= x)
                .next()
                .flatMap(s -> {
                    if (s.id().value() != x) {
                        return Mono.just(java.util.Optional.<Member>empty());
                    }
                    if (s.member() == null) {
                        return Mono.error(new dev.checkpointer.CorruptMetadataException(Layout.manifest(id), List.of("checkpoint " + id
                                + " is on the chain but its manifest cannot be read (" + (s.problem() == null ? "unknown" : s.problem().getMessage())
                                + "); it is not deleted, because its tombstone must keep links that only its manifest holds: retention expires it"
                                + " once the floor passes it"), s.problem()));
                    }
                    return Mono.just(java.util.Optional.of(s.member()));
                })
                .defaultIfEmpty(java.util.Optional.empty());
    }

    /** Replaces a member's manifest by a tombstone, if-match on the version just verified. */
    private Mono<Void> tombstone(Manifest.Link member) {
        CheckpointId id = member.id();
        return chain.read(id).flatMap(r -> {
            if (r.file() instanceof ManifestFile.Tombstone) {
                return Mono.<Void>empty();
            }
            if (!(r.file() instanceof ManifestFile.Live live) || !live.sha256().equals(member.manifestSha256())) {
                return Mono.<Void>empty(); // not the member any more (expired and replaced below the floor): nothing to do
            }
            if (!ctx.on(Rule.TOMBSTONES)) {
                return ctx.calls.delete(Layout.manifest(id)); // proof mode: v1's deletion
            }
            Manifest m = live.manifest();
            byte[] bytes = ManifestCodec.encodeTombstone(id, live.sha256(), m.epoch(), m.createdAt(), live.parent(), live.grandparent(),
                    ctx.now(), ctx.writerId());
            return ctx.calls.put(Layout.manifest(id), () -> Payload.of(bytes), PutOptions.ifMatch(r.etag()).withSha256(Sha256.hex(bytes)))
                    .doOnNext(info -> {
                        Member known = ctx.state.member(id.value());
                        if (known != null) {
                            ctx.state.remember(known.asTombstone());
                        }
                    })
                    .then()
                    .onErrorResume(Context::isPrecondition, e -> chain.read(id)
                            .flatMap(again -> again.file() instanceof ManifestFile.Tombstone ? Mono.<Void>empty()
                                    : Mono.<Void>error(new ConcurrentCheckpointException("checkpoint " + id + " changed while it was being deleted", false, e))));
        }).onErrorResume(Context::isNotFound, e -> Mono.empty());
    }

    /** Deletes every object under an id, except its manifest key when {@code keepManifest}. */
    private Mono<Void> deleteDirectory(CheckpointId id, boolean keepManifest) {
        String manifest = Layout.manifest(id);
        return ctx.calls.listAll(Layout.dir(id)).flatMap(infos -> {
            List<String> keys = new ArrayList<>();
            for (ObjectInfo info : infos) {
                if (!(keepManifest && info.key().equals(manifest))) {
                    keys.add(info.key());
                }
            }
            return deleteInBatches(keys);
        });
    }

    // ------------------------------------------------------------------------------------------------- abort

    /**
     * Abandons a checkpoint begun by a coordinator: claims its manifest key with an abort marker (create-if-absent),
     * so no manifest can ever appear there, then deletes what was staged. Refuses when the key holds a manifest
     * (prepared or committed).
     */
    Mono<List<String>> abort(CheckpointId id) {
        String key = Layout.manifest(id);
        if (!ctx.on(Rule.ABORT_CLAIM)) {
            // Proof mode: v1's look-then-delete.
            return ctx.calls.head(key)
                    .flatMap(x -> Mono.<List<String>>error(committed(id)))
                    .onErrorResume(Context::isNotFound, nf -> stagedUnder(id).flatMap(keys -> deleteInBatches(keys).thenReturn(keys)));
        }
        byte[] marker = ManifestCodec.encodeAbort(id, ctx.now(), ctx.writerId());
        return ctx.calls.put(key, () -> Payload.of(marker), PutOptions.ifAbsent().withSha256(Sha256.hex(marker)))
                .then(Mono.just(true))
                .onErrorResume(Context::isPrecondition, e -> chain.read(id)
                        .map(r -> r.file() instanceof ManifestFile.Aborted)
                        .onErrorResume(Context::isUntrustworthy, bad -> Mono.just(false)))
                .flatMap(aborted -> aborted
                        ? stagedUnder(id).flatMap(keys -> deleteInBatches(keys).thenReturn(keys))
                        : Mono.<List<String>>error(committed(id)));
    }

    private static ConcurrentCheckpointException committed(CheckpointId id) {
        return new ConcurrentCheckpointException("checkpoint " + id + " has a manifest (it is committed, or prepared by a coordinator about to"
                + " commit it) and cannot be aborted; delete() removes a committed checkpoint", false);
    }

    private Mono<List<String>> stagedUnder(CheckpointId id) {
        String manifest = Layout.manifest(id);
        return ctx.calls.listAll(Layout.dir(id)).map(infos -> infos.stream().map(ObjectInfo::key).filter(k -> !k.equals(manifest)).toList());
    }

    // ------------------------------------------------------------------------------------------------- prune

    /**
     * Applies retention, then sweeps garbage: everything under ids below the floor, and everything under ids up to
     * the head that no chain member references. Never anything above the head. The grace period is measured
     * against the store's clock (the newest last-modified time the listing shows) and only delays sweeping.
     */
    Mono<PruneReport> prune() {
        return protocol.refresh().flatMap(v -> {
            if (v.kind() == Kind.LOST) {
                return Mono.error(protocol.pointerLost(v));
            }
            if (v.kind() == Kind.EMPTY || v.pointer() == null) {
                return Mono.just(new PruneReport(List.of(), List.of(), List.of(), 0));
            }
            // One listing, taken first: the sizes of what retention and the sweep delete, and what the sweep looks at.
            return Mono.zip(ctx.calls.listAll(Layout.CHECKPOINTS), ctx.calls.listAll(ChunkRef.AREA), (checkpoints, chunks) -> {
                        List<ObjectInfo> all = new ArrayList<>(checkpoints);
                        all.addAll(chunks);
                        return all;
                    }).flatMap(listing -> retain(v)
                    .flatMap(removal -> protocol.readPointer().flatMap(now -> now.kind() == Kind.OK
                            ? sweep(now.pointer(), removal, listing)
                            : Mono.error(protocol.pointerLost(now)))));
        });
    }

    private Mono<PruneReport> sweep(Pointer p, Removal removal, List<ObjectInfo> listing) {
        Set<String> gone = new HashSet<>(removal.keys());
        long retainedBytes = 0;
        List<ObjectInfo> remaining = new ArrayList<>();
        for (ObjectInfo i : listing) {
            if (gone.contains(i.key())) {
                retainedBytes += i.size();
            } else {
                remaining.add(i);
            }
        }
        long retentionBytes = retainedBytes;
        if (!ctx.on(Rule.REACHABILITY_GC)) {
            return sweepByClock(removal.ids());
        }
        return chain.walk(Ref.of(p.head()), Ref.of(p.parent()), Math.max(1, p.floor()), false).collectList().flatMap(steps -> {
            Set<String> referenced = new HashSet<>();
            Set<Long> unreadable = new HashSet<>();
            long unknownBelow = -1; // a walk that broke, or a member whose objects are unknown, leaves the ids at or below it undecided
            // A member whose chunks are unknown may reference any chunk written up to its id: those stay undecided.
            long chunksUnknownBelow = -1;
            for (Chain.Step s : steps) {
                if (s.member() == null) {
                    unreadable.add(s.id().value());
                    chunksUnknownBelow = Math.max(chunksUnknownBelow, s.id().value());
                    if (s.next() == null) {
                        unknownBelow = Math.max(unknownBelow, s.id().value());
                    }
                    continue;
                }
                if (s.member().tombstone() && s.id().value() == p.id()) {
                    // A tombstoned head: a save prepared on it may still publish, reusing chunks its tombstone no
                    // longer lists (delete does not move the pointer). No chunk is decided until the head moves.
                    chunksUnknownBelow = Math.max(chunksUnknownBelow, p.id());
                }
                if (!s.member().tombstone()) {
                    if (s.member().chunks() == null) {
                        chunksUnknownBelow = Math.max(chunksUnknownBelow, s.id().value());
                    } else {
                        s.member().chunks().forEach(c -> referenced.add(c.key()));
                    }
                }
                referenced.add(Layout.manifest(s.id()));
                if (!s.member().tombstone()) {
                    // A live member's sink statuses are live with it, though its manifest does not reference them.
                    referenced.add(Layout.sinkStatus(s.id()));
                    if (s.member().keys() == null) {
                        unknownBelow = Math.max(unknownBelow, s.id().value());
                    } else {
                        referenced.addAll(s.member().keys());
                    }
                }
            }
            long floor = p.floor();
            long head = p.id();
            long undecided = unknownBelow;
            long chunksUndecided = Math.max(unknownBelow, chunksUnknownBelow);
            return Mono.defer(() -> {
                List<ObjectInfo> infos = remaining;
                Instant storeNow = Instant.EPOCH;
                for (ObjectInfo i : listing) {
                    if (i.lastModified().isAfter(storeNow)) {
                        storeNow = i.lastModified();
                    }
                }
                Instant cutoff = storeNow.minus(ctx.config.orphanGracePeriod());
                List<String> doomed = new ArrayList<>();
                long[] bytes = {0};
                for (ObjectInfo i : infos) {
                    if (i.key().startsWith(ChunkRef.AREA)) {
                        // A chunk is garbage once the head passed the save that wrote it and no live member of the
                        // window references it (below the floor too: retained members reference older chunks).
                        long first = Layout.chunkIdOf(i.key()).map(CheckpointId::value).orElse(-1L);
                        if (first >= 1 && first <= head && first > chunksUndecided && !i.lastModified().isAfter(cutoff) && !referenced.contains(i.key())) {
                            doomed.add(i.key());
                            bytes[0] += i.size();
                        }
                        continue;
                    }
                    long id = Layout.idOf(i.key()).map(CheckpointId::value).orElse(-1L);
                    if (id < 1 || id > head || i.lastModified().isAfter(cutoff)) {
                        continue; // not ours, open (a save may still publish there), or within the grace period
                    }
                    boolean garbage;
                    if (id < floor) {
                        garbage = true;
                    } else if (id <= undecided || unreadable.contains(id)) {
                        garbage = false;
                    } else {
                        garbage = !referenced.contains(i.key());
                    }
                    if (garbage) {
                        doomed.add(i.key());
                        bytes[0] += i.size();
                    }
                }
                return deleteInBatches(doomed)
                        .then(cleanupIncomplete(head, cutoff))
                        .map(cleaned -> new PruneReport(removal.ids(), doomed, cleaned, retentionBytes + bytes[0]));
            });
        });
    }

    /** Store-level debris (incomplete multipart uploads, temp files) under ids up to the head only. */
    private Mono<List<String>> cleanupIncomplete(long head, Instant olderThan) {
        return Flux.fromIterable(idPrefixesUpTo(head))
                .concatMap(prefix -> ctx.store.cleanupIncomplete(Layout.CHECKPOINTS + prefix, olderThan))
                .collectList();
    }

    /**
     * Key prefixes ({@code {id:020d}} digits after {@code checkpoints/}) that together cover exactly the ids 1 to
     * {@code head}: at most nine per digit of {@code head}.
     */
    static List<String> idPrefixesUpTo(long head) {
        List<String> prefixes = new ArrayList<>();
        if (head < 1) {
            return prefixes;
        }
        String h = String.format("%020d", head);
        for (int i = 0; i < h.length(); i++) {
            int digit = h.charAt(i) - '0';
            for (int d = 0; d < digit; d++) {
                prefixes.add(h.substring(0, i) + d);
            }
        }
        prefixes.add(h + "/"); // the head's own directory
        return prefixes;
    }

    /** Proof mode (REACHABILITY_GC off): v1's sweep of unreferenced objects older than the grace period by the local clock, above the head too. */
    private Mono<PruneReport> sweepByClock(List<CheckpointId> expired) {
        Instant cutoff = ctx.now().minus(ctx.config.orphanGracePeriod());
        return ctx.calls.listAll(Layout.CHECKPOINTS).flatMap(infos -> {
            Map<Long, List<ObjectInfo>> byId = new TreeMap<>();
            for (ObjectInfo info : infos) {
                Layout.idOf(info.key()).ifPresent(id -> byId.computeIfAbsent(id.value(), k -> new ArrayList<>()).add(info));
            }
            return Flux.fromIterable(byId.entrySet()).concatMap(entry -> {
                CheckpointId id = CheckpointId.of(entry.getKey());
                boolean hasManifest = entry.getValue().stream().anyMatch(o -> o.key().equals(Layout.manifest(id)));
                Mono<Set<String>> refs = hasManifest
                        ? chain.read(id).map(r -> r.file() instanceof ManifestFile.Live live ? Set.copyOf(LocationState.keysOf(live.manifest())) : Set.<String>of())
                                .onErrorResume(e -> Mono.just(Set.of()))
                        : Mono.just(Set.of());
                return refs.map(rs -> entry.getValue().stream()
                        .filter(o -> !o.key().equals(Layout.manifest(id)) && !rs.contains(o.key()) && !o.lastModified().isAfter(cutoff))
                        .map(ObjectInfo::key).toList());
            }).collectList().flatMap(lists -> {
                List<String> doomed = lists.stream().flatMap(List::stream).toList();
                return deleteInBatches(doomed).then(Mono.fromCallable(() -> new PruneReport(expired, doomed, List.of(), 0)));
            });
        });
    }
}

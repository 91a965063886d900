package dev.checkpointer.internal;

import dev.checkpointer.ChunkRef;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.internal.Chain.Ref;
import dev.checkpointer.internal.LocationState.Kind;
import dev.checkpointer.internal.LocationState.View;
import dev.checkpointer.internal.ProtocolRules.Rule;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code latest()}, {@code load(id)} and {@code list()}: only chain members (reachable from {@code _latest}) exist
 * for them; a manifest that is not on the chain (prepared, lost, fenced, aborted) is never returned. When the
 * pointer is missing or corrupt, they recover the newest verifiable chain from the manifests themselves and say so.
 */
final class Reads {
    private static final Logger log = LoggerFactory.getLogger(Reads.class);
    private static final int READ_CONCURRENCY = 4;

    private final Context ctx;
    private final Chain chain;
    private final Protocol protocol;

    Reads(Context ctx, Chain chain, Protocol protocol) {
        this.ctx = ctx;
        this.chain = chain;
        this.protocol = protocol;
    }

    // ------------------------------------------------------------------------------------------------- latest

    /** The newest live chain member that verifies; empty when there is none. */
    Mono<Checkpoint> latest() {
        return logged("latest()", protocol.refresh().flatMap(v -> switch (v.kind()) {
            case EMPTY -> Mono.<Manifest>empty();
            case LOST -> recovered(v).flatMap(this::newestLive);
            case OK -> ctx.on(Rule.CHAIN_READS) ? newestLive(v.pointer()) : newestAboveThePointer(v).switchIfEmpty(newestLive(v.pointer()));
        })).map(this::checkpoint);
    }

    /**
     * One DEBUG line per restore ({@code latest()} or {@code load(id)}) that found a checkpoint or found none: id,
     * partitions, bytes of state, duration. The engine does not count store requests per call, so the line has none.
     */
    private Mono<Manifest> logged(String what, Mono<Manifest> restore) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            return restore.doOnSuccess(m -> {
                if (!log.isDebugEnabled()) {
                    return;
                }
                long ms = (System.nanoTime() - start) / 1_000_000;
                if (m != null) {
                    log.debug("restored checkpoint {} at {} ({}): {} partitions, {} bytes, {} ms", m.id(), ctx.store.describe(), what,
                            m.partitions().size(), m.totalBytes(), ms);
                } else {
                    log.debug("no checkpoint to restore at {} ({}), {} ms", ctx.store.describe(), what, ms);
                }
            });
        });
    }

    private Mono<Manifest> newestLive(Pointer p) {
        return chain.walk(Ref.of(p.head()), Ref.of(p.parent()), Math.max(1, p.floor()), true)
                .filter(Chain.Step::live)
                .concatMap(s -> acceptable(s.id(), ((ManifestFile.Live) s.file()).manifest()), 0)
                .next();
    }

    /** A manifest this checkpointer may hand out: the fingerprint it expects, if any (else reported and passed over). */
    private Mono<Manifest> acceptable(CheckpointId id, Manifest m) {
        String expected = ctx.config.expectedFingerprint();
        if (expected != null && !expected.equals(m.fingerprint())) {
            ctx.reportCorrupt(id, incompatible(id, m, expected));
            return Mono.empty();
        }
        return Mono.just(m);
    }

    private static IncompatibleCheckpointException incompatible(CheckpointId id, Manifest m, String expected) {
        return new IncompatibleCheckpointException("'" + Layout.manifest(id) + "' was written for pipeline fingerprint '" + m.fingerprint()
                + "', expected '" + expected + "'");
    }

    /** Proof mode (CHAIN_READS off): v1's trust in a manifest found above the pointer. */
    private Mono<Manifest> newestAboveThePointer(View v) {
        Pointer p = v.pointer();
        return Flux.range(1, 8)
                .concatMap(i -> chain.read(CheckpointId.of(p.id() + i)).map(Optional::of)
                        .onErrorResume(e -> Context.isNotFound(e) || Context.isUntrustworthy(e), e -> Mono.just(Optional.empty())))
                .takeWhile(Optional::isPresent)
                .map(Optional::get)
                .filter(r -> r.file() instanceof ManifestFile.Live live && live.manifest().epoch() >= p.epoch())
                .map(r -> ((ManifestFile.Live) r.file()).manifest())
                .last()
                .onErrorResume(java.util.NoSuchElementException.class, e -> Mono.empty());
    }

    // ------------------------------------------------------------------------------------------------- load

    /** A chain member by id; {@link CheckpointNotFoundException} when the id is not on the chain or was deleted. */
    Mono<Checkpoint> load(CheckpointId id) {
        return logged("load(" + id + ")", protocol.readPointer()
                .flatMap(v -> switch (v.kind()) {
                    // No pointer: a new location, or a lost pointer (then reads recover from the manifests).
                    case EMPTY, LOST -> protocol.refresh().flatMap(fresh -> fresh.kind() == Kind.LOST ? recovered(fresh)
                            : fresh.kind() == Kind.OK ? Mono.just(fresh.pointer()) : Mono.<Pointer>empty())
                            .switchIfEmpty(Mono.error(new CheckpointNotFoundException(id)));
                    case OK -> Mono.just(v.pointer());
                })
                .flatMap(p -> ctx.on(Rule.CHAIN_READS) ? loadOnChain(p, id) : loadDirect(id)))
                .map(this::checkpoint);
    }

    private Mono<Manifest> loadOnChain(Pointer p, CheckpointId id) {
        long x = id.value();
        if (x > p.id() || x < Math.max(1, p.floor())) {
            return Mono.error(new CheckpointNotFoundException(id));
        }
        LocationState.Member cached = ctx.state.member(x);
        Mono<String> linkSha = cached != null && !cached.v1()
                ? Mono.just(cached.linkSha())
                : chain.walk(Ref.of(p.head()), Ref.of(p.parent()), x, false)
                        .filter(s -> s.id().value() <= x)
                        .next()
                        .flatMap(s -> {
                            if (s.id().value() != x) {
                                return Mono.<String>error(new CheckpointNotFoundException(id));
                            }
                            if (s.problem() != null) {
                                return Mono.<String>error(s.problem());
                            }
                            return Mono.just(s.member().v1() ? "" : s.member().linkSha());
                        })
                        .switchIfEmpty(Mono.error(new CheckpointNotFoundException(id)));
        return linkSha.flatMap(sha -> chain.read(id)
                .onErrorMap(Context::isNotFound, e -> new CheckpointNotFoundException(id, "checkpoint " + id + " was deleted", e))
                .flatMap(r -> {
                    ManifestFile f = r.file();
                    if (f instanceof ManifestFile.Tombstone) {
                        return Mono.<Manifest>error(new CheckpointNotFoundException(id, "checkpoint " + id + " was deleted", null));
                    }
                    if (!sha.isEmpty() && !sha.equals(f.linkedSha256())) {
                        // Replaced since it was verified: expired below a floor that rose meanwhile, or corrupted.
                        return protocol.readPointer().flatMap(now -> now.floor() > x
                                ? Mono.<Manifest>error(new CheckpointNotFoundException(id, "checkpoint " + id + " expired (retention)", null))
                                : Mono.<Manifest>error(new CorruptMetadataException(Layout.manifest(id), List.of("its digest " + f.linkedSha256()
                                        + " differs from the " + sha + " the chain links to it by"), null)));
                    }
                    if (!(f instanceof ManifestFile.Live live)) {
                        return Mono.<Manifest>error(new CheckpointNotFoundException(id));
                    }
                    Manifest m = live.manifest();
                    String expected = ctx.config.expectedFingerprint();
                    if (expected != null && !expected.equals(m.fingerprint())) {
                        return Mono.<Manifest>error(incompatible(id, m, expected));
                    }
                    return Mono.just(m);
                }));
    }

    /** Proof mode (CHAIN_READS off): v1's load of whatever manifest the key holds. */
    private Mono<Manifest> loadDirect(CheckpointId id) {
        return chain.read(id)
                .onErrorMap(Context::isNotFound, e -> new CheckpointNotFoundException(id))
                .flatMap(r -> r.file() instanceof ManifestFile.Live live ? Mono.just(live.manifest())
                        : Mono.<Manifest>error(new CheckpointNotFoundException(id)));
    }

    // ------------------------------------------------------------------------------------------------- list

    /** Every live chain member, oldest first; unreadable members are reported (listener, log), never skipped silently. */
    Flux<Manifest> list() {
        // The same fresh look as latest() (a manifest a crashed writer prepared on the head is rolled forward), so
        // that the newest listed checkpoint is the one latest() returns.
        return protocol.refresh()
                .flatMap(v -> switch (v.kind()) {
                    case EMPTY -> Mono.<Pointer>empty();
                    case LOST -> recovered(v);
                    case OK -> Mono.just(v.pointer());
                })
                .flatMapMany(p -> ctx.on(Rule.CHAIN_READS) ? listChain(p) : listAll());
    }

    private Flux<Manifest> listChain(Pointer p) {
        return chain.walk(Ref.of(p.head()), Ref.of(p.parent()), Math.max(1, p.floor()), true)
                .filter(Chain.Step::live)
                .concatMap(s -> acceptable(s.id(), ((ManifestFile.Live) s.file()).manifest()), 0)
                .collectList()
                .flatMapMany(newestFirst -> {
                    List<Manifest> oldestFirst = new ArrayList<>(newestFirst);
                    Collections.reverse(oldestFirst);
                    return Flux.fromIterable(oldestFirst);
                });
    }

    /** Proof mode (CHAIN_READS off): v1's listing of every manifest that exists. */
    private Flux<Manifest> listAll() {
        return chain.manifestIds().flatMapMany(ids -> Flux.fromIterable(ids)
                .flatMapSequential(i -> chain.read(CheckpointId.of(i))
                        .flatMap(r -> r.file() instanceof ManifestFile.Live live ? Mono.just(live.manifest()) : Mono.<Manifest>empty())
                        .onErrorResume(e -> Context.isNotFound(e) || Context.isUntrustworthy(e), e -> Mono.empty()), READ_CONCURRENCY));
    }

    // ------------------------------------------------------------------------------------------------- recovery

    /**
     * The pointer as recovered from the manifests when {@code _latest} is missing or corrupt: the newest manifest of
     * the highest epoch whose parent chain verifies and whose objects all exist. Reported to listeners every time
     * reads have to use it. Empty when no manifest qualifies.
     */
    Mono<Pointer> recovered(View lost) {
        return recover().map(r -> Optional.ofNullable(r.pointer())).map(found -> {
            CheckpointId id = found.map(p -> CheckpointId.of(p.id())).orElse(null);
            String reason = lost.problem() == null ? "the pointer is unusable" : lost.problem();
            log.warn("{} at {}: {}; reads use {} until the pointer is repaired", Layout.LATEST, ctx.store.describe(), reason,
                    id == null ? "nothing (no manifest verifies)" : "checkpoint " + id + ", recovered from the manifests");
            ctx.notifyListeners(l -> l.onPointerRecovery(id, reason));
            return found;
        }).flatMap(found -> found.map(Mono::just).orElse(Mono.empty()));
    }

    /**
     * What the manifests say when the pointer is lost.
     *
     * @param pointer the recovered pointer, or null when no manifest verifies
     * @param highestEpoch the highest epoch any manifest or tombstone carries (at least 1)
     */
    record Recovery(@Nullable Pointer pointer, long highestEpoch) {}

    Mono<Recovery> recover() {
        return chain.manifestIds().flatMap(ids -> Flux.fromIterable(ids)
                .flatMapSequential(i -> chain.read(CheckpointId.of(i)).map(Chain.Read::file)
                        .onErrorResume(e -> Context.isNotFound(e) || Context.isUntrustworthy(e), e -> {
                            if (!Context.isNotFound(e)) {
                                ctx.reportCorrupt(CheckpointId.of(i), (dev.checkpointer.CheckpointException) e);
                            }
                            return Mono.empty();
                        }), READ_CONCURRENCY)
                .collectList())
                .flatMap(files -> {
                    Map<Long, ManifestFile> byId = new HashMap<>();
                    long highestEpoch = 0;
                    List<ManifestFile.Live> candidates = new ArrayList<>();
                    for (ManifestFile f : files) {
                        byId.put(f.id().value(), f);
                        if (f instanceof ManifestFile.Live live) {
                            candidates.add(live);
                            highestEpoch = Math.max(highestEpoch, live.manifest().epoch());
                        } else if (f instanceof ManifestFile.Tombstone t) {
                            highestEpoch = Math.max(highestEpoch, t.epoch());
                        }
                    }
                    candidates.sort(Comparator.<ManifestFile.Live>comparingLong(l -> l.manifest().epoch())
                            .thenComparingLong(l -> l.id().value()).reversed());
                    long epoch = Math.max(1, highestEpoch);
                    return Flux.fromIterable(candidates)
                            .concatMap(c -> verifiedChainFloor(c, byId)
                                    .filterWhen(floor -> allObjectsExist(c.manifest()))
                                    .map(floor -> new Recovery(Pointer.of(c.id().value(), c.sha256(), c.parent(), epoch, floor, "recovered"), epoch)), 0)
                            .next()
                            .defaultIfEmpty(new Recovery(null, epoch));
                });
    }

    /** Follows a candidate's parent links through the files found; the lowest id reached, or empty when a link does not verify. */
    private static Mono<Long> verifiedChainFloor(ManifestFile.Live candidate, Map<Long, ManifestFile> byId) {
        long lowest = candidate.id().value();
        ManifestFile at = candidate;
        while (true) {
            Manifest.Link link = at.parent();
            if (link == null) {
                break;
            }
            ManifestFile parent = byId.get(link.id().value());
            if (parent == null) {
                break; // expired or deleted below: the chain that remains verifies
            }
            if (!link.manifestSha256().equals(parent.linkedSha256())) {
                return Mono.empty();
            }
            lowest = parent.id().value();
            at = parent;
        }
        return Mono.just(lowest);
    }

    private Mono<Boolean> allObjectsExist(Manifest m) {
        return Flux.concat(Flux.fromIterable(LocationState.keysOf(m)), Flux.fromIterable(LocationState.chunksOf(m)).map(ChunkRef::key))
                .flatMap(k -> ctx.calls.head(k).map(i -> true).onErrorResume(Context::isNotFound, e -> Mono.just(false)), READ_CONCURRENCY)
                .all(Boolean::booleanValue);
    }

    /**
     * Rewrites a missing or corrupt pointer from the recovered head (epoch: the highest any manifest carries;
     * floor: the lowest member of its chain). A sound pointer is left alone.
     *
     * @return the head's manifest after the repair; empty when the location holds no checkpoint
     */
    Mono<Manifest> repair() {
        return protocol.refresh().flatMap(v -> switch (v.kind()) {
            case EMPTY -> Mono.<Manifest>empty();
            case OK -> newestLive(v.pointer());
            case LOST -> recover().flatMap(r -> {
                Pointer found = r.pointer();
                Pointer p = found == null ? Pointer.of(0, null, null, r.highestEpoch(), 0, ctx.writerId())
                        : Pointer.of(found.id(), found.manifestSha256(), found.parent(), found.epoch(), found.floor(), ctx.writerId());
                log.warn("repairing {} at {} ({}): head {}, epoch {}, floor {}", Layout.LATEST, ctx.store.describe(), v.problem(), p.id(),
                        p.epoch(), p.floor());
                return protocol.cas(v, p).then(p.id() == 0 ? Mono.<Manifest>empty() : newestLive(p));
            });
        });
    }

    private Checkpoint checkpoint(Manifest m) {
        return new DefaultCheckpoint(m, ctx.calls, ctx.cpu);
    }
}

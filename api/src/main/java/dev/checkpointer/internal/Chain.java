package dev.checkpointer.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.Manifest;
import dev.checkpointer.spi.ObjectInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads the chain: manifest files, verified against the links that point to them, and walks from a head down
 * through parent links. A member that cannot be read is reported and stepped over through the grandparent link
 * its child carries; format-1 manifests (no links) continue as the chain of their own ids.
 */
final class Chain {
    private static final Logger log = LoggerFactory.getLogger(Chain.class);
    private final Context ctx;

    Chain(Context ctx) {
        this.ctx = ctx;
    }

    /** A file read from a manifest key, with the ETag of the version read. */
    record Read(ManifestFile file, String etag) {}

    /**
     * Reads and decodes the file at a manifest key.
     *
     * @return the file; {@code StoreException} not-found when absent; {@link CorruptMetadataException} or
     *     {@link dev.checkpointer.IncompatibleCheckpointException} when it cannot be trusted
     */
    Mono<Read> read(CheckpointId id) {
        String key = Layout.manifest(id);
        return ctx.calls.readCapped(key, ManifestCodec.MAX_MANIFEST_BYTES)
                .map(r -> new Read(ManifestCodec.decode(key, id, r.bytes()), r.info().etag()));
    }

    /**
     * A reference to a member on the way down: its id, and the digest the link to it carries (null for the
     * members of a format-1 chain, which have no links).
     */
    record Ref(long id, @Nullable String sha) {
        static @Nullable Ref of(Manifest.@Nullable Link link) {
            return link == null ? null : new Ref(link.id().value(), link.manifestSha256());
        }
    }

    /**
     * One member met on a walk.
     *
     * @param id its id
     * @param member the verified member, or null when it could not be read or verified
     * @param file the file read, or null when the member came from the cache (bodies not wanted) or could not be read
     * @param problem why it could not be read or verified
     */
    record Step(CheckpointId id, LocationState.@Nullable Member member, @Nullable ManifestFile file, @Nullable CheckpointException problem,
            @Nullable Ref next, @Nullable Ref skip) {
        boolean live() {
            return member != null && !member.tombstone();
        }
    }

    /**
     * Walks from {@code head} down to {@code floor}, newest first, reading each member unless it is cached and
     * {@code bodies} is false. Every unreadable member is reported (listener, log) once per walk.
     *
     * @param head the head's reference
     * @param headParent the head's parent link as the pointer records it (used when the head itself is unreadable)
     * @param floor the oldest id to visit
     * @param bodies whether every step needs the file (for its manifest)
     */
    Flux<Step> walk(@Nullable Ref head, @Nullable Ref headParent, long floor, boolean bodies) {
        if (head == null || head.id() < Math.max(floor, 1)) {
            return Flux.empty();
        }
        V1Ids v1 = new V1Ids();
        return step(head, headParent, floor, bodies, v1)
                .expandDeep(s -> s.next() == null || s.next().id() < Math.max(floor, 1) ? Mono.empty() : step(s.next(), s.skip(), floor, bodies, v1));
    }

    private Mono<Step> step(Ref ref, @Nullable Ref skip, long floor, boolean bodies, V1Ids v1) {
        CheckpointId id = CheckpointId.of(ref.id());
        LocationState.Member cached = ctx.state.member(ref.id());
        if (!bodies && cached != null && !cached.v1() && Objects.equals(cached.linkSha(), ref.sha())) {
            return Mono.just(new Step(id, cached, null, null, Ref.of(cached.parent()), Ref.of(cached.grandparent())));
        }
        return read(id).flatMap(r -> {
            ManifestFile f = r.file();
            if (ref.sha() != null && !ref.sha().equals(f.linkedSha256())) {
                return Mono.just(problem(id, new CorruptMetadataException(Layout.manifest(id), List.of("its digest " + f.linkedSha256()
                        + " differs from the " + ref.sha() + " its child links to"), null), skip));
            }
            if (f instanceof ManifestFile.Live live) {
                LocationState.Member m = LocationState.Member.of(live);
                if (live.isV1()) {
                    // A format-1 member: its parent is the next lower format-1 manifest that exists.
                    return v1.below(ref.id(), floor).map(next -> {
                        ctx.state.remember(m);
                        return new Step(id, m, f, null, new Ref(next, null), null);
                    }).defaultIfEmpty(new Step(id, m, f, null, null, null));
                }
                ctx.state.remember(m);
                return Mono.just(new Step(id, m, f, null, Ref.of(live.parent()), Ref.of(live.grandparent())));
            }
            if (f instanceof ManifestFile.Tombstone t) {
                LocationState.Member m = LocationState.Member.of(t);
                ctx.state.remember(m);
                return Mono.just(new Step(id, m, f, null, Ref.of(t.parent()), Ref.of(t.grandparent())));
            }
            if (ref.sha() == null) {
                // A format-1 walk meeting something that is not a manifest: pass over it to the next lower id.
                return v1.below(ref.id(), floor).map(next -> new Step(id, null, f, null, new Ref(next, null), null))
                        .defaultIfEmpty(new Step(id, null, f, null, null, null));
            }
            return Mono.just(problem(id, new CorruptMetadataException(Layout.manifest(id), List.of("a chain member's manifest was replaced by an abort marker"), null), skip));
        }).onErrorResume(e -> Context.isNotFound(e) || Context.isUntrustworthy(e), e -> {
            CheckpointException ce = Context.isNotFound(e)
                    ? new CheckpointNotFoundException(id, "checkpoint " + id + " is on the chain but its manifest is missing", e)
                    : (CheckpointException) e;
            if (ref.sha() == null) {
                ctx.reportCorrupt(id, ce);
                return v1.below(ref.id(), floor).map(next -> new Step(id, null, null, ce, new Ref(next, null), null))
                        .defaultIfEmpty(new Step(id, null, null, ce, null, null));
            }
            if (Context.isNotFound(e)) {
                // Retention elsewhere may have raised the floor past this member and deleted it after this walk began:
                // the step is the same either way, but only a member still at or above the floor is a defect to report.
                return expiredSinceTheWalkBegan(ref.id()).map(expired -> {
                    if (expired) {
                        log.debug("checkpoint {} at {} expired while it was read (the floor moved past it)", id, ctx.store.describe());
                        return new Step(id, null, null, ce, skip, null);
                    }
                    return problem(id, ce, skip);
                });
            }
            return Mono.just(problem(id, ce, skip));
        });
    }

    /**
     * Whether {@code _latest}, read again now, has a floor above {@code id} (one GET). Any failure to tell (the pointer
     * missing, corrupt or unreachable) answers false, so that a missing member is reported rather than excused.
     */
    private Mono<Boolean> expiredSinceTheWalkBegan(long id) {
        return ctx.calls.readCapped(Layout.LATEST, Pointer.MAX_BYTES)
                .map(r -> Pointer.decode(Layout.LATEST, r.bytes()).floor() > id)
                .onErrorReturn(false);
    }

    private Step problem(CheckpointId id, CheckpointException e, @Nullable Ref skip) {
        ctx.reportCorrupt(id, e);
        return new Step(id, null, null, e, skip, null);
    }

    /** The ids of the format-1 manifests, listed once per walk, when a walk reaches one. */
    private final class V1Ids {
        private @Nullable Mono<List<Long>> ids;

        Mono<Long> below(long id, long floor) {
            if (ids == null) {
                ids = manifestIds().cache();
            }
            return ids.flatMap(all -> {
                long best = -1;
                for (long candidate : all) {
                    if (candidate < id && candidate >= floor && candidate > best) {
                        best = candidate;
                    }
                }
                return best < 1 ? Mono.empty() : Mono.just(best);
            });
        }
    }

    /** The ids of every file at a manifest key, ascending (one listing of {@code checkpoints/}). */
    Mono<List<Long>> manifestIds() {
        return ctx.calls.listAll(Layout.CHECKPOINTS).map(infos -> {
            List<Long> ids = new ArrayList<>();
            for (ObjectInfo info : infos) {
                if (Layout.isManifest(info.key())) {
                    Layout.idOf(info.key()).ifPresent(i -> ids.add(i.value()));
                }
            }
            ids.sort(Comparator.naturalOrder());
            return ids;
        });
    }

    /** Whether a manifest is on the chain. */
    enum Reach {
        /** Reachable from the head: committed. */
        YES,
        /** Not reachable, and never will be. */
        NO,
        /** Cannot be told: the target lies below the floor, or the walk broke at an unreadable member. */
        UNKNOWN
    }

    /**
     * Whether {@code target} is on the chain at or below the pointer's head: walks down from the head to the
     * target's id, using cached links where it can.
     */
    Mono<Reach> reaches(Pointer p, Manifest.Link target) {
        long t = target.id().value();
        if (p.id() < t) {
            return Mono.just(Reach.NO);
        }
        if (p.floor() > t) {
            return Mono.just(Reach.UNKNOWN);
        }
        return walk(Ref.of(p.head()), Ref.of(p.parent()), t, false)
                .takeUntil(s -> s.id().value() <= t)
                .collectList()
                .map(steps -> {
                    if (steps.isEmpty()) {
                        return Reach.UNKNOWN;
                    }
                    Step last = steps.get(steps.size() - 1);
                    if (last.id().value() > t) {
                        if (last.next() != null && last.next().id() < t) {
                            return Reach.NO; // the chain passes over the target's id
                        }
                        return last.member() != null && last.next() == null ? Reach.NO : Reach.UNKNOWN;
                    }
                    if (last.id().value() < t) {
                        return Reach.NO;
                    }
                    if (last.member() == null) {
                        return Reach.UNKNOWN;
                    }
                    return last.member().linkSha().equals(target.manifestSha256()) ? Reach.YES : Reach.NO;
                });
    }
}

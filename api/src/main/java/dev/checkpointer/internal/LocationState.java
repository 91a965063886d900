package dev.checkpointer.internal;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * What this checkpointer knows of its location: the pointer as last read or written (with its ETag, for
 * compare-and-swap), the chain members it has verified, the highest id it has seen taken, and its claimed epoch.
 * Everything here is a cache: the store decides, and a stale view only ever costs a failed compare-and-swap and a
 * fresh read, never a wrong answer.
 */
final class LocationState {
    /** How many verified chain members are remembered (the newest); older ones are read again when needed. */
    static final int MAX_MEMBERS = 4096;

    /** What {@code _latest} says, as last seen. */
    enum Kind {
        /** No pointer and no checkpoint: a fresh location. */
        EMPTY,
        /** A pointer that decodes and verifies. */
        OK,
        /** The pointer is missing or corrupt while checkpoints exist: reads recover from the manifests, writes need a repair. */
        LOST
    }

    /**
     * The pointer as seen.
     *
     * @param etag the pointer object's ETag (null when absent)
     * @param pointer the decoded pointer (null unless {@link Kind#OK})
     * @param kind what was found
     * @param problem why the pointer is unusable, for {@link Kind#LOST}
     */
    record View(@Nullable String etag, @Nullable Pointer pointer, Kind kind, @Nullable String problem) {
        static View ok(String etag, Pointer p) {
            return new View(etag, p, Kind.OK, null);
        }

        long headId() {
            return pointer == null ? 0 : pointer.id();
        }

        long epoch() {
            return pointer == null ? 0 : pointer.epoch();
        }

        long floor() {
            return pointer == null ? 0 : pointer.floor();
        }

        Manifest.@Nullable Link head() {
            return pointer == null ? null : pointer.head();
        }
    }

    /**
     * A chain member this checkpointer has verified: reachable from a head it saw, with the digest the chain links
     * to it by. Members never leave the chain except below the floor, so this stays true for ids at or above it.
     *
     * @param id the id
     * @param linkSha the digest links carry (the manifest file's SHA-256)
     * @param parent its parent link
     * @param grandparent its grandparent link
     * @param epoch its epoch
     * @param createdAt when it was prepared
     * @param tombstone whether it has been deleted (its manifest replaced by a tombstone)
     * @param v1 whether it is a format-1 manifest (its parent is the next lower format-1 manifest)
     * @param keys the objects under its own id that it references (artifacts, sidecars), or null when not known
     * @param chunks the chunks it references (shared with other members, possibly under other ids), or null when
     *        not known
     */
    record Member(CheckpointId id, String linkSha, Manifest.@Nullable Link parent, Manifest.@Nullable Link grandparent, long epoch,
            @Nullable Instant createdAt, boolean tombstone, boolean v1, @Nullable List<String> keys, @Nullable List<ChunkRef> chunks) {

        static Member of(ManifestFile.Live live) {
            Manifest m = live.manifest();
            return new Member(live.id(), live.sha256(), live.parent(), live.grandparent(), m.epoch(), m.createdAt(), false, live.isV1(), keysOf(m), chunksOf(m));
        }

        static Member of(ManifestFile.Tombstone t) {
            return new Member(t.id(), t.manifestSha256(), t.parent(), t.grandparent(), t.epoch(), t.createdAt(), true, false, List.of(), List.of());
        }

        Manifest.Link link() {
            return new Manifest.Link(id, linkSha);
        }

        Member asTombstone() {
            return new Member(id, linkSha, parent, grandparent, epoch, createdAt, true, v1, List.of(), List.of());
        }
    }

    /** Every chunk a manifest references, each once (a chunk may appear in many entries, or twice in one). */
    static List<ChunkRef> chunksOf(Manifest m) {
        java.util.Map<String, ChunkRef> byKey = new java.util.LinkedHashMap<>();
        for (PartitionEntry e : m.partitions()) {
            for (ChunkRef c : e.chunks()) {
                byKey.putIfAbsent(c.key(), c);
            }
        }
        return List.copyOf(byKey.values());
    }

    static List<String> keysOf(Manifest m) {
        List<String> keys = new ArrayList<>();
        for (PartitionEntry e : m.partitions()) {
            if (e.key() != null && !keys.contains(e.key())) {
                keys.add(e.key());
            }
        }
        return List.copyOf(keys);
    }

    private final AtomicReference<@Nullable View> view = new AtomicReference<>();
    /** True while our own last compare-and-swap is the newest thing we know of the pointer (a single writer's steady state). */
    private volatile boolean warm;
    /** Saves left that refresh the view first: set after a conflict, so writers taking turns stop colliding. */
    private final AtomicLong contended = new AtomicLong();
    private final AtomicLong highestSeen = new AtomicLong();
    private final AtomicLong claimedEpoch = new AtomicLong();
    private final ConcurrentSkipListMap<Long, Member> members = new ConcurrentSkipListMap<>();

    @Nullable View view() {
        return view.get();
    }

    /** Records a pointer that was read or written; never replaces a newer view with an older one. */
    void see(View next) {
        view.accumulateAndGet(next, (cur, nxt) -> newer(cur, nxt) ? nxt : cur);
        if (next.pointer() != null) {
            sawId(next.pointer().id());
            trimBelow(next.pointer().floor());
        }
    }

    /** Records a pointer read from the store: unless it is the very version we hold, someone else wrote it. */
    void read(View next) {
        View cur = view.get();
        boolean unchanged = cur != null && cur.etag() != null && cur.etag().equals(next.etag());
        see(next);
        if (!unchanged) {
            warm = false;
        }
    }

    /** Records a compare-and-swap of our own that landed. */
    void wrote(View next) {
        view.set(next);
        if (next.pointer() != null) {
            sawId(next.pointer().id());
            trimBelow(next.pointer().floor());
        }
        warm = true;
    }

    /** Forgets the view (the next operation reads the pointer again). */
    void invalidate() {
        view.set(null);
        warm = false;
    }

    /** Notes a conflict with another writer: the next saves look at the pointer before choosing an id. */
    void contended() {
        contended.set(16);
        warm = false;
    }

    /** Whether the next save can trust the cached view without reading the pointer. */
    boolean trustCachedView() {
        if (view.get() == null) {
            return false;
        }
        if (contended.get() > 0) {
            contended.decrementAndGet();
            return false;
        }
        return warm;
    }

    private static boolean newer(@Nullable View cur, View next) {
        if (cur == null || cur.pointer() == null || next.pointer() == null) {
            return true;
        }
        Pointer a = cur.pointer();
        Pointer b = next.pointer();
        if (b.id() != a.id()) {
            return b.id() > a.id();
        }
        if (b.epoch() != a.epoch()) {
            return b.epoch() > a.epoch();
        }
        return b.floor() >= a.floor();
    }

    long highestSeen() {
        return highestSeen.get();
    }

    void sawId(long id) {
        highestSeen.accumulateAndGet(id, Math::max);
    }

    /** The next id this checkpointer may use: above the head, every id seen and every id it allocated. */
    long allocate(long headId) {
        return highestSeen.updateAndGet(h -> Math.max(h, headId) + 1);
    }

    long claimedEpoch() {
        return claimedEpoch.get();
    }

    void claimed(long epoch) {
        claimedEpoch.accumulateAndGet(epoch, Math::max);
    }

    // ------------------------------------------------------------------------------------------------- members

    @Nullable Member member(long id) {
        return members.get(id);
    }

    void remember(Member m) {
        members.put(m.id().value(), m);
        while (members.size() > MAX_MEMBERS) {
            members.pollFirstEntry();
        }
    }

    void forget(long id) {
        members.remove(id);
    }

    /** Members at or above {@code floor} up to {@code head}, oldest first. */
    NavigableMap<Long, Member> window(long floor, long head) {
        return members.subMap(floor, true, head, true);
    }

    private void trimBelow(long floor) {
        if (floor > 0) {
            members.headMap(floor, false).clear();
        }
    }

    /** Every remembered member (for tests and diagnostics). */
    Map<Long, Member> members() {
        return members;
    }
}

package dev.checkpointer.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The white-box oracle for commit protocol v2 ({@code docs/PROTOCOL.md}): an independent reading of the objects in
 * the store (Jackson tree API, no engine classes) that walks the chain from {@code _latest} after every step in
 * which the store changed. It switches itself on the first time {@code _latest} is a format-2 pointer
 * ({@code "format":"checkpointer-pointer"}); before that (and always with the v1 engine) it checks nothing.
 *
 * <ul>
 *   <li><b>I1</b> every id the pointer ever named, or that was ever on the chain, keeps one manifest digest.</li>
 *   <li><b>I2</b> every reported success is on the chain (live or tombstoned) unless below the floor or deleted by a
 *       {@code delete} call.</li>
 *   <li><b>I4</b> every move of the head: the new head's manifest epoch is at least the previous pointer epoch,
 *       and its parent link is the previous head; and every manifest a reader was handed was on the chain.</li>
 *   <li><b>I5</b> every chain member in [floor, head] has its manifest (or its tombstone) with the right digest,
 *       every live member all its referenced objects with matching SHA-256, and every publishable prepared
 *       manifest (parent = head, epoch &gt;= pointer epoch) all its objects too.</li>
 *   <li><b>I6</b> head id, epoch and floor never decrease.</li>
 *   <li><b>I7</b> a save that reported {@code ConcurrentCheckpointException} never appears on the chain.</li>
 *   <li><b>I8</b> every chunk a live member in [floor, head] references exists and decodes to its SHA-256 (and each
 *       chunked entry's digest is the digest of its chunks' digests, its size their sum): every retained checkpoint
 *       stays fully restorable.</li>
 *   <li><b>I9</b> (with {@link Oracle}'s check of deletions above the head) every chunk a publishable prepared
 *       manifest references exists and decodes to its digest: no chunk a save that can still publish may reference is
 *       deleted before it publishes, whether it was uploaded by that save or reused from the head.</li>
 * </ul>
 * Decoded objects and digests are cached by ETag, so a step costs little more than the walk itself.
 */
final class ChainOracle {
    private final Oracle oracle;
    private boolean enabled;
    private long checkedAt = -1;

    /** The pointer as last seen. */
    private @Nullable Pointer last;
    /** id -> manifest digest, for every id ever named by the pointer or on the chain. */
    private final Map<Long, String> digestOf = new HashMap<>();
    /** id -> save tag of every live member ever seen on the chain. */
    private final Map<Long, String> tagOnChain = new HashMap<>();
    private final Set<String> tagsEverOnChain = new HashSet<>();
    private final Set<String> concurrentFailures = new HashSet<>();
    private final List<Oracle.Success> successes = new ArrayList<>();
    private final List<Oracle.Observation> observations = new ArrayList<>();
    private final Map<String, String> shaByEtag = new HashMap<>();

    private record Link(long id, String sha) {}

    private record Pointer(long id, @Nullable String sha, @Nullable Link parent, long epoch, long floor) {}

    ChainOracle(Oracle oracle) {
        this.oracle = oracle;
    }

    void enable() {
        enabled = true;
    }

    void succeeded(Oracle.Success s) {
        successes.add(s);
    }

    void concurrentFailure(String tag) {
        concurrentFailures.add(tag);
        if (enabled && tagsEverOnChain.contains(tag)) {
            oracle.fail("I7", "save " + tag + " reported ConcurrentCheckpointException but was on the chain");
        }
    }

    void observed(Oracle.Observation o) {
        observations.add(o);
    }

    /** Walks the chain when the store changed since the last walk. */
    void afterStep() {
        if (!enabled || oracle.store().mutations() == checkedAt) {
            return;
        }
        checkedAt = oracle.store().mutations();
        Map<String, SimStore.Obj> objects = oracle.store().objects();
        SimStore.Obj po = objects.get(Oracle.LATEST);
        JsonNode pj = po == null ? null : oracle.parse(po);
        if (pj == null || !"checkpointer-pointer".equals(pj.path("format").asText(null))) {
            oracle.fail("I6", "_latest is " + (po == null ? "gone" : "no longer a format-2 pointer"));
            return;
        }
        String text = new String(po.bytes(), java.nio.charset.StandardCharsets.UTF_8);
        int bodyStart = text.indexOf("\"pointer\":");
        int bodyEnd = text.lastIndexOf('}');
        if (bodyStart < 0 || bodyEnd <= bodyStart || !SimStore.sha256(text.substring(bodyStart + "\"pointer\":".length(), bodyEnd)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).equals(pj.path("bodySha256").asText(null))) {
            oracle.fail("I6", "_latest's body digest does not verify: " + text);
            return;
        }
        JsonNode body = Oracle.pointerBody(pj);
        Pointer p = new Pointer(body.path("id").asLong(), text(body, "manifestSha256"), link(body.path("parent")),
                body.path("epoch").asLong(), body.path("floor").asLong());
        transition(last, p, objects);
        last = p;
        if (p.id() > 0 && p.sha() == null) {
            oracle.fail("I5", "_latest names " + p.id() + " without its manifest digest");
            return;
        }
        if (p.id() > 0) {
            remember(p.id(), p.sha(), "named by _latest");
        }
        Map<Long, String> liveTags = walk(p, objects);
        checkPublishable(p, objects);
        for (Oracle.Success s : successes) {
            if (s.id() < p.floor() || oracle.deleteWasIssued(s.id())) {
                continue;
            }
            if (s.id() > p.id()) {
                oracle.fail("I2", "save " + s.tag() + " reported success as " + s.id() + " but the head is " + p.id());
            } else if (liveTags.containsKey(s.id()) && !s.tag().equals(liveTags.get(s.id()))) {
                oracle.fail("I2", "save " + s.tag() + " reported success as " + s.id() + " but the chain holds save " + liveTags.get(s.id()) + " there");
            } else if (!liveTags.containsKey(s.id())) {
                oracle.fail("I2", "save " + s.tag() + " reported success as " + s.id() + " but that id is not on the chain");
            }
        }
    }

    private void transition(@Nullable Pointer before, Pointer now, Map<String, SimStore.Obj> objects) {
        if (before == null) {
            return;
        }
        if (now.id() < before.id() || now.epoch() < before.epoch() || now.floor() < before.floor()) {
            oracle.fail("I6", "_latest moved back: head " + before.id() + "→" + now.id() + ", epoch " + before.epoch() + "→" + now.epoch()
                    + ", floor " + before.floor() + "→" + now.floor());
        }
        if (now.id() != before.id()) {
            JsonNode head = manifest(objects.get(Oracle.Layout.manifest(now.id())));
            if (head == null) {
                oracle.fail("I4", "_latest moved to " + now.id() + ", which has no manifest");
                return;
            }
            long epoch = head.path("epoch").asLong();
            if (epoch < before.epoch()) {
                oracle.fail("I4", "_latest published " + now.id() + " of epoch " + epoch + " over pointer epoch " + before.epoch()
                        + " (a fenced writer's checkpoint)");
            }
            Link parent = link(head.path("parent"));
            Link prev = before.id() == 0 ? null : new Link(before.id(), before.sha());
            if (!java.util.Objects.equals(parent, prev)) {
                oracle.fail("I4", "_latest moved from " + prev + " to " + now.id() + " whose parent is " + parent);
            }
        }
    }

    /** Walks from the head down to the floor; returns id -> save tag of the live members. */
    private Map<Long, String> walk(Pointer p, Map<String, SimStore.Obj> objects) {
        Map<Long, String> live = new TreeMap<>();
        Link at = p.id() == 0 ? null : new Link(p.id(), p.sha());
        long above = Long.MAX_VALUE;
        while (at != null && at.id() >= Math.max(1, p.floor())) {
            if (at.id() >= above) {
                oracle.fail("I5", "the chain does not descend: " + at.id() + " below " + above);
                return live;
            }
            above = at.id();
            if (at.sha() == null) {
                oracle.fail("I5", "the parent link to " + at.id() + " has no digest");
                return live;
            }
            remember(at.id(), at.sha(), "on the chain");
            SimStore.Obj o = objects.get(Oracle.Layout.manifest(at.id()));
            JsonNode root = o == null ? null : oracle.parse(o);
            String format = root == null ? null : root.path("format").asText(null);
            if (o != null && "checkpointer-manifest".equals(format) && at.sha().equals(sha(o))) {
                JsonNode body = root.path("manifest");
                String tag = body.path("metadata").path("save").asText(null);
                live.put(at.id(), tag);
                if (tag != null) {
                    tagOnChain.put(at.id(), tag);
                    if (tagsEverOnChain.add(tag) && concurrentFailures.contains(tag)) {
                        oracle.fail("I7", "save " + tag + " reported ConcurrentCheckpointException but is on the chain as " + at.id());
                    }
                }
                checkArtifacts(at.id(), body, objects, "chain member", "I8");
                if (body.path("formatVersion").asText("").startsWith("1.")) {
                    return live; // a format-1 member: the v1 history below is not a v2 chain (2.x and 3.x, chunked, are)
                }
                at = link(body.path("parent"));
            } else if (o != null && "checkpointer-tombstone".equals(format) && at.sha().equals(text(root.path("tombstone"), "manifestSha256"))) {
                at = link(root.path("tombstone").path("parent"));
            } else {
                oracle.fail("I5", "chain member " + at.id() + " (between floor " + p.floor() + " and head " + p.id() + ") has "
                        + (o == null ? "no manifest" : "a " + format + " of another digest"));
                return live;
            }
        }
        return live;
    }

    /** Prepared manifests above the head that could still be published must have all their objects. */
    private void checkPublishable(Pointer p, Map<String, SimStore.Obj> objects) {
        String from = Oracle.Layout.dir(p.id() + 1);
        Link head = p.id() == 0 ? null : new Link(p.id(), p.sha());
        for (Map.Entry<String, SimStore.Obj> e : oracle.store().objectsFrom(from).entrySet()) {
            if (!e.getKey().startsWith("checkpoints/")) {
                break;
            }
            if (!e.getKey().endsWith("/manifest.json")) {
                continue;
            }
            JsonNode m = manifest(e.getValue());
            if (m != null && m.path("epoch").asLong() >= p.epoch() && java.util.Objects.equals(link(m.path("parent")), head)) {
                checkArtifacts(m.path("id").asLong(), m, objects, "publishable prepared manifest", "I9");
            }
        }
    }

    private void checkArtifacts(long id, JsonNode body, Map<String, SimStore.Obj> objects, String what, String chunkCheck) {
        for (JsonNode e : body.path("partitions")) {
            JsonNode cs = e.get("chunks");
            if (cs != null && cs.isArray() && !cs.isEmpty()) {
                if (!checkChunks(id, e, cs, objects, what, chunkCheck)) {
                    return;
                }
                continue;
            }
            String key = text(e, "key");
            if (key == null) {
                continue;
            }
            SimStore.Obj o = objects.get(key);
            if (o == null) {
                oracle.fail("I5", what + " " + id + " references " + key + ", which is gone");
                return;
            }
            long off = e.path("offset").asLong();
            long size = e.path("size").asLong();
            if (o.bytes().length < off + size || !SimStore.sha256(java.util.Arrays.copyOfRange(o.bytes(), (int) off, (int) (off + size)))
                    .equals(text(e, "sha256"))) {
                oracle.fail("I5", what + " " + id + " references " + key + ", which holds other bytes");
                return;
            }
        }
    }

    /** The chunks of one chunked entry; false (after failing {@code check}) when one is missing or wrong. */
    private boolean checkChunks(long id, JsonNode e, JsonNode cs, Map<String, SimStore.Obj> objects, String what, String check) {
        String name = e.path("operator").asText() + "/" + e.path("partition").asText();
        long total = 0;
        for (JsonNode c : cs) {
            Chunks.Ref ref = Chunks.Ref.of(c);
            total += ref.size();
            String problem = oracle.chunks().problem(ref, objects.get(ref.key()));
            if (problem != null) {
                oracle.fail(check, what + " " + id + " partition " + name + " references chunk " + problem);
                return false;
            }
        }
        if (total != e.path("size").asLong(-1) || !Chunks.listDigest(cs).equals(text(e, "sha256"))) {
            oracle.fail(check, what + " " + id + " partition " + name + ": its size or digest is not that of its chunks");
            return false;
        }
        return true;
    }

    private void remember(long id, String sha, String how) {
        String before = digestOf.putIfAbsent(id, sha);
        if (before != null && !before.equals(sha)) {
            oracle.fail("I1", "id " + id + " was committed with digest " + before + " and is now " + how + " with digest " + sha);
        }
    }

    /** The body of a manifest file, or null when the object is not one. */
    private @Nullable JsonNode manifest(SimStore.@Nullable Obj o) {
        JsonNode root = o == null ? null : oracle.parse(o);
        return root != null && "checkpointer-manifest".equals(root.path("format").asText(null)) ? root.path("manifest") : null;
    }

    private String sha(SimStore.Obj o) {
        return shaByEtag.computeIfAbsent(o.etag(), k -> SimStore.sha256(o.bytes()));
    }

    private static @Nullable Link link(JsonNode n) {
        if (n == null || n.isMissingNode() || n.isNull() || !n.has("id")) {
            return null;
        }
        return new Link(n.path("id").asLong(), text(n, "manifestSha256"));
    }

    private static @Nullable String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** Checks once everything has settled. */
    void finish() {
        if (!enabled) {
            return;
        }
        for (Oracle.Observation o : observations) {
            if (!o.tag().equals(tagOnChain.get(o.id()))) {
                oracle.fail("I4", o.by() + " was handed manifest " + o.id() + " of save " + o.tag() + " by " + o.how()
                        + ", which was never on the chain");
            }
        }
        for (String tag : concurrentFailures) {
            if (tagsEverOnChain.contains(tag)) {
                oracle.fail("I7", "save " + tag + " reported ConcurrentCheckpointException but was on the chain");
            }
        }
    }
}

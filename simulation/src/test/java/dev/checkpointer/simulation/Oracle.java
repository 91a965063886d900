package dev.checkpointer.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The black-box oracle: judges the engine by what it reports and by what the store holds, knowing nothing of
 * the protocol's objects beyond the key layout ({@code _latest}, {@code checkpoints/{id}/manifest.json}) and
 * the manifest envelope. It holds for the v1 and the v2 engine alike. When {@code _latest} is a v2 pointer it
 * also runs the white-box {@link ChainOracle}.
 *
 * <h2>Checks</h2>
 * <ul>
 *   <li><b>BB1</b> one id, one checkpoint: no two different saves report success with the same id, and no reader
 *       ever sees, for one id, a manifest of another save than the one that reported success there (or than
 *       another reader saw).</li>
 *   <li><b>BB2</b> readers never return a manifest of a save that reported {@link ConcurrentCheckpointException}
 *       (checked when either becomes known, so at the end every pair has been checked).</li>
 *   <li><b>BB3</b> every byte a reader gets back equals what that save wrote; a read of a checkpoint returned by
 *       {@code latest()}/{@code load()} never fails with {@link IntegrityException}, and fails with not-found
 *       only when the checkpoint's deletion was {@linkplain #legitimatelyDeleted legitimate} by the time the read
 *       ended.</li>
 *   <li><b>BB4</b> a checkpoint that reported success stays whole in the store (its manifest file, and every
 *       object its entries reference with the exact bytes) until its deletion is legitimate.</li>
 *   <li><b>BB5</b> {@code _latest} never names a manifest that is absent or different from the one it records
 *       (by SHA-256), unless that checkpoint's deletion is legitimate.</li>
 *   <li><b>BB6</b> the {@code id} in {@code _latest} never decreases.</li>
 * </ul>
 * BB4 covers chunks: every chunk a successful save's entries list (its own or reused from its parent) must stay, and
 * decode to its digest, until the deletion of that checkpoint is legitimate; so a chunk shared by several
 * checkpoints may go only once every one of them that reported success may go.
 *
 * <h2>Chunks (white-box, on any engine that writes them)</h2>
 * <ul>
 *   <li><b>I9</b> a chunk under an id above the head ({@code chunks/{firstId}/…} with {@code firstId > head.id} when
 *       it is deleted) is deleted only by the process that wrote it (a save cleaning up its own attempt), never by
 *       prune, retention, delete or another writer: a save that can still publish may reference it. The other half
 *       of I9, chunks at or below the head that a publishable prepared manifest references, is checked by
 *       {@link ChainOracle}.</li>
 * </ul>
 *
 * <h2>Legitimate deletion</h2>
 * The deletion of checkpoint {@code id} is legitimate at a moment when, before that moment, either
 * <ol>
 *   <li>some process had called {@code delete(id)} (whenever, and whatever it held then), or</li>
 *   <li>retention is configured on some checkpointer of the schedule, and at least {@code k} distinct ids above
 *       {@code id} have held a manifest file at some time, where {@code k} is the smallest {@code keepLast} of the
 *       schedule.</li>
 * </ol>
 * This is deliberately generous (a false alarm is worse than a weaker check): retention can only ever have
 * expired {@code id} once k newer checkpoints existed, and every committed checkpoint had a manifest file, so
 * every deletion that a correct engine makes is legitimate. {@code abort(id)} never makes a deletion legitimate:
 * aborting a committed checkpoint is one of the defects to find.
 */
final class Oracle implements SimStore.Observer {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String LATEST = "_latest";

    /** A broken invariant. */
    static final class Violation extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String check;

        Violation(String check, String message) {
            super(check + ": " + message, null, false, false);
            this.check = check;
        }
    }

    /** A save (or commit) that reported success. */
    record Success(String tag, long id, Manifest manifest, int step, String by) {}

    /** A reader's result: the manifest of {@code id} it was handed, and when. */
    record Observation(String tag, long id, String how, int start, int end, String by) {}

    private final SimStore store;
    private final int minKeepLast;
    private final ChainOracle chain;
    private int step;
    private @Nullable Violation violation;

    /** id -> save tag, for every checkpoint that reported success or that a reader saw. */
    private final Map<Long, String> tagOfId = new HashMap<>();
    private final Map<Long, String> whoSaid = new HashMap<>();
    private final Set<String> concurrentFailures = new HashSet<>();
    private final Map<String, Observation> observedTags = new HashMap<>();
    private final Set<Long> deletesIssued = new HashSet<>();
    /** Ids that have held a manifest file (format checkpointer-manifest) at some time. */
    private final TreeSet<Long> manifestIds = new TreeSet<>();
    private final List<Success> successes = new ArrayList<>();
    /** BB4: key -> what must stay there, until the owning checkpoint's deletion is legitimate. */
    private final Map<String, List<Watch>> watches = new HashMap<>();
    private final Map<String, JsonNode> parsed = new HashMap<>();
    /** key -> who removed it last, and at which step (for messages). */
    private final Map<String, String> removedBy = new HashMap<>();
    private long lastPointerId = -1;
    private boolean pointerChecked = true;

    private record Watch(Success success, @Nullable PartitionEntry entry, Chunks.@Nullable Ref chunk) {}

    private final Chunks chunks = new Chunks();
    /** chunk key -> the process that first wrote it. */
    private final Map<String, String> chunkWriter = new HashMap<>();

    Oracle(SimStore store, int minKeepLast) {
        this.store = store;
        this.minKeepLast = minKeepLast;
        this.chain = new ChainOracle(this);
    }

    /** The first violation found, if any. */
    @Nullable Violation violation() {
        return violation;
    }

    int step() {
        return step;
    }

    SimStore store() {
        return store;
    }

    /** The checks that may fail (null: all); LIVE and CRASH always may. For negative tests: one check at a time. */
    private @Nullable Set<String> only;

    void only(@Nullable Set<String> checks) {
        this.only = checks;
    }

    void fail(String check, String message) {
        if (only != null && !only.contains(check) && !check.equals("LIVE") && !check.equals("CRASH")) {
            return;
        }
        if (violation == null) {
            violation = new Violation(check, message + " (at step " + step + ")");
        }
    }

    // --------------------------------------------------------------------------------------------- reports

    /** A save or commit reported success. */
    void succeeded(String tag, Manifest m, String by) {
        long id = m.id().value();
        String got = m.metadata().get("save");
        if (!tag.equals(got)) {
            fail("BB1", by + ": save " + tag + " reported success with a manifest tagged " + got);
        }
        Success s = new Success(tag, id, m, step, by);
        successes.add(s);
        claim(id, tag, by + " reported success of " + tag);
        if (concurrentFailures.contains(tag)) {
            fail("BB2", "save " + tag + " reported both success and ConcurrentCheckpointException");
        }
        chain.succeeded(s);
        if (legitimatelyDeleted(id)) {
            return;
        }
        watch(s, null, null, Layout.manifest(id));
        for (PartitionEntry e : m.partitions()) {
            if (e.key() != null) {
                watch(s, e, null, e.key());
            }
            for (dev.checkpointer.ChunkRef c : e.chunks()) {
                Chunks.Ref ref = new Chunks.Ref(c.sha256(), c.size(), c.codec(), c.firstId().value(), c.token());
                watch(s, e, ref, ref.key());
            }
        }
    }

    /** A save or commit failed. */
    void failed(String tag, Throwable error) {
        if (error instanceof ConcurrentCheckpointException) {
            concurrentFailures.add(tag);
            Observation o = observedTags.get(tag);
            if (o != null) {
                fail("BB2", "save " + tag + " reported ConcurrentCheckpointException, but " + o.by() + " was handed its manifest of id "
                        + o.id() + " by " + o.how() + " (steps " + o.start() + ".." + o.end() + ")");
            }
            for (Success s : successes) {
                if (s.tag().equals(tag)) {
                    fail("BB2", "save " + tag + " reported both success and ConcurrentCheckpointException");
                }
            }
            chain.concurrentFailure(tag);
        }
    }

    /** A reader was handed a manifest by latest(), list() or load(). */
    void observed(Manifest m, String how, int start, String by) {
        long id = m.id().value();
        String tag = m.metadata().get("save");
        if (tag == null) {
            fail("BB1", by + " was handed manifest " + id + " with no save tag");
            return;
        }
        Observation o = new Observation(tag, id, how, start, step, by);
        observedTags.putIfAbsent(tag, o);
        claim(id, tag, by + " was handed " + tag + " by " + how + " (steps " + start + ".." + step + ")");
        if (concurrentFailures.contains(tag)) {
            fail("BB2", by + " was handed manifest " + id + " of save " + tag + " by " + how
                    + ", a save that reported ConcurrentCheckpointException");
        }
        chain.observed(o);
    }

    private void claim(long id, String tag, String what) {
        String before = tagOfId.putIfAbsent(id, tag);
        if (before == null) {
            whoSaid.put(id, what);
        } else if (!before.equals(tag)) {
            fail("BB1", "id " + id + " is two checkpoints: " + whoSaid.get(id) + "; and " + what);
        }
    }

    /** A reader read one partition of a checkpoint it was handed. */
    void read(Manifest m, PartitionEntry e, @Nullable byte[] bytes, @Nullable Throwable error, String by) {
        long id = m.id().value();
        String tag = m.metadata().get("save");
        if (bytes != null) {
            byte[] want = tag == null ? null : Content.expected(tag, e.operator(), e.partition());
            if (want == null || !Arrays.equals(want, bytes)) {
                fail("BB3", by + " read " + e.name() + " of checkpoint " + id + " (save " + tag + ") and got bytes that save never wrote");
            }
            return;
        }
        if (error instanceof IntegrityException) {
            fail("BB3", by + " read " + e.name() + " of checkpoint " + id + " (save " + tag + "): " + error.getMessage());
        } else if (isNotFound(error) && !legitimatelyDeleted(id)) {
            String key = e.key() == null ? null : e.key();
            fail("BB3", by + " read " + e.name() + " of checkpoint " + id + " (save " + tag + ") and it was gone (removed by "
                    + (key == null ? "?" : removedBy.getOrDefault(key, "?")) + "), but nothing deleted it legitimately: " + error.getMessage());
        }
    }

    static boolean isNotFound(@Nullable Throwable t) {
        return t instanceof CheckpointNotFoundException || (t instanceof StoreException se && se.isNotFound());
    }

    /** Some process called delete(id): from now on, the deletion of that checkpoint is legitimate. */
    void deleteIssued(long id) {
        deletesIssued.add(id);
    }

    boolean deleteWasIssued(long id) {
        return deletesIssued.contains(id);
    }

    /** See the class comment. */
    boolean legitimatelyDeleted(long id) {
        if (deletesIssued.contains(id)) {
            return true;
        }
        return minKeepLast > 0 && manifestIds.tailSet(id, false).size() >= minKeepLast;
    }

    // --------------------------------------------------------------------------------------------- the store

    private void watch(Success s, @Nullable PartitionEntry e, Chunks.@Nullable Ref chunk, String key) {
        Watch w = new Watch(s, e, chunk);
        String problem = problem(w, key, store.objects().get(key));
        if (problem != null) {
            fail("BB4", "checkpoint " + s.id() + " (save " + s.tag() + ", success reported by " + s.by() + ") was not whole when its success was reported: "
                    + problem);
            return;
        }
        watches.computeIfAbsent(key, k -> new ArrayList<>(2)).add(w);
    }

    /** What is wrong with the object at {@code key} for a watch, or null. */
    private @Nullable String problem(Watch w, String key, SimStore.@Nullable Obj obj) {
        if (w.chunk() != null) {
            return chunks.problem(w.chunk(), obj);
        }
        if (obj == null) {
            return key + " is gone";
        }
        if (w.entry() == null) {
            JsonNode root = parse(obj);
            String format = root == null ? null : root.path("format").asText(null);
            if (!"checkpointer-manifest".equals(format)) {
                return key + " holds a " + format + ", not its manifest";
            }
            String tag = root.path("manifest").path("metadata").path("save").asText(null);
            return w.success().tag().equals(tag) ? null : key + " holds the manifest of save " + tag;
        }
        PartitionEntry e = w.entry();
        byte[] b = obj.bytes();
        if (b.length < e.offset() + e.size()) {
            return key + " is too short";
        }
        byte[] part = Arrays.copyOfRange(b, (int) e.offset(), (int) (e.offset() + e.size()));
        return SimStore.sha256(part).equals(e.sha256()) ? null : key + " holds other bytes";
    }

    @Override
    public void changed(String key, SimStore.@Nullable Obj before, SimStore.@Nullable Obj after, SimProcess by) {
        if (after == null) {
            removedBy.put(key, by.name() + " at step " + step);
        }
        long firstId = Chunks.firstIdOf(key);
        if (firstId > 0) {
            if (after != null) {
                chunkWriter.putIfAbsent(key, by.name());
            } else {
                checkChunkDeletion(key, firstId, by);
            }
        }
        if (key.equals(LATEST)) {
            pointerChecked = false;
        } else if (after != null && key.endsWith("/manifest.json")) {
            JsonNode root = parse(after);
            if (root != null && "checkpointer-manifest".equals(root.path("format").asText(null))) {
                long id = root.path("manifest").path("id").asLong(-1);
                if (id > 0) {
                    manifestIds.add(id);
                }
            }
        }
        if (key.endsWith("/manifest.json")) {
            pointerChecked = false; // the manifest the pointer names may have changed
        }
        List<Watch> ws = watches.get(key);
        if (ws == null) {
            return;
        }
        for (java.util.Iterator<Watch> it = ws.iterator(); it.hasNext(); ) {
            Watch w = it.next();
            if (legitimatelyDeleted(w.success().id())) {
                it.remove();
                continue;
            }
            String problem = problem(w, key, after);
            if (problem != null) {
                fail("BB4", "checkpoint " + w.success().id() + " (save " + w.success().tag() + ", success reported by " + w.success().by()
                        + " at step " + w.success().step() + ") was damaged by " + by.name() + ": " + problem);
                it.remove();
            }
        }
    }

    /** I9: a chunk above the head is deleted only by the process that wrote it. */
    private void checkChunkDeletion(String key, long firstId, SimProcess by) {
        SimStore.Obj p = store.objects().get(LATEST);
        JsonNode root = p == null ? null : parse(p);
        long head = root == null ? 0 : pointerBody(root).path("id").asLong(0);
        String writer = chunkWriter.get(key);
        if (firstId > head && !by.name().equals(writer)) {
            fail("I9", by.name() + " deleted chunk " + key + " (written by " + writer + "), above the head " + head
                    + ": a save that can still publish may reference it");
        }
    }

    /** The oracles' reading of chunks (shared, so that a decoded object is hashed once). */
    Chunks chunks() {
        return chunks;
    }

    /** The parsed JSON of a stored object, cached by ETag; null when it is not JSON. */
    @Nullable JsonNode parse(SimStore.Obj obj) {
        JsonNode n = parsed.get(obj.etag());
        if (n == null && !parsed.containsKey(obj.etag())) {
            try {
                n = JSON.readTree(obj.bytes());
            } catch (IOException | RuntimeException e) {
                n = null;
            }
            parsed.put(obj.etag(), n);
        }
        return n;
    }

    /** Checks after every step of the schedule. */
    void afterStep(int stepNumber) {
        this.step = stepNumber;
        if (!pointerChecked) {
            pointerChecked = true;
            checkPointer();
        }
        chain.afterStep();
    }

    /** The fields of a pointer: inside the envelope's {@code pointer} object (format 2), or the object itself (format 1). */
    static JsonNode pointerBody(JsonNode root) {
        JsonNode body = root.get("pointer");
        return body != null && body.isObject() ? body : root;
    }

    private void checkPointer() {
        SimStore.Obj p = store.objects().get(LATEST);
        if (p == null) {
            return;
        }
        JsonNode root = parse(p);
        if (root == null) {
            fail("BB6", "_latest is not JSON");
            return;
        }
        JsonNode body = pointerBody(root);
        long id = body.path("id").asLong(-1);
        if (id < lastPointerId) {
            fail("BB6", "_latest moved back from id " + lastPointerId + " to " + id);
        }
        lastPointerId = Math.max(lastPointerId, id);
        if (id > 0) {
            String sha = body.path("manifestSha256").asText(null);
            SimStore.Obj m = store.objects().get(Layout.manifest(id));
            String actual = m == null ? null : SimStore.sha256(m.bytes());
            if (m == null || !actual.equals(sha)) {
                JsonNode mj = m == null ? null : parse(m);
                boolean tombstone = mj != null && "checkpointer-tombstone".equals(mj.path("format").asText(null))
                        && sha != null && sha.equals(mj.path("tombstone").path("manifestSha256").asText(null));
                if (!tombstone && !legitimatelyDeleted(id)) {
                    fail("BB5", "_latest names checkpoint " + id + " but " + (m == null ? "its manifest is gone" : "its manifest file is another one")
                            + ", and nothing deleted it legitimately");
                }
            }
        }
        if ("checkpointer-pointer".equals(root.path("format").asText(null))) {
            chain.enable();
        }
    }

    /** Checks once the schedule has settled. */
    void finish() {
        for (Observation o : observedTags.values()) {
            if (concurrentFailures.contains(o.tag())) {
                fail("BB2", o.by() + " was handed the manifest of save " + o.tag() + ", which reported ConcurrentCheckpointException");
            }
        }
        chain.finish();
    }

    List<Success> successes() {
        return successes;
    }

    /** Distinct chunk objects written so far. */
    int chunksWritten() {
        return chunkWriter.size();
    }

    /** Chunk references in successful checkpoints that reuse a chunk an earlier checkpoint wrote. */
    int chunksReused() {
        int n = 0;
        for (Success s : successes) {
            for (PartitionEntry e : s.manifest().partitions()) {
                for (dev.checkpointer.ChunkRef c : e.chunks()) {
                    n += c.firstId().value() < s.id() ? 1 : 0;
                }
            }
        }
        return n;
    }

    /** Key helpers (the layout is part of the wire format, not of the engine's internals). */
    static final class Layout {
        private Layout() {}

        static String manifest(long id) {
            return dir(id) + "manifest.json";
        }

        static String dir(long id) {
            String digits = Long.toString(id);
            return "checkpoints/" + "00000000000000000000".substring(digits.length()) + digits + "/";
        }

        /** The id of a key under checkpoints/{id}/, or -1. */
        static long idOf(String key) {
            if (!key.startsWith("checkpoints/") || key.length() < 33 || key.charAt(32) != '/') {
                return -1;
            }
            try {
                return Long.parseLong(key.substring(12, 32));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}

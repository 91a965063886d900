package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * R5: a catalogue of hostile inputs (names, ids, URIs, settings and sizes, snapshot metadata, payloads that lie about
 * their length or fail mid-stream, store options, many-hosts commits, hostile manifests in the store), each refused
 * with the exact exception class and a message fragment, as an error signal where the method is reactive, and with
 * nothing written; plus a fuzzed run of the manifest and pointer parsers.
 */
@Requirement("R5")
class R5BadInputTest {
    private static final AtomicInteger SCRATCH = new AtomicInteger();

    /** The outcome of one case on one store. */
    private record Outcome(boolean ok, String text) {}

    @Test
    void everyHostileInputIsRefusedWithTheExactErrorAndNothingIsWritten() {
        List<Catalogue.Case> cases = BadInputs.build().cases();
        Map<Catalogue.Case, Map<String, Outcome>> results = new LinkedHashMap<>();
        cases.forEach(c -> results.put(c, new LinkedHashMap<>()));
        List<StoreTarget> targets = Stores.local().toList(); // the in-JVM stores: see Report's "Not covered"
        for (StoreTarget target : targets) {
            Report.storeCovered(target.name());
            boolean first = target == targets.get(0);
            try (Env env = Env.open(target)) {
                for (Catalogue.Case c : cases) {
                    if (!c.perStore() && !first) {
                        continue;
                    }
                    results.get(c).put(target.name(), run(c, env));
                }
            }
        }

        Section section = Report.section("R5").describe("""
                %d hostile inputs, each with the exact exception class expected (`getClass() ==`, not a subclass) and a fragment \
                its message must contain. Inputs to reactive methods must arrive as error signals, never thrown. Each runs against \
                a location holding one committed checkpoint, and afterwards the location must hold exactly the keys it held before \
                the input (after the engine's asynchronous clean-up, waited for at most 5 s), no pending multipart upload, and, for \
                `file:` URIs, no directory created. Inputs that depend on the store run once per store (results per store); the rest \
                run once. Hostile manifests are planted as checkpoint 2 first (that write is the setup, not counted)."""
                .formatted(cases.size()));
        Table table = section.table("Catalogue of hostile inputs", "#", "category", "hostile input", "expected (exact type)", "message contains",
                "delivered as", "result");
        int n = 0;
        long passed = 0;
        long failed = 0;
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Catalogue.Case, Map<String, Outcome>> e : results.entrySet()) {
            Catalogue.Case c = e.getKey();
            n++;
            StringBuilder r = new StringBuilder();
            boolean allOk = true;
            for (Map.Entry<String, Outcome> o : e.getValue().entrySet()) {
                if (r.length() > 0) {
                    r.append("; ");
                }
                if (c.perStore()) {
                    r.append(o.getKey()).append(": ");
                }
                r.append(o.getValue().text);
                allOk &= o.getValue().ok;
            }
            if (allOk) {
                passed++;
            } else {
                failed++;
                failures.add("#" + n + " " + c.category() + " " + c.input() + ": " + r);
            }
            table.row(n, c.category(), "`" + c.input().replace("`", "'") + "`", c.expected().getSimpleName(), "`" + c.fragment() + "`",
                    c.reactive() ? "error signal" : "thrown", r.toString());
        }
        section.check("at least 40 hostile inputs", cases.size() >= 40, cases.size() + " inputs in " + cases.stream().map(Catalogue.Case::category).distinct().count()
                + " categories");
        section.check("each refused with the exact error type and message, nothing written", failed == 0,
                passed + " passed, " + failed + " failed" + (failures.isEmpty() ? "" : ": " + failures.subList(0, Math.min(3, failures.size()))));
        section.headline("catalogue", String.format("%d inputs, %d as specified, %d failed", cases.size(), passed, failed));
        registerFoundAndFixed();
        assertThat(failures).isEmpty();
    }

    private static final class Env implements AutoCloseable {
        final Location location;
        final ObjectStore store;
        final Checkpointer cp;

        private Env(Location location) {
            this.location = location;
            this.store = location.open();
            this.cp = Workload.builder(store).build();
            cp.save(Snapshot.builder().partition("a", 0, Payload.of(Workload.bytes(5000, 0))).offsets("src", Map.of("0", "1")).build())
                    .block(Workload.TIMEOUT);
        }

        static Env open(StoreTarget target) {
            return new Env(target.create("r5"));
        }

        @Override
        public void close() {
            cp.close();
            location.close();
        }
    }

    private static Outcome run(Catalogue.Case c, Env env) {
        Path scratch = Scale.workDir().resolve("r5-scratch").resolve("case-" + SCRATCH.incrementAndGet());
        Catalogue.Env ce = new Catalogue.Env(env.location, env.store, env.cp, scratch);
        try {
            if (c.setup() != null) {
                block(c.setup().run(ce));
            }
        } catch (Exception | AssertionError e) {
            return new Outcome(false, "FAIL: setup failed: " + e);
        }
        List<String> before = env.location.keys();
        int pendingBefore = env.location.pendingUploads().orElse(0);
        Throwable error = null;
        boolean thrown = false;
        Object value = null;
        try {
            value = c.act().run(ce);
        } catch (Throwable t) {
            error = t;
            thrown = true;
        }
        if (error == null) {
            try {
                value = block(value);
            } catch (Throwable t) {
                error = Exceptions.unwrap(t);
            }
        }
        if (value instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // an input that was accepted: reported below
            }
        }
        boolean nothingWritten = awaitKeys(env.location, before, Duration.ofSeconds(5)) && env.location.pendingUploads().orElse(0) == pendingBefore
                && (!c.usesScratch() || !Files.exists(scratch));
        try {
            if (c.cleanup() != null) {
                block(c.cleanup().run(ce));
            }
        } catch (Exception | AssertionError e) {
            return new Outcome(false, "FAIL: clean-up failed: " + e);
        }
        String got = error == null ? "accepted (" + value + ")" : error.getClass().getSimpleName() + ": " + shorten(error.getMessage());
        boolean typeOk = error != null && error.getClass() == c.expected();
        boolean messageOk = error != null && error.getMessage() != null && error.getMessage().contains(c.fragment());
        boolean signalOk = !c.reactive() || !thrown;
        boolean ok = typeOk && messageOk && signalOk && nothingWritten;
        if (ok) {
            return new Outcome(true, "PASS");
        }
        String why = (!typeOk || !messageOk ? "got " + got : "") + (!signalOk ? " (thrown, not signalled)" : "")
                + (!nothingWritten ? " (and the location changed)" : "");
        return new Outcome(false, "**FAIL**: " + why.trim());
    }

    private static Object block(Object value) {
        if (value instanceof Mono<?> m) {
            return m.block(Workload.TIMEOUT);
        }
        if (value instanceof Flux<?> f) {
            return f.collectList().block(Workload.TIMEOUT);
        }
        if (value instanceof Publisher<?> p) {
            return Flux.from(p).collectList().block(Workload.TIMEOUT);
        }
        return value;
    }

    /** The engine removes a refused save's uploads asynchronously: wait (bounded) until the keys are back. */
    private static boolean awaitKeys(Location location, List<String> expected, Duration bound) {
        return Workload.await(() -> location.keys().equals(expected), bound);
    }

    private static String shorten(String s) {
        if (s == null) {
            return "null";
        }
        return s.length() > 160 ? s.substring(0, 160) + "…" : s;
    }

    static void registerFoundAndFixed() {
        Report.foundAndFixed("K3", "**An option size that overflowed a long escaped as `ArithmeticException`** (api, "
                + "`StoreOptions.parseSize`). `Checkpointer.open(\"file:///d?readChunkSize=99999999999g\")` threw "
                + "`java.lang.ArithmeticException: long overflow`. Fixed: the overflow is a malformed size, reported as "
                + "`InvalidInputException` naming the option. Strict tests: `R5BadInputTest.k3AnOverflowingSizeOptionIsAnInvalidInput`, "
                + "`StoreParsingTest.aSizeThatIsMalformedOrOverflowsIsAnInvalidOptionNamingIt`.");
        Report.foundAndFixed("K4", "**A payload that lied about its length was reported as a store failure on the single-request "
                + "path** (engine, `Uploader.single`). Declared 60,000 bytes, emitting 50,000 or 70,000 (or a file that shrank after "
                + "`Payload.of(Path)`), the save failed with `StoreException` `STORE_BAD_REQUEST` from the store's own length check, "
                + "while the inline and multipart paths reported `InvalidInputException`. Fixed: the engine counts the bytes as the store "
                + "reads them and fails the body with `InvalidInputException` first, whatever the store makes of the aborted body. "
                + "Strict tests: `R5BadInputTest.k4APayloadLyingAboutItsLengthIsAnInvalidInputOnEveryPath`, "
                + "`CheckpointerContract.aPayloadThatLiesAboutItsLengthIsRefusedAndLeavesNothing` (every store).");
        Report.foundAndFixed("K5", "**A checkpoint with id `Long.MAX_VALUE` made the location unreadable** (engine). It was accepted "
                + "and committed; then `latest()` failed with `ArithmeticException` (from `CheckpointId.next()`) and every later save "
                + "with a negative id. Fixed: ids run from 1 to `CheckpointId.MAX_VALUE` (`Long.MAX_VALUE - 1`), so every id has a "
                + "successor; `latest()` stops looking past the largest, and a save after it is refused before anything is written. "
                + "Strict tests: `R5BadInputTest.k5TheLastPossibleIdIsRefusedOrKeepsTheLocationReadable`, "
                + "`CheckpointerContract.theLargestIdKeepsTheLocationReadableAndNothingIsWrittenBeyondIt` (every store).");
    }

    // ------------------------------------------------------------------------------------------------ fuzzing

    /** What a fresh checkpointer's listener heard while one mutant was judged. */
    private static final class Heard implements dev.checkpointer.CheckpointListener {
        final List<CheckpointId> recoveries = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<CheckpointId> corrupt = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onPointerRecovery(CheckpointId recovered, String reason) {
            recoveries.add(recovered);
        }

        @Override
        public void onCorruptCheckpoint(CheckpointId id, CheckpointException error) {
            corrupt.add(id);
        }
    }

    /** The fuzz modes: what is mutated and where it is planted. */
    private static final String[] MODES = {"manifest, raw", "manifest, re-sealed", "pointer, raw", "prepared manifest above the head, re-sealed"};

    @Test
    void fuzzedManifestsAndPointersAreRefusedCleanlyOrReadUnchangedThroughTheEngine() {
        int perMode = Scale.count(2000);
        int preparedMutants = Scale.count(500);
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Workload.builder(store).build();
        cp.save(Workload.snapshot(1)).block(Workload.TIMEOUT);
        Manifest rich = cp.save(Snapshot.builder()
                        .partition("inline", 0, Payload.of(Workload.bytes(300, 1)))
                        .partition("packed", 0, Payload.of(Workload.bytes(900, 2)))
                        .partition("stored", 7, Payload.of(Workload.bytes(20_000, 3)))
                        .offsets("kafka", Map.of("topic-0", "42", "topic-1", "7"))
                        .sinkEpoch("sink", 3)
                        .watermark("kafka", Instant.parse("2026-01-01T00:00:00Z"))
                        .fingerprint("pipeline-v1")
                        .metadata("app", "fuzz")
                        .build()).block(Workload.TIMEOUT);
        String key = StoredJson.manifestKey(rich.id());
        byte[] file = store.raw(key).orElseThrow();
        byte[] body = StoredJson.body(file);
        byte[] pointer = store.raw("_latest").orElseThrow();
        StoredJson.PointerFields originalPointer = StoredJson.pointer(pointer);
        assertThat(originalPointer.format()).isEqualTo(2);
        assertThat(originalPointer.id()).isEqualTo(rich.id().value());
        // A prepared manifest of checkpoint 3 on the head (what a writer that crashed before publishing leaves): the
        // rich body with id 3, parent 2 and only its inlined partitions, which latest() rolls forward.
        com.fasterxml.jackson.databind.node.ObjectNode three = StoredJson.bodyTree(file);
        three.put("id", 3);
        three.set("grandparent", three.get("parent"));
        three.putObject("parent").put("id", 2).put("manifestSha256", StoredJson.sha256(file));
        com.fasterxml.jackson.databind.node.ArrayNode inlineOnly = three.putArray("partitions");
        StoredJson.bodyTree(file).withArray("partitions").forEach(e -> {
            if (e.has("inline")) {
                inlineOnly.add(e);
            }
        });
        byte[] body3 = three.toString().getBytes(StandardCharsets.UTF_8);
        String key3 = StoredJson.manifestKey(3);

        Random random = new Random(8_2026L);
        Map<String, Long> outcomes = new TreeMap<>();
        List<String> unexpected = new ArrayList<>();
        long slowestNanos = 0;
        long refusedSavesChecked = 0;
        for (int mode = 0; mode < MODES.length; mode++) {
            String label = MODES[mode];
            int count = mode == 3 ? preparedMutants : perMode;
            for (int i = 0; i < count; i++) {
                byte[] input = switch (mode) {
                    case 0 -> mutate(file, random);
                    case 1 -> BadInputs.sealed(new String(mutate(body, random), StandardCharsets.UTF_8));
                    case 2 -> mutate(pointer, random);
                    default -> BadInputs.sealed(new String(mutate(body3, random), StandardCharsets.UTF_8));
                };
                long t0 = System.nanoTime();
                String outcome;
                Heard heard = new Heard();
                Checkpointer fresh = Workload.builder(MemoryStore.reopen(store.wrapped())).listener(heard).build();
                try {
                    outcome = switch (mode) {
                        case 0, 1 -> judgeManifest(store, key, input, pointer, rich, mode == 0, fresh, heard, label, unexpected);
                        case 2 -> judgePointer(store, input, pointer, originalPointer, rich, fresh, heard, label, unexpected);
                        default -> judgePrepared(store, key3, input, pointer, file, rich, fresh, label, unexpected);
                    };
                } catch (Throwable t) {
                    outcome = "UNEXPECTED " + t.getClass().getSimpleName();
                    if (unexpected.size() < 10) {
                        unexpected.add(label + ": " + t);
                    }
                } finally {
                    fresh.close();
                    // Back to the two checkpoints as the engine wrote them.
                    store.putRaw(key, file);
                    store.putRaw("_latest", pointer);
                    if (mode == 3) {
                        store.delete(key3).block(Workload.TIMEOUT);
                    }
                }
                slowestNanos = Math.max(slowestNanos, System.nanoTime() - t0);
                // A lost pointer refuses writes until it is repaired, and writes nothing: checked for a sample.
                if (mode == 2 && outcome.startsWith("refused") && i % 50 == 0) {
                    refusedSavesChecked++;
                    store.putRaw("_latest", input);
                    List<String> before = store.keys();
                    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> Workload.builder(MemoryStore.reopen(store.wrapped())).build()
                            .save(Workload.snapshot(3)).block(Workload.TIMEOUT));
                    if (!(t instanceof CorruptMetadataException) || !Workload.await(() -> store.keys().equals(before), Duration.ofSeconds(5))) {
                        unexpected.add(label + ": a save on a refused pointer was not refused cleanly: " + t);
                    }
                    store.putRaw("_latest", pointer);
                }
                outcomes.merge(label + " → " + outcome, 1L, Long::sum);
            }
        }

        Section section = Report.section("R5").describe("""
                Fuzzing through the engine (protocol v2: the engine's manifest and pointer decoders are not public any more, so every \
                mutant is judged by what `load`, `latest`, `list`, `read` and the listener do with it, each time through a fresh \
                checkpointer). %,d mutations each of (a) checkpoint 2's manifest file, (b) its body re-sealed with a correct \
                envelope digest after the mutation (so that mutations reach binding and validation, not only the digest check) \
                and (c) the `_latest` pointer, plus %,d of (d) a prepared manifest of checkpoint 3 on the head, re-sealed (what a \
                writer that crashed before publishing leaves, which `latest()` rolls forward). (a) and (b) are planted as the head: \
                the pointer is rewritten to link the mutant's digest (re-sealed), so that the engine decodes it. Mutations \
                (seeded): bit flips, random bytes, insertions, deletions, truncation, duplicated and swapped chunks, JSON values \
                replaced with hostile ones (huge and negative numbers, 1e400, NaN, null, empty containers, `..`, NUL), deep \
                nesting, invalid UTF-8. Manifests: `load(2)` must fail with `CorruptMetadataException`/`IncompatibleCheckpointException` \
                or return a manifest identical to the original (raw mode) or one that passes `validate()` (re-sealed mode) whose \
                reads end in bytes or `CheckpointException`s only; `latest()` and `list()` must answer, returning checkpoint 2 only \
                when `load` accepted it, else checkpoint 1 with checkpoint 2 reported to `onCorruptCheckpoint` (never skipped \
                silently). Pointers: either accepted unchanged (no recovery reported, its fields as Jackson reads them identical, \
                `latest()` checkpoint 2) or refused, with `onPointerRecovery(2)` heard and `latest()`/`list()` still checkpoint \
                2 / 1 and 2; every 50th refused one, a save must be refused with `CorruptMetadataException`, writing nothing. \
                Prepared manifests: `latest()` must answer with checkpoint 2, or with checkpoint 3 only when the mutant is a valid \
                manifest whose parent is the head, readable by `load(3)` as returned."""
                .formatted(perMode, preparedMutants));
        Table t = section.table("Fuzzed inputs judged through the engine", "input, mode → outcome", "count");
        outcomes.forEach((k, v) -> t.row(k, v));
        t.row("slowest single judgement (load, latest, list, reads)", String.format("%.1f ms", slowestNanos / 1e6));
        t.row("saves on refused pointers checked (refused, nothing written)", refusedSavesChecked);
        boolean ok = unexpected.isEmpty();
        long total = 3L * perMode + preparedMutants;
        section.check("fuzzed manifests and pointers through the engine: only the documented errors, never an altered manifest or pointer accepted", ok,
                String.format("%,d mutations, %d unexpected outcomes%s", total, unexpected.size(), ok ? "" : ": " + unexpected.subList(0, Math.min(3, unexpected.size()))));
        section.headline("fuzz", String.format("%,d mutations, %d unexpected", total, unexpected.size()));
        assertThat(unexpected).isEmpty();
    }

    /** Plants a manifest mutant as the head (the pointer relinked to it) and judges what the engine does with it. */
    private static String judgeManifest(FaultInjectingStore store, String key, byte[] input, byte[] pointer, Manifest original, boolean raw,
            Checkpointer fresh, Heard heard, String label, List<String> unexpected) {
        store.putRaw(key, input);
        com.fasterxml.jackson.databind.node.ObjectNode p = StoredJson.bodyTree(pointer);
        p.put("manifestSha256", StoredJson.sha256(input));
        store.putRaw("_latest", StoredJson.seal(StoredJson.POINTER, p));
        String outcome;
        Manifest accepted = null;
        try {
            accepted = fresh.load(original.id()).block(Workload.TIMEOUT).manifest();
            if (raw && !accepted.equals(original)) {
                outcome = "accepted ALTERED";
                unexpected.add(label + ": an altered manifest was accepted");
            } else if (!accepted.validate().isEmpty()) {
                outcome = "accepted INVALID";
                unexpected.add(label + ": accepted a manifest with problems " + accepted.validate());
            } else {
                outcome = accepted.equals(original) ? "accepted, identical" : "accepted, valid";
            }
            accepted.toString();
            accepted.totalBytes();
        } catch (CorruptMetadataException e) {
            outcome = "CorruptMetadataException";
        } catch (IncompatibleCheckpointException e) {
            outcome = "IncompatibleCheckpointException";
        }
        // latest() and list() answer: the mutant when load accepted it, else checkpoint 1 with 2 reported.
        heard.corrupt.clear();
        var latest = fresh.latest().block(Workload.TIMEOUT);
        List<Manifest> listed = fresh.list().collectList().block(Workload.TIMEOUT);
        if (accepted != null) {
            // The chain is what the accepted head links to: checkpoint 1 below it only when its parent link names
            // checkpoint 1's manifest (a re-sealed mutant may have changed or dropped that link).
            byte[] one = store.raw(StoredJson.manifestKey(1)).orElseThrow();
            boolean linksOne = accepted.parent().equals(java.util.Optional.of(new Manifest.Link(CheckpointId.of(1), StoredJson.sha256(one))));
            int chainLength = linksOne ? 2 : 1;
            if (latest == null || !latest.manifest().equals(accepted) || listed.size() != chainLength || !listed.get(listed.size() - 1).equals(accepted)) {
                unexpected.add(label + ": load accepted the head but latest() is " + (latest == null ? null : latest.manifest().id()) + ", list() "
                        + listed.stream().map(x -> x.id().value()).toList() + ", its parent link " + accepted.parent());
            }
            Manifest m = accepted;
            Flux.fromIterable(m.partitions())
                    .concatMap(e -> latest.read(e.operator(), e.partition()).onErrorResume(CheckpointException.class, x -> Mono.empty()))
                    .blockLast(Workload.TIMEOUT);
            if (raw) {
                Workload.verify(fresh.load(CheckpointId.of(1)).block(Workload.TIMEOUT));
            }
        } else if (latest == null || latest.manifest().id().value() != 1 || listed.size() != 1 || !heard.corrupt.contains(original.id())) {
            unexpected.add(label + ": load refused the head but latest() is " + (latest == null ? null : latest.manifest().id()) + ", list() "
                    + listed.size() + ", reported corrupt " + heard.corrupt);
        }
        return outcome;
    }

    /** Plants a pointer mutant and judges what the engine does with it. */
    private static String judgePointer(FaultInjectingStore store, byte[] input, byte[] pointer, StoredJson.PointerFields original, Manifest head,
            Checkpointer fresh, Heard heard, String label, List<String> unexpected) {
        store.putRaw("_latest", input);
        String outcome;
        try {
            var latest = fresh.latest().block(Workload.TIMEOUT);
            List<Long> listed = fresh.list().map(m -> m.id().value()).collectList().block(Workload.TIMEOUT);
            boolean right = latest != null && latest.manifest().equals(head) && listed.equals(List.of(1L, 2L));
            if (heard.recoveries.isEmpty()) {
                StoredJson.PointerFields p;
                try {
                    p = StoredJson.pointer(input);
                } catch (IllegalArgumentException e) {
                    p = null;
                }
                boolean same = p != null && p.equals(original);
                outcome = same && right ? "accepted, identical" : "accepted ALTERED";
                if (!same || !right) {
                    unexpected.add(label + ": an altered pointer was accepted: " + p + ", latest() " + (latest == null ? null : latest.manifest().id()));
                }
            } else {
                outcome = "refused, recovered and reported";
                if (!right || !heard.recoveries.stream().allMatch(head.id()::equals)) {
                    unexpected.add(label + ": a refused pointer was recovered as " + heard.recoveries + ", latest() "
                            + (latest == null ? null : latest.manifest().id()) + ", list() " + listed);
                }
            }
        } catch (IncompatibleCheckpointException e) {
            outcome = "IncompatibleCheckpointException";
        }
        return outcome;
    }

    /** Plants a prepared-manifest mutant above the head and judges what latest() makes of it. */
    private static String judgePrepared(FaultInjectingStore store, String key3, byte[] input, byte[] pointer, byte[] headFile, Manifest head,
            Checkpointer fresh, String label, List<String> unexpected) {
        store.putRaw(key3, input);
        var latest = fresh.latest().block(Workload.TIMEOUT);
        if (latest == null) {
            unexpected.add(label + ": latest() empty");
            return "latest() EMPTY";
        }
        if (latest.manifest().equals(head)) {
            return "not rolled forward: latest() = 2";
        }
        Manifest m = latest.manifest();
        boolean ok = m.id().value() == 3 && m.validate().isEmpty()
                && m.parent().equals(java.util.Optional.of(new Manifest.Link(head.id(), StoredJson.sha256(headFile))))
                && fresh.load(m.id()).block(Workload.TIMEOUT).manifest().equals(m)
                && StoredJson.pointer(store.raw("_latest").orElseThrow()).id() == 3;
        if (!ok) {
            unexpected.add(label + ": latest() returned " + m.id() + ", which is not a valid manifest prepared on the head");
            return "rolled forward INVALID";
        }
        Flux.fromIterable(m.partitions())
                .concatMap(e -> latest.read(e.operator(), e.partition()).onErrorResume(CheckpointException.class, x -> Mono.empty()))
                .blockLast(Workload.TIMEOUT);
        return "rolled forward: latest() = 3, valid, parent = the head";
    }

    private static final String[] HOSTILE_VALUES = {"0", "-1", "1e400", "-1e400", "99999999999999999999", "NaN", "null", "true", "\"\"", "[]", "{}",
        "\"..\"", "\"\\u0000\"", "\"../../x\"", "9223372036854775807", "-9223372036854775808", "0.5", "\"SNAPSHOT\"", "[null]", "{\"a\":1}"};

    /** One random mutation of the input. */
    static byte[] mutate(byte[] in, Random r) {
        byte[] b = in.clone();
        int kind = r.nextInt(11);
        int n = b.length;
        switch (kind) {
            case 0 -> b[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[r.nextInt(n)] = (byte) r.nextInt(256);
            case 2 -> {
                int at = r.nextInt(n + 1);
                byte[] out = new byte[n + 1];
                System.arraycopy(b, 0, out, 0, at);
                String alphabet = " {}[]\",:0-e\\";
                out[at] = (byte) alphabet.charAt(r.nextInt(alphabet.length()));
                System.arraycopy(b, at, out, at + 1, n - at);
                return out;
            }
            case 3 -> {
                int at = r.nextInt(n);
                byte[] out = new byte[n - 1];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + 1, out, at, n - at - 1);
                return out;
            }
            case 4 -> {
                return Arrays.copyOf(b, r.nextInt(n));
            }
            case 5 -> {
                int from = r.nextInt(n);
                int len = 1 + r.nextInt(Math.min(64, n - from));
                int at = r.nextInt(n + 1);
                byte[] out = new byte[n + len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, from, out, at, len);
                System.arraycopy(b, at, out, at + len, n - at);
                return out;
            }
            case 6 -> {
                int a = r.nextInt(n);
                int c = r.nextInt(n);
                int len = 1 + r.nextInt(Math.min(16, Math.min(n - a, n - c)));
                byte[] tmp = Arrays.copyOfRange(b, a, a + len);
                System.arraycopy(b, c, b, a, len);
                System.arraycopy(tmp, 0, b, c, len);
            }
            case 7, 8 -> {
                // Replace a JSON value (what follows a ':' up to the next ',' or '}') with a hostile one.
                String s = new String(b, StandardCharsets.ISO_8859_1);
                List<Integer> colons = new ArrayList<>();
                for (int i = 0; i < s.length(); i++) {
                    if (s.charAt(i) == ':') {
                        colons.add(i);
                    }
                }
                if (colons.isEmpty()) {
                    return b;
                }
                int at = colons.get(r.nextInt(colons.size())) + 1;
                int end = at;
                while (end < s.length() && s.charAt(end) != ',' && s.charAt(end) != '}') {
                    end++;
                }
                String replaced = s.substring(0, at) + HOSTILE_VALUES[r.nextInt(HOSTILE_VALUES.length)] + s.substring(end);
                return replaced.getBytes(StandardCharsets.ISO_8859_1);
            }
            case 9 -> {
                String s = new String(b, StandardCharsets.ISO_8859_1);
                int at = s.indexOf(':', r.nextInt(n));
                if (at < 0) {
                    return b;
                }
                int depth = 1 + r.nextInt(2000);
                return (s.substring(0, at + 1) + "[".repeat(depth) + "]".repeat(r.nextBoolean() ? depth : depth / 2) + "," + s.substring(at + 1))
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
            default -> {
                int at = r.nextInt(n);
                byte[] bad = {(byte) 0xC0, (byte) 0x80, (byte) 0xFF, (byte) 0xFE, (byte) 0xED, (byte) 0xA0, (byte) 0x80};
                int len = 1 + r.nextInt(bad.length);
                byte[] out = new byte[n + len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(bad, 0, out, at, len);
                System.arraycopy(b, at, out, at + len, n - at);
                return out;
            }
        }
        return b;
    }

    // ------------------------------------------------------------------------------------------------ found and fixed (K3-K5)

    @Test
    void k3AnOverflowingSizeOptionIsAnInvalidInput() {
        Path dir = Scale.workDir().resolve("k3-" + System.nanoTime());
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> Checkpointer.open(dir.toUri() + "?readChunkSize=99999999999g"));
        assertThat(t).isExactlyInstanceOf(InvalidInputException.class).hasMessageContaining("readChunkSize");
        assertThat(dir).doesNotExist();
    }

    @Test
    void k4APayloadLyingAboutItsLengthIsAnInvalidInputOnEveryPath() {
        for (StoreTarget target : Stores.local().toList()) {
            try (Env env = Env.open(target)) {
                for (int[] sizes : new int[][] {{10, 20}, {50_000, 60_000}, {70_000, 60_000}, {250_000, 300_000}}) {
                    int emitted = sizes[0];
                    Payload liar = Payload.of(() -> Flux.just(java.nio.ByteBuffer.wrap(new byte[emitted])), sizes[1]);
                    Throwable t = org.assertj.core.api.Assertions.catchThrowable(
                            () -> env.cp.save(Snapshot.builder().partition("a", 0, liar).build()).block(Workload.TIMEOUT));
                    assertThat(t).as("%s, %d of %d", target.name(), emitted, sizes[1]).isExactlyInstanceOf(InvalidInputException.class)
                            .hasMessageContaining("declared " + sizes[1]);
                }
            }
        }
    }

    @Test
    void k5TheLastPossibleIdIsRefusedOrKeepsTheLocationReadable() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Workload.builder(store).build();
        cp.save(Workload.snapshot(1)).block(Workload.TIMEOUT);
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> cp.save(
                Snapshot.builder().id(CheckpointId.of(Long.MAX_VALUE)).partition("a", 0, Payload.of(new byte[] {1})).build()).block(Workload.TIMEOUT));
        if (refused != null) {
            assertThat(refused).isExactlyInstanceOf(InvalidInputException.class);
            assertThat(Workload.verify(cp.latest().block(Workload.TIMEOUT))).isEqualTo(1);
        } else {
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> Workload.builder(MemoryStore.reopen(store.wrapped())).build().latest().block(Workload.TIMEOUT));
            assertThat(t).isNull();
        }
    }

    /**
     * The suite's sealing ({@link StoredJson#seal}, used to plant and re-seal objects) writes the very bytes the engine
     * writes: the body of every engine-written envelope (manifest, tombstone, abort marker, pointer), re-sealed, is
     * the engine's file byte for byte, and the pointer's {@code bodySha256} is the SHA-256 of its body's bytes.
     */
    @Test
    void sealingMatchesTheEngine() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Workload.builder(store).build();
        Manifest one = cp.save(Workload.snapshot(1)).block(Workload.TIMEOUT);
        Manifest two = cp.save(Workload.snapshot(2)).block(Workload.TIMEOUT);
        cp.delete(one.id()).block(Workload.TIMEOUT);
        CheckpointId begun = cp.begin().block(Workload.TIMEOUT);
        cp.abort(begun).block(Workload.TIMEOUT);
        Map<String, String> formats = new TreeMap<>();
        for (String key : List.of(StoredJson.manifestKey(two.id()), StoredJson.manifestKey(one.id()), StoredJson.manifestKey(begun), "_latest")) {
            byte[] file = store.raw(key).orElseThrow();
            String format = StoredJson.format(file).orElseThrow();
            formats.put(key, format);
            byte[] body = StoredJson.body(file);
            assertThat(StoredJson.seal(format, body)).as(key).isEqualTo(file);
            assertThat(StoredJson.tree(file).get("bodySha256").asText()).as(key).isEqualTo(StoredJson.sha256(body));
        }
        assertThat(formats.values()).containsExactlyInAnyOrder(StoredJson.MANIFEST, StoredJson.TOMBSTONE, StoredJson.ABORT, StoredJson.POINTER);
        // And the engine reads what the suite seals: a pointer re-sealed from a Jackson tree is the same pointer.
        store.putRaw("_latest", StoredJson.seal(StoredJson.POINTER, StoredJson.bodyTree(store.raw("_latest").orElseThrow())));
        assertThat(Workload.verify(Workload.builder(MemoryStore.reopen(store.wrapped())).build().latest().block(Workload.TIMEOUT))).isEqualTo(2);
    }
}

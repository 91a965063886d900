package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * R4: one flipped byte (at spread positions, with varying bit masks) in every kind of stored object, and objects cut
 * short, must be detected every time and never handed to the caller: not by {@code read}, not as a successful end
 * of {@code stream}, and {@code latest()} must never return a checkpoint whose manifest or pointer was altered.
 */
@Requirement("R4")
class R4CorruptionTest {
    private static final int[] MASKS = {0x01, 0x20, 0x80, 0xFF};
    /** Alterations per kind of object: the memory and file-system stores, and the stores on emulators (bounded run). */
    private static final int PER_KIND = 48;
    private static final int EMULATOR_PER_KIND = 8;

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.checkpointer.reliability.Stores#all")
    void aFlippedByteOrATruncatedObjectIsAlwaysDetectedAndNeverReturned(StoreTarget target) {
        run(target, Scale.count(target, PER_KIND, EMULATOR_PER_KIND), "sampled");
    }

    /** Every position on the in-JVM stores only: what is detected is the engine's business, the store only returns bytes. */
    @Tag("long")
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.checkpointer.reliability.Stores#local")
    void everyBytePositionOfEveryObject(StoreTarget target) {
        run(target, Integer.MAX_VALUE, "exhaustive");
    }

    /** Counts for one kind of object. */
    private static final class Tally {
        final String kind;
        final String expected;
        long injected;
        long detected;
        long returned;
        final List<String> problems = new ArrayList<>();

        Tally(String kind, String expected) {
            this.kind = kind;
            this.expected = expected;
        }

        void result(boolean wasDetected, boolean wasReturned, String what) {
            injected++;
            detected += wasDetected ? 1 : 0;
            returned += wasReturned ? 1 : 0;
            if ((!wasDetected || wasReturned) && problems.size() < 5) {
                problems.add(what);
            }
        }
    }

    private void run(StoreTarget target, int perKind, String mode) {
        target.assumeAvailable("R4");
        Report.storeCovered(target.name());
        Section section = Report.section("R4").describe("""
                Two checkpoints are saved (each: an inlined partition, two partitions packed in a sidecar, a \
                single-request object and a four-part multipart object). Then one object of checkpoint 2 at a time is \
                altered through the store API and restored afterwards: one byte XOR-ed with 0x01, 0x20, 0x80 or 0xFF \
                in turn, at positions spread evenly over the object (up to %d per kind; S3, Azure and GCS on their \
                emulators: up to %d; the `long`-tagged test, on the memory and file-system stores: every position, \
                2,048 spread over each large artifact), or the object cut to 0, 1, half and all but its last \
                significant byte. *Detected* means: for an artifact, `read` fails with `IntegrityException` and \
                `stream` ends with `IntegrityException` (the partitions of a sidecar outside the flipped byte still \
                read correctly); for the manifest, `load` fails with `CorruptMetadataException` (or \
                `IncompatibleCheckpointException`), `latest()` returns checkpoint 1 verified (protocol v2: it steps \
                past the head's unreadable manifest by the parent link the pointer carries) and `list()` omits 2; for \
                `_latest`, reads recover: the reader's listener hears `onPointerRecovery` naming checkpoint 2 and \
                `latest()` still returns checkpoint 2 verified (v1 checked this with the engine's pointer decoder, \
                which is not public any more; the engine's own report is the v2 equivalent). *Returned* counts any \
                wrong byte handed over: a `read` that succeeded with other bytes, a `stream` that completed, or \
                `latest()` returning an altered checkpoint. An inlined partition altered by someone who re-sealed \
                the manifest's envelope (the suite edits the body with Jackson and recomputes `bodySha256`) no \
                longer matches the digest `_latest` links the head by, so `load` refuses it and `latest()` falls back \
                to checkpoint 1; re-sealed *and* relinked (the pointer's `manifestSha256` set to the new file's \
                digest and the pointer's envelope re-sealed too), a fresh reader accepts the manifest, and the \
                partition's own SHA-256 must refuse the altered bytes at `read` and `stream`."""
                .formatted(Scale.count(PER_KIND), Scale.count(EMULATOR_PER_KIND)));
        try (Location loc = target.create("r4")) {
            ObjectStore store = loc.open();
            Checkpointer writer = Workload.builder(store).build();
            writer.save(Workload.snapshot(1)).block(Workload.TIMEOUT);
            Manifest two = writer.save(Workload.snapshot(2)).block(Workload.TIMEOUT);
            Heard heard = new Heard();
            Checkpointer reader = Workload.builder(loc.open()).listener(heard).build();
            String manifestKey = "checkpoints/" + two.id().padded() + "/manifest.json";
            String multiKey = two.partition("multi", 0).orElseThrow().key();
            String singleKey = two.partition("single", 0).orElseThrow().key();
            String sidecarKey = two.partition("packed", 0).orElseThrow().key();
            assertThat(two.partition("packed", 1).orElseThrow().key()).isEqualTo(sidecarKey);
            assertThat(two.partition("inline", 0).orElseThrow().isInline()).isTrue();

            List<Tally> tallies = new ArrayList<>();
            Tally multi = new Tally("large artifact (multipart object, 200,000 B)", "IntegrityException on read and stream");
            Tally single = new Tally("artifact (single-request object, 20,000 B)", "IntegrityException on read and stream");
            Tally sidecar = new Tally("sidecar-packed partition (2 partitions, 1,600 B)", "IntegrityException for the partition holding the byte");
            Tally inlineFlip = new Tally("inlined state, byte flipped in the manifest file", "CorruptMetadataException; latest() = 1");
            Tally inlineSealed = new Tally("inlined state altered, manifest re-sealed with a valid envelope",
                    "CorruptMetadataException (the pointer's link no longer matches); latest() = 1");
            Tally inlineRelinked = new Tally("inlined state altered, manifest re-sealed and _latest relinked to it",
                    "IntegrityException on read and stream (fresh reader)");
            Tally manifest = new Tally("manifest (anywhere in the file)", "CorruptMetadataException / IncompatibleCheckpointException; latest() = 1");
            Tally latest = new Tally("_latest pointer", "onPointerRecovery(2) heard; latest() = 2, verified");
            Tally truncated = new Tally("truncated object (artifact, sidecar, manifest, _latest; 4 lengths each)", "as for a flipped byte");
            tallies.addAll(List.of(multi, single, sidecar, inlineFlip, inlineSealed, inlineRelinked, manifest, latest, truncated));

            // Artifacts: each byte position belongs to one partition.
            // Every position of the large objects would be 220,000 flips: even the exhaustive run spreads 2,048 over them.
            int large = Math.min(perKind, 2048);
            flipAll(store, multiKey, large, multi, at -> artifactDetected(reader, two.id(), "multi", 0, null));
            flipAll(store, singleKey, large, single, at -> artifactDetected(reader, two.id(), "single", 0, null));
            long packed0 = two.partition("packed", 0).orElseThrow().size();
            flipAll(store, sidecarKey, perKind, sidecar, at -> at < packed0
                    ? artifactDetected(reader, two.id(), "packed", 0, new int[] {1})
                    : artifactDetected(reader, two.id(), "packed", 1, new int[] {0}));

            // Inlined state, flipped in place: the manifest's own digest refuses it.
            byte[] manifestBytes = read(store, manifestKey);
            String inline = two.partition("inline", 0).orElseThrow().inline();
            int inlineAt = new String(manifestBytes, StandardCharsets.ISO_8859_1).indexOf(inline);
            assertThat(inlineAt).isPositive();
            for (int i : positions(inline.length(), scaled(perKind, 2, 3))) {
                byte[] bad = manifestBytes.clone();
                bad[inlineAt + i] ^= (byte) MASKS[i % MASKS.length];
                put(store, manifestKey, bad);
                Verdict v = manifestDetected(reader, two.id());
                inlineFlip.result(v.detected, v.returned, "inline byte " + i + ": " + v.detail);
            }
            put(store, manifestKey, manifestBytes);

            // Inlined state altered by someone who re-sealed the envelope (the body edited with Jackson, bodySha256
            // recomputed): the link in _latest refuses it. Re-sealed and relinked (the pointer rewritten to name the new
            // file, its envelope re-sealed too): the partition's SHA-256 refuses it at read.
            byte[] pointerBytes = read(store, "_latest");
            byte[] state = Base64.getDecoder().decode(inline);
            for (int i : positions(state.length, scaled(perKind, 2, 3))) {
                byte[] altered = state.clone();
                altered[i] ^= (byte) MASKS[i % MASKS.length];
                byte[] resealed = withInline(manifestBytes, "inline", 0, altered);
                put(store, manifestKey, resealed);
                Verdict v = manifestDetected(reader, two.id());
                inlineSealed.result(v.detected, v.returned, "inline byte " + i + ": " + v.detail);

                put(store, "_latest", relinked(pointerBytes, StoredJson.sha256(resealed)));
                Checkpointer fresh = Workload.builder(loc.open()).build();
                Verdict r = artifactDetected(fresh, two.id(), "inline", 0, null);
                Checkpoint l = fresh.latest().block(Workload.TIMEOUT);
                boolean latestWrong = l == null || !l.manifest().id().equals(two.id()) || !artifactDetected(fresh, l, "inline", 0).detected;
                inlineRelinked.result(r.detected, r.returned || latestWrong, "inline byte " + i + ": " + r.detail
                        + (latestWrong ? "; latest() = " + (l == null ? null : l.manifest().id()) + " read without refusal" : ""));
                put(store, "_latest", pointerBytes);
            }
            put(store, manifestKey, manifestBytes);

            // The manifest, anywhere.
            flipAll(store, manifestKey, scaled(perKind, 2, 1), manifest, at -> manifestDetected(reader, two.id()));

            // The pointer: refused and reported; latest() still finds checkpoint 2, recovered from the manifests.
            flipAll(store, "_latest", scaled(perKind, 2, 1), latest, at -> pointerDetected(heard, reader, two));

            // Objects cut short.
            for (String key : List.of(multiKey, singleKey, sidecarKey, manifestKey, "_latest")) {
                byte[] original = read(store, key);
                int significant = original.length;
                while (significant > 0 && Character.isWhitespace(original[significant - 1])) {
                    significant--; // a manifest ends with a newline; dropping it changes nothing
                }
                for (int len : new int[] {0, 1, original.length / 2, significant - 1}) {
                    put(store, key, Arrays.copyOf(original, len));
                    Verdict v;
                    if (key.equals(manifestKey)) {
                        v = manifestDetected(reader, two.id());
                    } else if (key.equals("_latest")) {
                        v = pointerDetected(heard, reader, two);
                    } else if (key.equals(sidecarKey)) {
                        Verdict a = artifactDetected(reader, two.id(), "packed", 0, null);
                        Verdict b = artifactDetected(reader, two.id(), "packed", 1, null);
                        boolean p0Intact = len >= packed0;
                        v = new Verdict((p0Intact || a.detected) && b.detected, a.returned || b.returned, a.detail + "; " + b.detail);
                    } else {
                        v = artifactDetected(reader, two.id(), key.equals(multiKey) ? "multi" : "single", 0, null);
                    }
                    truncated.result(v.detected, v.returned, key + " cut to " + len + ": " + v.detail);
                }
                put(store, key, original);
            }

            // Memory only: corruption in transit (a flipped bit in a response), at random.
            if (loc instanceof MemoryTarget.MemoryLocation m) {
                Tally transit = new Tally("in transit: a bit flipped in 30% of responses (`FaultInjectingStore` `corruptReadRate`)",
                        "every read correct or IntegrityException");
                tallies.add(transit);
                Checkpoint c = reader.load(two.id()).block(Workload.TIMEOUT);
                FaultInjectingStore readerHandle = new FaultInjectingStore(m.open())
                        .inject(FaultInjectingStore.Plan.none().withCorruptReadRate(0.3).withSeed(4));
                Checkpoint viaFaulty = Workload.builder(readerHandle).build().load(two.id())
                        .onErrorResume(e -> Mono.empty()).block(Workload.TIMEOUT);
                Checkpoint target2 = viaFaulty != null ? viaFaulty : c;
                long wrong = 0;
                long refused = 0;
                long correct = 0;
                for (int i = 0; i < Scale.count(200); i++) {
                    for (String op : List.of("multi", "single", "packed")) {
                        Verdict v = artifactOrCorrect(target2, op);
                        if (v.returned) {
                            wrong++;
                        } else if (v.detected) {
                            refused++;
                        } else {
                            correct++;
                        }
                    }
                }
                transit.injected = refused + wrong;
                transit.detected = refused;
                transit.returned = wrong;
                section.table("In-transit corruption (memory)", "store", "reads", "correct", "refused with IntegrityException", "wrong bytes returned")
                        .row(target.name(), refused + wrong + correct, correct, refused, wrong);
                if (viaFaulty == null) {
                    section.describe("(The in-transit reads used a checkpoint loaded without faults: loading through the faulty handle was refused.)");
                }
            }

            // A lost pointer (corrupt, then missing): reads recover and report; saves are refused, writing nothing,
            // until the pointer is repaired (repairPointer(), or repairPointerOnSave(true)).
            Tally lostPointer = new Tally("_latest lost (corrupt, then missing): recovery, refusal, repair",
                    "reads recover and report; a save refused, nothing written; repairPointer() / repairPointerOnSave(true), then saves commit");
            tallies.add(lostPointer);
            pointerLossAndRepair(loc, two, lostPointer);

            Table table = section.table("Detection by kind of object", "store", "kind", "expected", "altered", "detected", "returned to the caller");
            boolean all = true;
            long injected = 0;
            for (Tally t : tallies) {
                table.row(target.name() + (mode.equals("exhaustive") ? " (every position)" : ""), t.kind, t.expected, t.injected,
                        Report.rate(t.detected, t.injected), t.returned);
                all &= t.detected == t.injected && t.returned == 0 && t.injected > 0;
                injected += t.injected;
            }
            List<String> problems = tallies.stream().flatMap(t -> t.problems.stream().map(p -> t.kind + ": " + p)).toList();
            String where = target.name() + (mode.equals("exhaustive") ? ", every position" : "");
            section.check("100% detected, never returned to the caller (read and stream) [" + where + "]", all,
                    String.format("%,d alterations over %d kinds of object", injected, tallies.size())
                            + (problems.isEmpty() ? "" : "; first problems: " + problems.subList(0, Math.min(3, problems.size()))));
            section.headline(where, String.format("%,d alterations, %s detected, %d returned", injected,
                    Report.rate(tallies.stream().mapToLong(t -> t.detected).sum(), injected), tallies.stream().mapToLong(t -> t.returned).sum()));
            assertThat(problems).isEmpty();
            assertThat(all).isTrue();
        }
        if (mode.equals("sampled")) {
            lostPointerProbes(target, section);
        }
    }

    /** What E1 was, how it is fixed, and its strict tests (for the results). */
    static final String E1 = "**A save whose publish found `_latest` missing escaped as `IllegalStateException`** (engine, "
            + "`Protocol.publish`). A running writer whose pointer was deleted (by an operator; or read as missing on GCS, G1) failed "
            + "with `java.lang.IllegalStateException: no pointer to publish on`, not a `CheckpointException`. Fixed: a publish that "
            + "finds its pointer lost (missing or corrupt) fails with `CheckpointException` `OUTCOME_UNKNOWN`: the manifest stays "
            + "prepared and whole, and a repair may make it the head. Strict tests: "
            + "`LostPointerTest.e1APointerDeletedBeforeThePublishFailsTheSaveWithAnUnknownOutcome`, R4's lost-pointer probes (every store).";
    /** What E2 was, how it was decided, and its strict tests (for the results). */
    static final String E2 = "**A writer running when `_latest` was lost reported its save as not committed, yet it could become the "
            + "head** (engine, `Protocol.publish`). A checkpointer whose cached view is its own last write does not read the pointer "
            + "before a save (that keeps a steady-state save at `L + 2` requests): it uploads and prepares its manifest, and only its "
            + "publish failed, with `CorruptMetadataException`; reads then recovered that whole manifest and `repairPointer()` made it "
            + "the head. Decided as designed (`docs/PROTOCOL.md`, \"What a lost pointer loses\"); fixed is the error: the publish "
            + "fails with `OUTCOME_UNKNOWN`, so the caller knows the checkpoint may still become the head. Strict tests: "
            + "`LostPointerTest.e2ASaveOfAWriterRunningWhenThePointerIsLostIsAnUnknownOutcomeAndTheLocationStaysWholeAndRepairable`, "
            + "R4's lost-pointer probes (every store).";
    /** What E3 was, how it is fixed, and its strict tests (for the results). */
    static final String E3 = "**A missing `_latest` over only the first checkpoint read as an empty location** (engine, "
            + "`Protocol`). Only manifests with a parent, tombstones and format-1 manifests counted as proof that a pointer had "
            + "existed, so `latest()` was empty with nothing reported, the next save began a new chain, and `prune()` deleted "
            + "checkpoint 1's manifest as garbage: a committed checkpoint lost (I2). Fixed: every manifest is prepared on an "
            + "existing pointer (a writer with an explicit epoch creates one first), so any manifest or tombstone without a pointer "
            + "means a lost pointer: recovered for reads and reported, writes refused until repaired. Strict tests: "
            + "`LostPointerTest.e3AMissingPointerOverOnlyTheFirstCheckpointIsRecoveredNotForgotten`, R4's lost-pointer probes "
            + "(every store), R5's catalogue (`begin()` on a missing pointer).";

    /**
     * Cases of a lost pointer that {@link #pointerLossAndRepair} (fresh checkpointers, two checkpoints) does not
     * cover, each on a location of its own, checked strictly (once defects E1 to E3, now fixed; their minimal tests
     * are in {@link LostPointerTest}). A writer that was running when the pointer was corrupted, or deleted, saves
     * again: a writer whose cached view is its own last write does not read the pointer first, so it prepares its
     * manifest and its publish fails with {@code OUTCOME_UNKNOWN} (the checkpoint may still become the head); a fresh
     * reader's {@code latest()} must then be checkpoint 2 or 3, whole and verified, {@code repairPointer()} must make
     * that checkpoint the head, and the next save must commit on it. And the pointer of a location holding only its
     * first checkpoint is deleted: reads must recover checkpoint 1 and report it, a save must be refused, and
     * {@code prune()} must keep it until {@code repairPointer()} makes it the head again.
     */
    private static void lostPointerProbes(StoreTarget target, Section section) {
        String where = target.name();
        Report.foundAndFixed("E1", E1);
        Report.foundAndFixed("E2", E2);
        Report.foundAndFixed("E3", E3);
        section.describe("""
                **Lost pointer under a running writer, and over a first checkpoint** (on a location of their own each). A \
                writer commits checkpoints 1 and 2, then `_latest` is corrupted (one byte of its body flipped), or deleted, \
                and the same writer saves 3: its cached view is its own last write, so it does not read the pointer first \
                (that keeps a steady-state save at `L + 2` requests); it prepares manifest 3, and its publish must fail \
                with `CheckpointException` `OUTCOME_UNKNOWN` (the checkpoint may still become the head, `docs/PROTOCOL.md`, \
                "What a lost pointer loses"). A fresh reader's `latest()` must then be checkpoint 2 or 3, whole and \
                verified, and reported to `onPointerRecovery`; `repairPointer()` must make that checkpoint the head, and a \
                fresh writer's next save must commit on it and verify. Then a location holding only its first checkpoint \
                loses `_latest`: `latest()` must recover checkpoint 1 and report it, a save must be refused with \
                `CorruptMetadataException`, `prune()` must keep checkpoint 1, and `repairPointer()` must make it the head.""");
        runningWriterOnALostPointer(target, section, "corrupted", store -> {
            byte[] bad = read(store, "_latest");
            bad[bad.length / 2] ^= 0x01;
            put(store, "_latest", bad);
        });
        runningWriterOnALostPointer(target, section, "deleted", store -> store.delete("_latest").block(Workload.TIMEOUT));
        try (Location loc = target.create("r4-first")) {
            Workload.builder(loc.open()).build().save(Workload.snapshot(1)).block(Workload.TIMEOUT);
            ObjectStore store = loc.open();
            store.delete("_latest").block(Workload.TIMEOUT);
            Heard heard = new Heard();
            Checkpointer fresh = Workload.builder(loc.open()).listener(heard).build();
            Checkpoint l = fresh.latest().block(Workload.TIMEOUT);
            long version = l == null ? -1 : Workload.verify(l);
            Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> fresh.save(Workload.snapshot(2)).block(Workload.TIMEOUT));
            Throwable pruned = org.assertj.core.api.Assertions.catchThrowable(() -> fresh.prune().block(Workload.TIMEOUT));
            boolean kept = loc.keys().contains(StoredJson.manifestKey(1));
            Manifest repaired = fresh.repairPointer().block(Workload.TIMEOUT);
            long after = Workload.verify(Workload.builder(loc.open()).build().latest().block(Workload.TIMEOUT));
            String evidence = "latest() " + (l == null ? "empty" : "version " + version + ", verified") + "; recoveries reported " + heard.recoveries
                    + "; a save " + (refused == null ? "committed" : "failed with " + refused.getClass().getSimpleName()) + "; prune() "
                    + (pruned == null ? "ran" : "failed with " + pruned.getClass().getSimpleName()) + (kept ? ", checkpoint 1 kept" : ", checkpoint 1 GONE")
                    + "; repairPointer() made " + (repaired == null ? null : repaired.id()) + " the head, version " + after + " verified";
            boolean ok = version == 1 && heard.recoveries.contains(CheckpointId.of(1)) && refused instanceof CorruptMetadataException && kept
                    && repaired != null && repaired.id().equals(CheckpointId.of(1)) && after == 1;
            section.check("a missing _latest over only the first checkpoint is recovered for reads and reported, writes refused, "
                    + "nothing swept, repairable [" + where + "]", ok, evidence);
            assertThat(ok).as(evidence).isTrue();
        }
    }

    /**
     * A writer commits 1 and 2, the pointer is lost ({@code lose}), the same writer saves 3: its save must fail with
     * {@code OUTCOME_UNKNOWN}, a fresh reader must recover checkpoint 2 or 3, whole, and {@code repairPointer()} must
     * make it the head of a writable location.
     */
    private static void runningWriterOnALostPointer(StoreTarget target, Section section, String how, java.util.function.Consumer<ObjectStore> lose) {
        try (Location loc = target.create("r4-running-" + how)) {
            Checkpointer w = Workload.builder(loc.open()).build();
            w.save(Workload.snapshot(1)).block(Workload.TIMEOUT);
            w.save(Workload.snapshot(2)).block(Workload.TIMEOUT);
            lose.accept(loc.open());
            Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> w.save(Workload.snapshot(3)).block(Workload.TIMEOUT));
            boolean unknown = t instanceof CheckpointException ce && ce.code() == dev.checkpointer.ErrorCode.OUTCOME_UNKNOWN
                    && String.valueOf(t.getMessage()).contains("repairPointer()");
            Heard heard = new Heard();
            Checkpointer fresh = Workload.builder(loc.open()).listener(heard).build();
            Checkpoint l = fresh.latest().block(Workload.TIMEOUT);
            long version = l == null ? -1 : Workload.verify(l); // whole, whatever it is
            boolean recovered = l != null && (version == 2 || version == 3) && l.manifest().id().value() == version
                    && heard.recoveries.contains(l.manifest().id());
            Manifest repaired = fresh.repairPointer().block(Workload.TIMEOUT);
            boolean repairedSame = l != null && l.manifest().equals(repaired);
            Manifest next = Workload.builder(loc.open()).build().save(Workload.snapshot(4)).block(Workload.TIMEOUT);
            long head = Workload.verify(Workload.builder(loc.open()).build().latest().block(Workload.TIMEOUT));
            boolean writable = repaired != null && next.id().value() > version
                    && next.parent().map(Manifest.Link::id).equals(java.util.Optional.of(repaired.id())) && head == 4;
            String evidence = "the running writer's save " + (t == null ? "committed" : "failed with " + t.getClass().getSimpleName()
                    + (t instanceof CheckpointException ce ? " " + ce.code() : "")) + "; a fresh reader's latest() is "
                    + (l == null ? "empty" : "checkpoint " + l.manifest().id() + ", version " + version + ", verified") + ", recoveries reported "
                    + heard.recoveries + "; repairPointer() made " + (repaired == null ? null : repaired.id()) + " the head; the next save committed "
                    + next.id() + ", latest() version " + head + " verified";
            boolean ok = unknown && recovered && repairedSame && writable;
            section.check("a running writer's save on a " + how + " _latest is an unknown outcome; the location stays whole and repairable ["
                    + target.name() + "]", ok, evidence);
            assertThat(ok).as(evidence).isTrue();
        }
    }

    /**
     * The pointer corrupted, then deleted, with checkpoints 1 and 2 committed. Corrupt: a fresh reader's
     * {@code latest()} and {@code list()} recover checkpoint 2 and report it ({@code onPointerRecovery}); a fresh
     * writer's save is refused with {@code CorruptMetadataException} naming the repair, and the location's keys stay as
     * they were; {@code repairPointer()} makes checkpoint 2 the head again (format 2, same epoch and floor), and the
     * next save commits 3. Missing: reads recover checkpoint 3; a writer with {@code repairPointerOnSave(true)}
     * repairs and commits 4; {@code list()} is 1 to 4.
     */
    private static void pointerLossAndRepair(Location loc, Manifest two, Tally tally) {
        ObjectStore store = loc.open();
        byte[] original = read(store, "_latest");
        StoredJson.PointerFields before = StoredJson.pointer(original);
        List<String> why = new ArrayList<>();
        boolean wrongReturned = false;

        byte[] bad = original.clone();
        bad[bad.length / 2] ^= 0x01; // inside the pointer's body: its bodySha256 no longer matches
        put(store, "_latest", bad);
        List<String> keys = loc.keys();
        Heard heard = new Heard();
        Checkpointer fresh = Workload.builder(loc.open()).listener(heard).build();
        Checkpoint l = fresh.latest().block(Workload.TIMEOUT);
        if (l == null || !l.manifest().equals(two) || Workload.verify(l) != 2) {
            wrongReturned = true;
            why.add("corrupt pointer: latest() = " + (l == null ? null : l.manifest().id()));
        }
        List<Long> listed = fresh.list().map(m -> m.id().value()).collectList().block(Workload.TIMEOUT);
        if (!listed.equals(List.of(1L, 2L))) {
            why.add("corrupt pointer: list() = " + listed);
        }
        if (heard.recoveries.isEmpty() || !heard.recoveries.stream().allMatch(two.id()::equals)) {
            why.add("corrupt pointer: recoveries reported " + heard.recoveries);
        }
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> fresh.save(Workload.snapshot(3)).block(Workload.TIMEOUT));
        if (!(refused instanceof CorruptMetadataException) || !String.valueOf(refused.getMessage()).contains("repair")) {
            why.add("corrupt pointer: save not refused as expected: " + refused);
        }
        if (!Workload.await(() -> loc.keys().equals(keys), java.time.Duration.ofSeconds(5))) {
            why.add("corrupt pointer: the refused save changed the location: " + loc.keys().size() + " keys, " + keys.size() + " before");
        }
        Manifest repaired = fresh.repairPointer().block(Workload.TIMEOUT);
        StoredJson.PointerFields after = StoredJson.pointer(store);
        // The repaired floor may be the chain's lowest member (1) where the lost pointer said 0 (nothing expired): the same.
        if (repaired == null || !repaired.equals(two) || after.format() != 2 || after.id() != 2 || after.epoch() != before.epoch()
                || after.floor() < before.floor() || after.floor() > 1) {
            why.add("repairPointer() returned " + (repaired == null ? null : repaired.id()) + ", pointer now " + after + " (format " + after.format()
                    + "), was " + before);
        }
        Manifest three = fresh.save(Workload.snapshot(3)).block(Workload.TIMEOUT);
        if (three.id().value() != 3 || Workload.verify(fresh.latest().block(Workload.TIMEOUT)) != 3) {
            why.add("after repairPointer() the save committed " + three.id());
        }

        store.delete("_latest").block(Workload.TIMEOUT);
        heard.clear();
        Checkpointer reader = Workload.builder(loc.open()).listener(heard).build();
        Checkpoint l3 = reader.latest().block(Workload.TIMEOUT);
        if (l3 == null || Workload.verify(l3) != 3) {
            wrongReturned = true;
            why.add("missing pointer: latest() = " + (l3 == null ? null : l3.manifest().id()));
        }
        if (!heard.recoveries.contains(three.id())) {
            why.add("missing pointer: recoveries reported " + heard.recoveries);
        }
        Checkpointer repairing = Workload.builder(loc.open()).repairPointerOnSave(true).build();
        Manifest four = repairing.save(Workload.snapshot(4)).block(Workload.TIMEOUT);
        List<Long> all = Workload.builder(loc.open()).build().list().map(m -> m.id().value()).collectList().block(Workload.TIMEOUT);
        if (four.id().value() != 4 || !all.equals(List.of(1L, 2L, 3L, 4L)) || StoredJson.pointer(store).id() != 4) {
            why.add("missing pointer: repairPointerOnSave(true) committed " + four.id() + ", list() " + all);
        }
        tally.injected = 2;
        tally.detected = why.isEmpty() ? 2 : 0;
        tally.returned = wrongReturned ? 1 : 0;
        tally.problems.addAll(why);
    }

    /** What one alteration led to. */
    private record Verdict(boolean detected, boolean returned, String detail) {}

    private interface Check {
        Verdict at(int position);
    }

    private static void flipAll(ObjectStore store, String key, int n, Tally tally, Check check) {
        byte[] original = read(store, key);
        for (int i : positions(original.length, n)) {
            byte[] bad = original.clone();
            bad[i] ^= (byte) MASKS[i % MASKS.length];
            put(store, key, bad);
            Verdict v = check.at(i);
            tally.result(v.detected, v.returned, key + " byte " + i + ": " + v.detail);
        }
        put(store, key, original);
    }

    /** {@code n * num / den}, at least 1, saturating at {@code Integer.MAX_VALUE} (the exhaustive run passes that). */
    private static int scaled(int n, int num, int den) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (long) n * num / den));
    }

    /** {@code n} positions spread evenly over {@code [0, length)}, first and last included; all of them when n >= length. */
    static int[] positions(int length, int n) {
        if (n >= length) {
            int[] all = new int[length];
            Arrays.setAll(all, i -> i);
            return all;
        }
        IntFunction<Integer> at = i -> (int) ((long) i * (length - 1) / Math.max(1, n - 1));
        return java.util.stream.IntStream.range(0, n).map(i -> at.apply(i)).distinct().toArray();
    }

    private static byte[] read(ObjectStore store, String key) {
        return store.get(key, ByteRange.ALL).flatMap(c -> Buffers.join(c.body())).block(Workload.TIMEOUT);
    }

    private static void put(ObjectStore store, String key, byte[] bytes) {
        store.put(key, Payload.of(bytes), PutOptions.none()).block(Workload.TIMEOUT);
    }

    /**
     * The manifest file with one inlined partition's bytes replaced (same length, so its size stays; its SHA-256 is
     * left as it was, as an attacker who cannot invert it would), re-sealed: the body edited as a Jackson tree and
     * {@code bodySha256} recomputed over the new body's bytes.
     */
    private static byte[] withInline(byte[] file, String operator, int partition, byte[] bytes) {
        com.fasterxml.jackson.databind.node.ObjectNode body = StoredJson.bodyTree(file);
        boolean found = false;
        for (com.fasterxml.jackson.databind.JsonNode e : body.withArray("partitions")) {
            if (e.path("operator").asText().equals(operator) && e.path("partition").asInt(-1) == partition) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) e).put("inline", Base64.getEncoder().encodeToString(bytes)).put("size", bytes.length);
                found = true;
            }
        }
        assertThat(found).as("inline partition %s/%d in the manifest", operator, partition).isTrue();
        return StoredJson.seal(StoredJson.MANIFEST, body);
    }

    /** The pointer file with its head's manifest digest replaced, re-sealed (body edited with Jackson, bodySha256 recomputed). */
    private static byte[] relinked(byte[] pointerFile, String manifestSha256) {
        com.fasterxml.jackson.databind.node.ObjectNode body = StoredJson.bodyTree(pointerFile);
        body.put("manifestSha256", manifestSha256);
        return StoredJson.seal(StoredJson.POINTER, body);
    }

    /** What a reader's listener heard: pointer recoveries and corrupt checkpoints, cleared by each check. */
    static final class Heard implements dev.checkpointer.CheckpointListener {
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

        void clear() {
            recoveries.clear();
            corrupt.clear();
        }
    }

    /** The expected bytes of a partition of checkpoint 2. */
    private static byte[] expected(String operator, int partition) {
        for (var p : Workload.snapshot(2).partitions()) {
            if (p.operator().equals(operator) && p.partition() == partition) {
                return Buffers.join(p.payload().content()).block(Workload.TIMEOUT);
            }
        }
        throw new IllegalArgumentException(operator + "/" + partition);
    }

    private static Verdict artifactDetected(Checkpointer reader, CheckpointId id, String operator, int partition, int[] intactSiblings) {
        Checkpoint c;
        try {
            c = reader.load(id).block(Workload.TIMEOUT);
        } catch (CheckpointException e) {
            return new Verdict(false, false, "load failed: " + e);
        }
        Verdict v = artifactDetected(reader, c, operator, partition);
        if (intactSiblings != null) {
            for (int other : intactSiblings) {
                byte[] got = Buffers.toArray(c.read(operator, other).block(Workload.TIMEOUT));
                if (!Arrays.equals(got, expected(operator, other))) {
                    return new Verdict(v.detected, true, "the untouched partition " + operator + "/" + other + " read wrong bytes");
                }
            }
        }
        return v;
    }

    private static Verdict artifactDetected(Checkpointer reader, Checkpoint c, String operator, int partition) {
        byte[] want = expected(operator, partition);
        boolean readRefused;
        boolean readReturned = false;
        String detail;
        try {
            byte[] got = Buffers.toArray(c.read(operator, partition).block(Workload.TIMEOUT));
            readRefused = false;
            readReturned = !Arrays.equals(got, want);
            detail = readReturned ? "read returned altered bytes" : "read returned the right bytes";
        } catch (IntegrityException e) {
            readRefused = true;
            detail = "read: IntegrityException";
        } catch (RuntimeException e) {
            readRefused = false;
            detail = "read: " + e;
        }
        boolean streamRefused;
        boolean streamReturned = false;
        try {
            byte[] got = Buffers.join(c.stream(operator, partition)).block(Workload.TIMEOUT);
            streamRefused = false;
            streamReturned = !Arrays.equals(got, want);
            detail += streamReturned ? "; stream completed with altered bytes" : "; stream completed";
        } catch (IntegrityException e) {
            streamRefused = true;
            detail += "; stream: IntegrityException";
        } catch (RuntimeException e) {
            streamRefused = false;
            detail += "; stream: " + e;
        }
        return new Verdict(readRefused && streamRefused, readReturned || streamReturned, detail);
    }

    /** One read of a partition through a store that may corrupt responses. */
    private static Verdict artifactOrCorrect(Checkpoint c, String operator) {
        byte[] want = expected(operator, 0);
        try {
            byte[] got = Buffers.toArray(c.read(operator, 0).block(Workload.TIMEOUT));
            return Arrays.equals(got, want) ? new Verdict(false, false, "correct") : new Verdict(false, true, "wrong bytes");
        } catch (IntegrityException e) {
            return new Verdict(true, false, "refused");
        }
    }

    private static Verdict manifestDetected(Checkpointer reader, CheckpointId id) {
        boolean refused;
        String detail;
        try {
            reader.load(id).block(Workload.TIMEOUT);
            refused = false;
            detail = "load succeeded";
        } catch (CorruptMetadataException | IncompatibleCheckpointException e) {
            refused = true;
            detail = "load: " + e.getClass().getSimpleName();
        } catch (RuntimeException e) {
            refused = false;
            detail = "load: " + e;
        }
        Checkpoint l = reader.latest().block(Workload.TIMEOUT);
        boolean latestOk = l != null && l.manifest().id().value() == 1; // checkpoint 1 is never touched: its id suffices
        boolean listed = reader.list().any(m -> m.id().equals(id)).block(Workload.TIMEOUT);
        return new Verdict(refused && latestOk && !listed, l != null && l.manifest().id().equals(id),
                detail + "; latest() = " + (l == null ? null : l.manifest().id()) + "; listed: " + listed);
    }

    private static Verdict pointerDetected(Heard heard, Checkpointer reader, Manifest expected) {
        heard.clear();
        Checkpoint l = reader.latest().block(Workload.TIMEOUT);
        boolean reported = !heard.recoveries.isEmpty() && heard.recoveries.stream().allMatch(expected.id()::equals);
        boolean right = l != null && l.manifest().equals(expected) && Workload.verify(l) == Workload.versionOf(expected);
        return new Verdict(reported && right, !right, "recoveries reported: " + heard.recoveries + "; latest() = " + (l == null ? null : l.manifest().id()));
    }
}

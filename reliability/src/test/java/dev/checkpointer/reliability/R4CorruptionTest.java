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
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.internal.ManifestCodec;
import dev.checkpointer.internal.Pointer;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.memory.Faults;
import dev.checkpointer.store.memory.MemoryObjectStore;
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
                `IncompatibleCheckpointException`), `latest()` returns checkpoint 1 verified and `list()` omits 2; for \
                `_latest`, `Pointer.decode` refuses it and `latest()` still returns checkpoint 2 verified. *Returned* \
                counts any wrong byte handed over: a `read` that succeeded with other bytes, a `stream` that \
                completed, or `latest()` returning an altered checkpoint."""
                .formatted(Scale.count(PER_KIND), Scale.count(EMULATOR_PER_KIND)));
        try (Location loc = target.create("r4")) {
            ObjectStore store = loc.open();
            Checkpointer writer = Workload.builder(store).build();
            writer.save(Workload.snapshot(1)).block(Workload.TIMEOUT);
            Manifest two = writer.save(Workload.snapshot(2)).block(Workload.TIMEOUT);
            Checkpointer reader = Workload.builder(loc.open()).build();
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
            Tally inlineSealed = new Tally("inlined state altered, manifest re-sealed with a valid envelope", "IntegrityException on read and stream");
            Tally manifest = new Tally("manifest (anywhere in the file)", "CorruptMetadataException / IncompatibleCheckpointException; latest() = 1");
            Tally latest = new Tally("_latest pointer", "CorruptMetadataException from Pointer.decode; latest() = 2, verified");
            Tally truncated = new Tally("truncated object (artifact, sidecar, manifest, _latest; 4 lengths each)", "as for a flipped byte");
            tallies.addAll(List.of(multi, single, sidecar, inlineFlip, inlineSealed, manifest, latest, truncated));

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

            // Inlined state altered by someone who re-sealed the envelope: the partition's SHA-256 refuses it.
            Manifest decoded = ManifestCodec.decode(manifestKey, manifestBytes, null);
            byte[] state = Base64.getDecoder().decode(inline);
            for (int i : positions(state.length, scaled(perKind, 2, 3))) {
                byte[] altered = state.clone();
                altered[i] ^= (byte) MASKS[i % MASKS.length];
                put(store, manifestKey, ManifestCodec.encode(withInline(decoded, "inline", 0, altered)));
                Verdict v = artifactDetected(reader, two.id(), "inline", 0, null);
                Checkpoint l = reader.latest().block(Workload.TIMEOUT);
                boolean latestWrong = false;
                if (l != null && l.manifest().id().equals(two.id())) {
                    // latest() may return the re-sealed manifest (see the note below), but never its altered bytes.
                    latestWrong = !artifactDetected(reader, l, "inline", 0).detected;
                }
                inlineSealed.result(v.detected, v.returned || latestWrong, "inline byte " + i + ": " + v.detail);
            }
            put(store, manifestKey, manifestBytes);

            // The manifest, anywhere.
            flipAll(store, manifestKey, scaled(perKind, 2, 1), manifest, at -> manifestDetected(reader, two.id()));

            // The pointer: refused, and latest() still finds checkpoint 2 by listing.
            flipAll(store, "_latest", scaled(perKind, 2, 1), latest, at -> pointerDetected(store, reader, two));

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
                        v = pointerDetected(store, reader, two);
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
                Tally transit = new Tally("in transit: a bit flipped in 30% of responses (memory store `corruptReadRate`)",
                        "every read correct or IntegrityException");
                tallies.add(transit);
                Checkpoint c = reader.load(two.id()).block(Workload.TIMEOUT);
                MemoryObjectStore readerHandle = m.open();
                readerHandle.injectFaults(Faults.none().withCorruptReadRate(0.3).withSeed(4));
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
            section.describe("Note: a manifest re-sealed with a valid envelope (only a writer that bypasses the engine produces one) no longer "
                    + "matches the digest in `_latest`; `latest()` reports it to `onCorruptCheckpoint` and then, falling back to listing, "
                    + "may still return that checkpoint, because a manifest that decodes is accepted there. Its altered partition is refused "
                    + "at read by the partition's SHA-256, so no altered byte reaches the caller.");
            assertThat(problems).isEmpty();
            assertThat(all).isTrue();
        }
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

    private static Manifest withInline(Manifest m, String operator, int partition, byte[] bytes) {
        List<PartitionEntry> entries = new ArrayList<>();
        for (PartitionEntry e : m.partitions()) {
            entries.add(e.operator().equals(operator) && e.partition() == partition
                    ? new PartitionEntry(e.operator(), e.partition(), e.kind(), null, 0, bytes.length, e.sha256(), Base64.getEncoder().encodeToString(bytes))
                    : e);
        }
        return new Manifest(m.formatVersion(), m.id(), m.epoch(), m.createdAt(), m.writerId(), entries, m.offsets(), m.sinkEpochs(),
                m.watermarks(), m.fingerprint(), m.metadata());
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

    private static Verdict pointerDetected(ObjectStore store, Checkpointer reader, Manifest expected) {
        boolean refused;
        try {
            Pointer.decode("_latest", read(store, "_latest"));
            refused = false;
        } catch (CorruptMetadataException e) {
            refused = true;
        }
        Checkpoint l = reader.latest().block(Workload.TIMEOUT);
        boolean right = l != null && l.manifest().equals(expected); // the untouched manifest, which verified when it was loaded
        return new Verdict(refused && right, !right, "decode refused: " + refused + "; latest() = " + (l == null ? null : l.manifest().id()));
    }
}

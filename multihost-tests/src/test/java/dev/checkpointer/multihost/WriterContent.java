package dev.checkpointer.multihost;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The state a writer saves in round (or step) {@code n}: every partition's bytes are a pure function of
 * (writer, round, operator, partition), and the manifest's metadata names writer and round, so any process can tell
 * from a manifest alone which bytes each of its partitions must hold.
 *
 * <p>Two shapes: {@link Shape#RACE} (two inline partitions, two just above the 64 KiB inline threshold, i.e.
 * stored objects) and {@link Shape#CHAOS} (one of each, plus one partition large enough to go multipart when the
 * checkpointer's {@code multipartThreshold} is {@value #MULTIPART_THRESHOLD} bytes).
 */
final class WriterContent {
    /** Metadata key: the writer's name. */
    static final String WRITER = "writer";
    /** Metadata key: the writer's round (or step) number. */
    static final String ROUND = "round";
    /** Metadata key: how the checkpoint was made ({@code save} or {@code commit}). */
    static final String HOW = "how";
    /** What the chaos processes configure as {@code multipartThreshold}. */
    static final long MULTIPART_THRESHOLD = 128 * 1024;
    /** What the chaos processes configure as {@code partSize} (the file store's parts; S3 raises it to 5 MiB). */
    static final long PART_SIZE = 64 * 1024;

    private static final int INLINE = 64 * 1024;

    /** One partition of a shape: its name, and its size in a given round ({@code base} plus up to {@code spread} bytes). */
    record Part(String operator, int partition, int base, int spread) {
        int size(long round) {
            return base + (int) Math.floorMod(round * 7919L + partition * 131L, (long) spread);
        }
    }

    enum Shape {
        /** Inline: {@code meta/0}, {@code meta/1}; stored: {@code state/0}, {@code state/1}. */
        RACE(List.of(new Part("meta", 0, 100, 900), new Part("meta", 1, 2000, 6000),
                new Part("state", 0, INLINE + 1, 30_000), new Part("state", 1, INLINE + 4096, 20_000))),
        /** Inline {@code meta/0}, stored {@code state/0}, and {@code big/0}: 2.5 to 5 times the multipart threshold. */
        CHAOS(List.of(new Part("meta", 0, 100, 900), new Part("state", 0, INLINE + 1, 30_000),
                new Part("big", 0, (int) (2.5 * MULTIPART_THRESHOLD), (int) (2.5 * MULTIPART_THRESHOLD))));

        final List<Part> parts;

        Shape(List<Part> parts) {
            this.parts = parts;
        }
    }

    private WriterContent() {}

    /** The bytes of one partition; pure. */
    static byte[] bytes(String writer, long round, String operator, int partition, int size) {
        long seed = (long) writer.hashCode() * 1_000_003L + round;
        return Content.bytes(seed, operator, partition, size);
    }

    /** A snapshot of {@code shape} for (writer, round), with explicit epoch when {@code epoch > 0}. */
    static Snapshot snapshot(Shape shape, String writer, long round, long epoch) {
        Snapshot.Builder b = Snapshot.builder()
                .metadata(WRITER, writer)
                .metadata(ROUND, Long.toString(round))
                .metadata(HOW, "save");
        if (epoch > 0) {
            b.epoch(epoch);
        }
        for (Part p : shape.parts) {
            b.partition(p.operator(), p.partition(), Payload.of(bytes(writer, round, p.operator(), p.partition(), p.size(round))));
        }
        return b.build();
    }

    /** The metadata a many-hosts commit of (writer, round) carries. */
    static CheckpointMetadata commitMetadata(String writer, long round, long epoch) {
        CheckpointMetadata.Builder b = CheckpointMetadata.builder()
                .metadata(WRITER, writer)
                .metadata(ROUND, Long.toString(round))
                .metadata(HOW, "commit");
        if (epoch > 0) {
            b.epoch(epoch);
        }
        return b.build();
    }

    /**
     * A digest of what a manifest says: id, epoch, writer id, creation time, metadata, and every partition's name,
     * kind, size and SHA-256 (not where the bytes live). Equal digests: the same manifest.
     */
    static String digest(Manifest m) {
        StringBuilder s = new StringBuilder();
        s.append(m.id()).append('|').append(m.epoch()).append('|').append(m.writerId()).append('|').append(m.createdAt()).append('|');
        new TreeMap<>(m.metadata()).forEach((k, v) -> s.append(k).append('=').append(v).append(';'));
        m.partitions().stream().sorted(Comparator.comparing(PartitionEntry::operator).thenComparingInt(PartitionEntry::partition))
                .forEach(e -> s.append('|').append(e.operator()).append('/').append(e.partition()).append(' ').append(e.kind())
                        .append(' ').append(e.size()).append(' ').append(e.sha256()));
        return Content.sha256(Content.utf8(s.toString()));
    }

    /**
     * Reads every partition of a checkpoint (each read is checked against its SHA-256 by the library) and compares
     * the bytes with what the writer its metadata names wrote in that round.
     *
     * @return the problems found; empty when the checkpoint is whole and holds exactly the expected state
     */
    static List<String> check(Checkpoint c, Shape shape) {
        Manifest m = c.manifest();
        List<String> problems = new ArrayList<>();
        String writer = m.metadata().get(WRITER);
        String round = m.metadata().get(ROUND);
        if (writer == null || round == null) {
            return List.of("checkpoint " + m.id() + " has no writer/round in its metadata: " + m.metadata());
        }
        long r = Long.parseLong(round);
        Map<String, Part> expected = new TreeMap<>();
        shape.parts.forEach(p -> expected.put(p.operator() + "/" + p.partition(), p));
        for (PartitionEntry e : m.partitions()) {
            Part p = expected.remove(e.name());
            if (p == null) {
                problems.add("checkpoint " + m.id() + " has an unexpected partition " + e.name());
                continue;
            }
            byte[] want = bytes(writer, r, p.operator(), p.partition(), p.size(r));
            byte[] got;
            try {
                got = c.read(e.operator(), e.partition()).map(Buffers::toArray).block(Wire.TIMEOUT);
            } catch (RuntimeException ex) {
                problems.add("checkpoint " + m.id() + " (" + writer + " round " + r + "): reading " + e.name() + " failed: "
                        + ex.getClass().getSimpleName() + ": " + Wire.oneLine(ex));
                continue;
            }
            if (got == null || !Arrays.equals(got, want)) {
                problems.add("checkpoint " + m.id() + " (" + writer + " round " + r + "): " + e.name() + " holds "
                        + (got == null ? "nothing" : got.length + " bytes (sha " + Content.sha256(got) + ")") + ", expected "
                        + want.length + " bytes (sha " + Content.sha256(want) + ")");
            }
        }
        if (!expected.isEmpty()) {
            problems.add("checkpoint " + m.id() + " lacks partitions " + expected.keySet());
        }
        return problems;
    }
}

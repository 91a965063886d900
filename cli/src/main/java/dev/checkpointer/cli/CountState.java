package dev.checkpointer.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The demo's operator state: clicks per user, one map per partition of the {@code counts} operator, plus the next
 * source offset of each partition. Only the pipeline's serialized processing path touches it, so a snapshot taken
 * there has counts and offsets from the same point in the stream.
 */
final class CountState {
    /** The operator name in checkpoints. */
    static final String OPERATOR = "counts";

    private final List<Map<String, Long>> counts = new ArrayList<>();
    private final long[] next;
    private final long[] end;

    private CountState(ClickSource source) {
        int n = source.partitions();
        this.next = new long[n];
        this.end = new long[n];
        for (int p = 0; p < n; p++) {
            counts.add(new HashMap<>());
            end[p] = source.size(p);
        }
    }

    /** Empty state at offset 0 of every partition. */
    static CountState fresh(ClickSource source) {
        return new CountState(source);
    }

    /**
     * The state of a checkpoint: every partition's counts (read and SHA-256 verified by the library) and offsets.
     *
     * @throws IllegalStateException when the checkpoint does not hold what this source needs
     */
    static CountState restore(ClickSource source, Checkpoint checkpoint, Duration timeout) {
        CountState s = new CountState(source);
        Manifest m = checkpoint.manifest();
        Map<String, String> offsets = m.offsets().get(ClickSource.NAME);
        if (offsets == null) {
            throw new IllegalStateException("checkpoint " + m.id() + " has no offsets for source '" + ClickSource.NAME + "'");
        }
        for (int p = 0; p < s.next.length; p++) {
            ByteBuffer bytes = Objects.requireNonNull(checkpoint.read(OPERATOR, p).block(timeout));
            s.counts.set(p, decode(bytes));
            String o = offsets.get(Integer.toString(p));
            if (o == null) {
                throw new IllegalStateException("checkpoint " + m.id() + " has no offset for partition " + p);
            }
            s.next[p] = Long.parseLong(o);
        }
        return s;
    }

    /**
     * Counts one click. Offsets must arrive in order without gaps or repeats: a resumed pipeline that skipped or
     * repeated an event fails here at once.
     */
    void apply(ClickSource.Click c) {
        int p = c.partition();
        if (c.offset() != next[p]) {
            throw new IllegalStateException("partition " + p + " expected offset " + next[p] + " but got " + c.offset()
                    + (c.offset() > next[p] ? " (events lost)" : " (events counted twice)"));
        }
        counts.get(p).merge(c.user(), 1L, Long::sum);
        next[p]++;
    }

    /** Whether every partition has been read to its end. */
    boolean consumedAll() {
        for (int p = 0; p < next.length; p++) {
            if (next[p] < end[p]) {
                return false;
            }
        }
        return true;
    }

    int partitions() {
        return next.length;
    }

    long offset(int partition) {
        return next[partition];
    }

    /** Events counted so far (the sum of the offsets). */
    long position() {
        long sum = 0;
        for (long n : next) {
            sum += n;
        }
        return sum;
    }

    /**
     * A snapshot of this state, capturing counts and offsets now (the bytes are copies: later events do not change
     * them).
     */
    Snapshot snapshot(String fingerprint, Map<String, String> metadata) {
        Snapshot.Builder b = Snapshot.builder().fingerprint(fingerprint);
        Map<String, String> offsets = new TreeMap<>();
        for (int p = 0; p < next.length; p++) {
            b.partition(OPERATOR, p, Payload.of(encode(counts.get(p))));
            offsets.put(Integer.toString(p), Long.toString(next[p]));
        }
        b.offsets(ClickSource.NAME, offsets);
        metadata.forEach(b::metadata);
        return b.build();
    }

    /** Clicks per user over all partitions (each user lives in one partition). */
    Map<String, Long> totals() {
        Map<String, Long> all = new TreeMap<>();
        counts.forEach(all::putAll);
        return all;
    }

    /** One partition's counts as UTF-8 lines {@code user count}, sorted by user. */
    static byte[] encode(Map<String, Long> counts) {
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(counts).forEach((user, n) -> sb.append(user).append(' ').append(n).append('\n'));
        return sb.toString().getBytes(UTF_8);
    }

    static Map<String, Long> decode(ByteBuffer bytes) {
        Map<String, Long> out = new HashMap<>();
        for (String line : UTF_8.decode(bytes.duplicate()).toString().split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            out.put(line.substring(0, sp), Long.parseLong(line.substring(sp + 1)));
        }
        return out;
    }
}

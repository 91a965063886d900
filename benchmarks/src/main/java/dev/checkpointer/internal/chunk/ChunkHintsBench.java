package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;

/**
 * P8h: the chunking part of P8. {@value #PARTITIONS} partitions of 16 MiB are saved once (their chunks become the
 * hints), then 1% of the bytes change at random places, and the changed state is cut again with the parent's chunks
 * as boundary hints (FastCDC, 1 MiB average, SHA-256 of every chunk), against raw SHA-256 of the same bytes (P8's
 * hashing ideal), both on one thread. The input arrives as 1 MiB read-only buffers, as a payload's content does.
 *
 * <p>The edits: sites at random places in the whole state, each overwriting its share of the 1%, half of them
 * also inserting 64 B to 4 KiB at their start. {@link Grouped} (P8h) puts the 1% in 4 sites (16 per GiB): what P7's
 * 0.03 of uploaded bytes allows with 1 MiB chunks, since each site changes one or two whole chunks. {@link Spread}
 * (P8hs) puts it in 64 sites, 4 per partition: about a quarter of the chunks change, and each changed chunk is
 * scanned as without hints, so it shows how the cost grows with the number of sites.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ChunkHintsBench {
    static final int PARTITIONS = 16;
    static final int PARTITION = 16 << 20;

    /** The changed state and the parent's chunks of each partition. */
    public abstract static class Edited {
        final List<byte[]> data = new ArrayList<>();
        final List<List<Chunker.Hint>> hints = new ArrayList<>();

        void init(int sites) {
            Random r = new Random(8);
            List<byte[]> parents = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                byte[] parent = new byte[PARTITION];
                r.nextBytes(parent);
                hints.add(FastCdc.chunks(Flux.just(ByteBuffer.wrap(parent)), ChunkSizes.DEFAULT)
                        .map(c -> new Chunker.Hint(c.sha256(), c.length())).collectList().block());
                parents.add(parent);
            }
            int[] sitesIn = new int[PARTITIONS];
            for (int s = 0; s < sites; s++) {
                sitesIn[r.nextInt(PARTITIONS)]++;
            }
            int perSite = sites == 0 ? 0 : (int) ((long) PARTITIONS * PARTITION / 100 / sites);
            for (int p = 0; p < PARTITIONS; p++) {
                data.add(edited(parents.get(p), sitesIn[p], perSite, r));
            }
        }
    }

    /** 1% of the bytes changed at 4 sites: P7's pattern. */
    @State(Scope.Benchmark)
    public static class Grouped extends Edited {
        /** Builds the state. */
        @Setup(Level.Trial)
        public void setup() {
            init(4);
        }
    }

    /** 1% of the bytes changed at 64 sites. */
    @State(Scope.Benchmark)
    public static class Spread extends Edited {
        /** Builds the state. */
        @Setup(Level.Trial)
        public void setup() {
            init(64);
        }
    }

    /** {@code sites} overwrites of {@code perSite} bytes at random places, half also inserting 64 B to 4 KiB. */
    static byte[] edited(byte[] parent, int sites, int perSite, Random r) {
        byte[] out = parent;
        for (int s = 0; s < sites; s++) {
            byte[] patch = new byte[perSite];
            r.nextBytes(patch);
            int where = r.nextInt(out.length - perSite);
            System.arraycopy(patch, 0, out, where, perSite);
            if (r.nextBoolean()) {
                byte[] insert = new byte[64 + r.nextInt(4096 - 64)];
                r.nextBytes(insert);
                byte[] longer = new byte[out.length + insert.length];
                System.arraycopy(out, 0, longer, 0, where);
                System.arraycopy(insert, 0, longer, where, insert.length);
                System.arraycopy(out, where, longer, where + insert.length, out.length - where);
                out = longer;
            }
        }
        return out;
    }

    static List<ByteBuffer> buffers(byte[] partition) {
        List<ByteBuffer> out = new ArrayList<>();
        for (int at = 0; at < partition.length; at += 1 << 20) {
            out.add(ByteBuffer.wrap(partition, at, Math.min(1 << 20, partition.length - at)).slice().asReadOnlyBuffer());
        }
        return out;
    }

    /** Baseline: SHA-256 of every partition from its array. */
    static int rawSha256(Edited state) {
        int x = 0;
        for (byte[] p : state.data) {
            MessageDigest md = sha256();
            md.update(p);
            x += md.digest()[0];
        }
        return x;
    }

    /**
     * Subject: cut every partition into chunks, each with its SHA-256, with the parent's chunks as hints, read where
     * it lies as the engine does for a partition given as an array (a chunk a hint matched comes without its bytes).
     */
    static long chunkWithHints(Edited state, FastCdc.Stats stats) {
        long n = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            byte[] data = state.data.get(p);
            n += FastCdc.chunks(data, 0, data.length, ChunkSizes.DEFAULT, state.hints.get(p), stats, false).count().block();
        }
        return n;
    }

    /** Subject: as {@link #chunkWithHints}, from 1 MiB read-only buffers, as for a streamed partition (a file, a Flux). */
    static long chunkStreamedWithHints(Edited state, FastCdc.Stats stats) {
        long n = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            n += FastCdc.chunks(Flux.fromIterable(buffers(state.data.get(p))), ChunkSizes.DEFAULT, state.hints.get(p), stats, false).count().block();
        }
        return n;
    }

    /**
     * P8h paired with its baseline, iteration by iteration.
     *
     * @param turn whose turn
     * @param state the state
     * @return something to consume
     */
    @Benchmark
    public Object p8h(dev.checkpointer.benchmarks.Turn turn, Grouped state) {
        return turn.subject() ? chunkWithHints(state, new FastCdc.Stats()) : rawSha256(state);
    }

    /**
     * P8hb (P8h's state streamed in 1 MiB buffers) paired with its baseline, iteration by iteration.
     *
     * @param turn whose turn
     * @param state the state
     * @return something to consume
     */
    @Benchmark
    public Object p8hb(dev.checkpointer.benchmarks.Turn turn, Grouped state) {
        return turn.subject() ? chunkStreamedWithHints(state, new FastCdc.Stats()) : rawSha256(state);
    }

    /**
     * P8hs paired with its baseline, iteration by iteration.
     *
     * @param turn whose turn
     * @param state the state
     * @return something to consume
     */
    @Benchmark
    public Object p8hs(dev.checkpointer.benchmarks.Turn turn, Spread state) {
        return turn.subject() ? chunkWithHints(state, new FastCdc.Stats()) : rawSha256(state);
    }

    /** @return the state's size in MiB (inserts make it a little larger than the parent's) */
    public static double sizeMiB() {
        return PARTITIONS * (PARTITION / (1024.0 * 1024));
    }

    /**
     * What the hinted chunker does on the state of P8h ({@code spread} false) or P8hs, counted: the chunks changed
     * (not among the parent's) and the share of the bytes scanned and hashed.
     *
     * @param spread P8hs's state rather than P8h's
     * @return a sentence
     */
    public static String work(boolean spread) {
        Edited state = spread ? new Spread() : new Grouped();
        state.init(spread ? 64 : 4);
        FastCdc.Stats stats = new FastCdc.Stats();
        long bytes = 0;
        long chunks = 0;
        long changed = 0;
        for (int p = 0; p < PARTITIONS; p++) {
            Set<String> old = new HashSet<>();
            state.hints.get(p).forEach(h -> old.add(h.sha256()));
            byte[] data = state.data.get(p);
            for (Chunk c : FastCdc.chunks(data, 0, data.length, ChunkSizes.DEFAULT, state.hints.get(p), stats, false).collectList().block()) {
                chunks++;
                changed += old.contains(c.sha256()) ? 0 : 1;
            }
            bytes += state.data.get(p).length;
        }
        return String.format(Locale.ROOT, "%d of %d chunks changed, %d taken from hints, %d hints missed; gear-scanned %.1f%% and SHA-256-hashed"
                + " %.1f%% of the bytes", changed, chunks, stats.hinted, stats.missed, 100.0 * stats.gearBytes / bytes, 100.0 * stats.shaBytes / bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

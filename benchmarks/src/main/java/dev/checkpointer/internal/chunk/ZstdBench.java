package dev.checkpointer.internal.chunk;

import com.github.luben.zstd.ZstdCompressCtx;
import java.nio.ByteBuffer;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;

/**
 * P9a: the chunk codec (zstd level 3, one frame per chunk) against raw zstd-jni compressing the same chunks with a
 * reused context, on one thread, over 32 MiB of the mixed state corpus cut by FastCDC (1 MiB average). The
 * compression ratio of the corpus is reported beside it ({@link #ratio}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ZstdBench {
    static final int SIZE = 32 << 20;
    static final int LEVEL = 3;
    private List<byte[]> chunks;
    private ChunkCodec codec;
    private ZstdCompressCtx raw;

    @Setup(Level.Trial)
    public void setup() {
        chunks = chunksOf(StateCorpus.mixed(1, SIZE));
        codec = ChunkCodec.zstd(LEVEL);
        raw = new ZstdCompressCtx().setLevel(LEVEL);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        raw.close();
    }

    static List<byte[]> chunksOf(byte[] corpus) {
        return FastCdc.chunks(Flux.just(ByteBuffer.wrap(corpus)), ChunkSizes.DEFAULT).map(c -> {
            byte[] b = new byte[c.length()];
            c.data().get(b);
            return b;
        }).collectList().block();
    }

    /** Baseline: zstd-jni as a careful caller uses it, one reused context, one frame per chunk. */
    @Benchmark
    public long rawZstd() {
        long n = 0;
        for (byte[] c : chunks) {
            n += raw.compress(c).length;
        }
        return n;
    }

    /** Subject: the chunk codec. */
    @Benchmark
    public long codec() {
        long n = 0;
        for (byte[] c : chunks) {
            n += codec.encode(c, c.length).length;
        }
        return n;
    }

    /** P9a paired with its baseline, iteration by iteration. */
    @Benchmark
    public Object p9a(dev.checkpointer.benchmarks.Turn turn) {
        return turn.subject() ? codec() : rawZstd();
    }

    /**
     * Compression ratios (original / stored) at level 3, per chunk: the mixed corpus, its JSON part and its binary part.
     *
     * @return {mixed, json, binary}
     */
    public static double[] ratio() {
        ChunkCodec zstd = ChunkCodec.zstd(LEVEL);
        double[] out = new double[3];
        byte[][] corpora = {StateCorpus.mixed(1, SIZE), StateCorpus.jsonCounters(1, SIZE), StateCorpus.binaryRecords(1, SIZE)};
        for (int i = 0; i < 3; i++) {
            long stored = 0;
            for (byte[] c : chunksOf(corpora[i])) {
                stored += zstd.encode(c, c.length).length;
            }
            out[i] = (double) SIZE / stored;
        }
        return out;
    }

    /** The corpus size in MiB. */
    public static int sizeMiB() {
        return SIZE >> 20;
    }
}

package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * P8a: FastCDC chunking plus the SHA-256 of every chunk (the default 1 MiB average), against raw SHA-256 of the same
 * 64 MiB, both on one thread. The input arrives as 1 MiB read-only buffers, as a payload's content does. In this
 * package (of the benchmarks module) because the chunker is package-private.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ChunkBench {
    static final int SIZE = 64 << 20;
    private byte[] data;
    private List<ByteBuffer> buffers;

    @Setup(Level.Trial)
    public void setup() {
        data = new byte[SIZE];
        new Random(1).nextBytes(data);
        buffers = new ArrayList<>();
        for (int at = 0; at < SIZE; at += 1 << 20) {
            buffers.add(ByteBuffer.wrap(data, at, 1 << 20).slice().asReadOnlyBuffer());
        }
    }

    /** Baseline: SHA-256 of the 64 MiB from the array. */
    @Benchmark
    public byte[] rawSha256() {
        MessageDigest md = sha256();
        md.update(data);
        return md.digest();
    }

    /** Subject: cut into chunks, each with its SHA-256. */
    @Benchmark
    public long chunkAndHash() {
        return FastCdc.chunks(Flux.fromIterable(buffers).map(ByteBuffer::duplicate), ChunkSizes.DEFAULT).count().block();
    }

    /** P8a paired with its baseline, iteration by iteration. */
    @Benchmark
    public Object p8a(dev.checkpointer.benchmarks.Turn turn) {
        return turn.subject() ? chunkAndHash() : rawSha256();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

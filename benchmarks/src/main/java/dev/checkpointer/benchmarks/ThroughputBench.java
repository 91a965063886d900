package dev.checkpointer.benchmarks;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Snapshot;
import dev.checkpointer.store.memory.MemoryStore;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * P1 and P6: saving and restoring 1 GiB (64 x 16 MiB) through the memory store, against raw SHA-256 of the same
 * bytes on every core. Each op is one whole checkpoint, so the score is seconds per GiB.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms6g", "-Xmx6g", "-XX:+UseParallelGC"})
public class ThroughputBench {
    @Param("64")
    int partitions;
    @Param("16777216")
    int partitionSize;

    private byte[][] data;
    private Snapshot snapshot;
    private ExecutorService pool;
    private int cores;
    private Checkpointer restoreFrom;

    @Setup(Level.Trial)
    public void setup() {
        data = Data.partitions(partitions, partitionSize);
        snapshot = Data.snapshot("bench", data);
        cores = Runtime.getRuntime().availableProcessors();
        pool = Data.pool(cores);
        restoreFrom = Checkpointer.builder().store(MemoryStore.create()).build();
        restoreFrom.save(snapshot).block();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
        restoreFrom.close();
    }

    /** Baseline: MessageDigest SHA-256 over the same bytes, one thread per core. */
    @Benchmark
    public long rawSha256AllCores() throws Exception {
        return Data.sha256(data, pool, cores);
    }

    /** P1: a whole save (default settings: 8 uploads in flight, 8 MiB parts) to a fresh memory store. */
    @Benchmark
    public Manifest saveToMemory() {
        try (Checkpointer cp = Checkpointer.builder().store(MemoryStore.create()).build()) {
            return cp.save(snapshot).block();
        }
    }

    /**
     * P1, the engine alone: the same save to a store that reads every byte and drops it, so neither the memory
     * store's copy nor the collections of the 1 GiB it keeps are counted.
     */
    @Benchmark
    public Manifest saveToDiscardingStore() {
        try (Checkpointer cp = Checkpointer.builder().store(new DiscardingStore()).build()) {
            return cp.save(snapshot).block();
        }
    }

    /** P6: latest() and a verified read of every partition, reading as many partitions as there are cores. */
    @Benchmark
    public long latestAndReadAll() {
        Checkpoint c = restoreFrom.latest().block();
        return Flux.fromIterable(c.manifest().partitions())
                .flatMap(e -> c.read(e.operator(), e.partition()).subscribeOn(Schedulers.parallel()), cores)
                .map(ByteBuffer::remaining)
                .reduce(0L, (a, b) -> a + b)
                .block();
    }

    static long total(Manifest m) {
        return m.partitions().stream().mapToLong(PartitionEntry::size).sum();
    }
}

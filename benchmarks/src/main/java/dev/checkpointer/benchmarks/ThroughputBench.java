package dev.checkpointer.benchmarks;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectStore;
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
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * P1 and P6: saving and restoring 1 GiB (64 x 16 MiB) through the memory store, against raw SHA-256 of the same
 * bytes on every core. Each op is one whole checkpoint, so the score is time per GiB. The report runs the paired
 * methods ({@link #p1}, {@link #p1b}, {@link #p6}), which alternate subject and baseline iteration by iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 10, time = 2)
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

    /**
     * P6's checkpoints, saved once per fork (only the forks that restore pay for them): P1's snapshot as single-part
     * objects (one stored array each, so the memory store serves each as one buffer), and as P1 saves it by default
     * (two 8 MiB parts per partition, so each body is two buffers).
     */
    @State(Scope.Benchmark)
    public static class Restore {
        Checkpointer from;
        Checkpointer fromParts;
        /** The same stores serving read-only views, as the memory store did before it served writable ones. */
        Checkpointer fromReadOnly;
        Checkpointer fromPartsReadOnly;

        @Setup(Level.Trial)
        public void setup(ThroughputBench b) {
            ObjectStore single = MemoryStore.create();
            from = Checkpointer.builder().store(single).multipartThreshold(2L * b.partitionSize).build();
            from.save(b.snapshot).block();
            ObjectStore parts = MemoryStore.create();
            fromParts = Checkpointer.builder().store(parts).build();
            fromParts.save(b.snapshot).block();
            fromReadOnly = Checkpointer.builder().store(new ReadOnlyBodies(single)).build();
            fromPartsReadOnly = Checkpointer.builder().store(new ReadOnlyBodies(parts)).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            from.close();
            fromParts.close();
            fromReadOnly.close();
            fromPartsReadOnly.close();
        }
    }

    /** A store whose body buffers are read-only views: the engine cannot reach their arrays. */
    static final class ReadOnlyBodies extends ForwardingObjectStore {
        ReadOnlyBodies(ObjectStore delegate) {
            super(delegate);
        }

        @Override
        public Mono<ObjectContent> get(String key, ByteRange range) {
            return super.get(key, range).map(c -> new ObjectContent(c.info(), c.body().map(ByteBuffer::asReadOnlyBuffer)));
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        data = Data.partitions(partitions, partitionSize);
        snapshot = Data.snapshot("bench", data);
        cores = Runtime.getRuntime().availableProcessors();
        pool = Data.pool(cores);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
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

    /** P6: latest() and a verified read of every partition (single-part objects), as many partitions at once as cores. */
    @Benchmark
    public long latestAndReadAll(Restore restore) {
        return readAll(restore.from);
    }

    /** P6m: the same from P1's checkpoint as saved by default (two parts per partition: one copy per read). */
    @Benchmark
    public long latestAndReadAllMultipart(Restore restore) {
        return readAll(restore.fromParts);
    }

    private long readAll(Checkpointer from) {
        return readAll(from, cores);
    }

    /**
     * latest() and a verified read() of every partition, {@code concurrency} partitions at once, one per core on its
     * own rail (each rail takes the next partition when it is done, as the baseline's pool does: a read subscribed on a
     * worker picked round-robin may queue behind a busy one while another core idles); returns the bytes read.
     */
    static long readAll(Checkpointer from, int concurrency) {
        Checkpoint c = from.latest().block();
        return Flux.fromIterable(c.manifest().partitions())
                .parallel(concurrency)
                .runOn(Schedulers.parallel(), 1)
                .concatMap(e -> c.read(e.operator(), e.partition()))
                .map(b -> (long) b.remaining())
                .reduce(Long::sum)
                .block();
    }

    /**
     * P6 before and after the memory store served writable views: the same reads from the same store through
     * read-only views (baseline, what {@code MessageDigest} must copy through a temporary array) and as served
     * (subject). The ratio is the speed-up.
     */
    @Benchmark
    public Object p6ReadOnlyVsServed(Turn turn, Restore restore) {
        return turn.subject() ? readAll(restore.from) : readAll(restore.fromReadOnly);
    }

    /** P6m likewise: read-only parts are joined into a zeroed array, parts with arrays by {@code Arrays.copyOfRange}. */
    @Benchmark
    public Object p6mReadOnlyVsServed(Turn turn, Restore restore) {
        return turn.subject() ? readAll(restore.fromParts) : readAll(restore.fromPartsReadOnly);
    }

    /** P1 paired with its baseline, iteration by iteration (see {@link Interleaved}). */
    @Benchmark
    public Object p1(Turn turn) throws Exception {
        return turn.subject() ? saveToMemory() : rawSha256AllCores();
    }

    /** P1b paired with its baseline. */
    @Benchmark
    public Object p1b(Turn turn) throws Exception {
        return turn.subject() ? saveToDiscardingStore() : rawSha256AllCores();
    }

    /** P6 paired with its baseline. */
    @Benchmark
    public Object p6(Turn turn, Restore restore) throws Exception {
        return turn.subject() ? latestAndReadAll(restore) : rawSha256AllCores();
    }

    /**
     * Raw SHA-256 over read-only views of the same arrays: what hashing costs when {@code MessageDigest} cannot reach
     * the array (it copies through a small temporary one), as for a store's read-only body buffers.
     */
    @Benchmark
    public long rawSha256ReadOnlyAllCores() throws Exception {
        return Data.sha256ReadOnly(data, pool, cores);
    }

    /** Raw SHA-256 of arrays (baseline) against the same over read-only views (subject). */
    @Benchmark
    public Object shaReadOnly(Turn turn) throws Exception {
        return turn.subject() ? rawSha256ReadOnlyAllCores() : rawSha256AllCores();
    }

    /** P6m paired with its baseline. */
    @Benchmark
    public Object p6m(Turn turn, Restore restore) throws Exception {
        return turn.subject() ? latestAndReadAllMultipart(restore) : rawSha256AllCores();
    }

    static long total(Manifest m) {
        return m.partitions().stream().mapToLong(PartitionEntry::size).sum();
    }
}

package dev.checkpointer.benchmarks;

import com.github.luben.zstd.ZstdCompressCtx;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Chunking;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Snapshot;
import dev.checkpointer.internal.chunk.StateCorpus;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.memory.MemoryStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
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
 * Incremental checkpoints through the public API (issue 19): P8 (saving a 1%-changed GiB against its ideal), P9
 * (saving with zstd against raw zstd-jni) and P6b (restoring the head of a 20-deep chain against a full checkpoint).
 * Each op is one whole save or restore; the paired methods ({@link #p8}, {@link #p9}, {@link #p6b}) alternate subject
 * and baseline iteration by iteration (see {@link Interleaved}). Every side runs on all cores: the engine saves and
 * reads with the parallel scheduler (one thread per core), and each baseline splits its work over one thread per core.
 * P7 (bytes uploaded, not timed) is in {@link Incremental}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 10, time = 2)
public class IncrementalBench {
    /** Partitions of the 1 GiB state (P7, P8, P6b). */
    static final int PARTITIONS = 64;
    /** Their size: 64 x 16 MiB = 1 GiB. */
    static final int PARTITION_SIZE = 16 << 20;
    /** The fraction of bytes each checkpoint edits. */
    static final double CHANGE = 0.01;
    /** P9's state: 16 x 16 MiB of the mixed state corpus. */
    static final int CORPUS_PARTITIONS = 16;
    /** P9's zstd level. */
    static final int LEVEL = 3;
    /** P6b's chain: a full checkpoint, then this many incremental ones. */
    static final int DEPTH = 20;

    /**
     * P8's input: a GiB (A) and the same with 1% edited in runs (B), a checkpointer whose head is B's checkpoint on
     * A's, and the chunks B's save uploaded. Each subject op saves the state the head is not (A on B, B on A), so each
     * uploads the chunks of the 1% change.
     */
    @State(Scope.Benchmark)
    public static class Changed {
        Snapshot a;
        Snapshot b;
        byte[][] bState;
        DiscardingStore store;
        Checkpointer cp;
        boolean nextIsA = true;
        List<byte[]> changed;
        List<String> changedSha;
        ExecutorService pool;
        int cores;
        int puts;

        @Setup(Level.Trial)
        public void setup() {
            byte[][] aState = Data.partitions(PARTITIONS, PARTITION_SIZE);
            bState = Edits.RUNS.apply(aState, CHANGE, 8).state();
            a = Data.snapshot("bench", aState);
            b = Data.snapshot("bench", bState);
            store = new DiscardingStore();
            cp = Checkpointer.builder().store(store).chunking(Chunking.on()).build();
            cp.save(a).block();
            Manifest m = cp.save(b).block();
            changed = new ArrayList<>();
            changedSha = new ArrayList<>();
            for (PartitionEntry e : m.partitions()) {
                int at = 0;
                for (ChunkRef c : e.chunks()) {
                    if (c.firstId().equals(m.id())) {
                        changed.add(java.util.Arrays.copyOfRange(bState[e.partition()], at, at + (int) c.size()));
                        changedSha.add(c.sha256());
                    }
                    at += (int) c.size();
                }
            }
            cores = Runtime.getRuntime().availableProcessors();
            pool = Data.pool(cores);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            cp.close();
            pool.shutdownNow();
        }

        /** The raw put of the changed chunks, as many in flight as a save has (under keys of their own). */
        long rawPut() {
            int round = puts++;
            return Flux.range(0, changed.size())
                    .flatMap(i -> store.put("chunks/raw/" + round + "/" + i, Payload.of(changed.get(i)), PutOptions.none().withSha256(changedSha.get(i))),
                            CheckpointerBuilder.DEFAULT_MAX_CONCURRENT_UPLOADS)
                    .count()
                    .block();
        }
    }

    /** P8's subject: save the state the head is not, on the head (uploads the changed chunks only). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+UseParallelGC"})
    public Manifest saveChanged(Changed s) {
        Manifest m = s.cp.save(s.nextIsA ? s.a : s.b).block();
        s.nextIsA = !s.nextIsA;
        return m;
    }

    /** P8's ideal: raw SHA-256 of the GiB (all cores), then the raw put of only the changed chunks. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+UseParallelGC"})
    public long idealChanged(Changed s) throws Exception {
        return Data.sha256(s.bState, s.pool, s.cores) + s.rawPut();
    }

    /** P8 paired with its ideal. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+UseParallelGC"})
    public Object p8(Turn turn, Changed s) throws Exception {
        return turn.subject() ? saveChanged(s) : idealChanged(s);
    }

    /**
     * P9's input: 256 MiB of the mixed state corpus, and the same bytes cut at the boundaries a chunked save cuts
     * them (read from the manifest of an uncompressed chunked save), with one zstd-jni context per core.
     */
    @State(Scope.Benchmark)
    public static class Compress {
        Snapshot snapshot;
        List<byte[]> chunks;
        ZstdCompressCtx[] contexts;
        ExecutorService pool;
        int cores;

        @Setup(Level.Trial)
        public void setup() {
            byte[][] corpus = corpus();
            snapshot = Data.snapshot("bench", corpus);
            chunks = new ArrayList<>();
            try (Checkpointer cp = Checkpointer.builder().store(new DiscardingStore()).chunking(Chunking.on()).build()) {
                for (PartitionEntry e : cp.save(snapshot).block().partitions()) {
                    int at = 0;
                    for (ChunkRef c : e.chunks()) {
                        chunks.add(java.util.Arrays.copyOfRange(corpus[e.partition()], at, at + (int) c.size()));
                        at += (int) c.size();
                    }
                }
            }
            cores = Runtime.getRuntime().availableProcessors();
            pool = Data.pool(cores);
            contexts = new ZstdCompressCtx[cores];
            for (int i = 0; i < cores; i++) {
                contexts[i] = new ZstdCompressCtx().setLevel(LEVEL);
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            pool.shutdownNow();
            for (ZstdCompressCtx c : contexts) {
                c.close();
            }
        }
    }

    /** P9's corpus: {@value #CORPUS_PARTITIONS} partitions of 16 MiB of {@code StateCorpus.mixed}, seeds 1, 2, ... */
    static byte[][] corpus() {
        byte[][] corpus = new byte[CORPUS_PARTITIONS][];
        for (int i = 0; i < CORPUS_PARTITIONS; i++) {
            corpus[i] = StateCorpus.mixed(i + 1, PARTITION_SIZE);
        }
        return corpus;
    }

    /** P9's store for one save: fresh, so every chunk of the save is new (see {@link #withHead}). */
    @State(Scope.Thread)
    public static class Fresh {
        DiscardingStore store;
        Checkpointer cp;

        @Setup(Level.Invocation)
        public void setup() {
            store = new DiscardingStore();
            cp = withHead(store, Chunking.on().withZstd(LEVEL));
        }

        @TearDown(Level.Invocation)
        public void tearDown() {
            cp.close();
        }
    }

    /**
     * A checkpointer on {@code store} whose location already has a head: one small (inlined, not chunked) checkpoint.
     * A save on a location without a head shares what it uploaded with every other such save in the JVM (the engine's
     * empty chunk index, {@code ChunkIndex.NONE}, is a singleton whose map of chunks uploaded "by this attempt" is never
     * reset), so a second head-less save of the same bytes, even to another store, uploads nothing. A head gives each
     * save an index of its own.
     */
    static Checkpointer withHead(dev.checkpointer.spi.ObjectStore store, Chunking chunking) {
        Checkpointer cp = Checkpointer.builder().store(store).chunking(chunking).build();
        cp.save(Data.snapshot("head", new byte[][] {new byte[1024]})).block();
        return cp;
    }

    /** P9's subject: a whole chunked save with zstd level 3 to a fresh store (every chunk is new, so every chunk is compressed). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+UseParallelGC"})
    public Manifest saveZstd(Compress s, Fresh f) {
        long before = f.store.chunkBytesReceived.get();
        Manifest m = f.cp.save(s.snapshot).block();
        if (f.store.chunkBytesReceived.get() - before == 0) {
            throw new IllegalStateException("the save uploaded no chunk: it measured no compression");
        }
        return m;
    }

    /** P9's baseline: zstd-jni compressing the same chunks, one frame each, a reused context per core, one thread per core. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+UseParallelGC"})
    public long rawZstd(Compress s) throws Exception {
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < s.cores; t++) {
            int first = t;
            parts.add(s.pool.submit(() -> {
                long n = 0;
                ZstdCompressCtx ctx = s.contexts[first];
                for (int i = first; i < s.chunks.size(); i += s.cores) {
                    n += ctx.compress(s.chunks.get(i)).length;
                }
                return n;
            }));
        }
        long n = 0;
        for (Future<Long> f : parts) {
            n += f.get();
        }
        return n;
    }

    /** P9 paired with its baseline. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+UseParallelGC"})
    public Object p9(Turn turn, Compress s, Fresh f) throws Exception {
        return turn.subject() ? saveZstd(s, f) : rawZstd(s);
    }

    /**
     * P6b's and P6c's chain: a full chunked checkpoint, then {@value #DEPTH} incremental ones, each editing 1% in runs,
     * in a memory store given a small head first (see {@link #withHead}). Keeps the last state for the checkpoint it is
     * compared with ({@link Full}, {@link FullChunked}), which drops it once saved.
     */
    @State(Scope.Benchmark)
    public static class Chain {
        Checkpointer chain;
        byte[][] state;
        long bytes;
        int cores;

        @Setup(Level.Trial)
        public void setup() throws IOException {
            state = Data.partitions(PARTITIONS, PARTITION_SIZE);
            chain = withHead(MemoryStore.create(), Chunking.on());
            chain.save(Data.snapshot("bench", state)).block();
            Manifest head = null;
            for (int i = 1; i <= DEPTH; i++) {
                state = Edits.RUNS.apply(state, CHANGE, 1000 + i).state();
                head = chain.save(Data.snapshot("bench", state)).block();
            }
            Set<CheckpointId> writers = new HashSet<>();
            long chunks = 0;
            for (PartitionEntry e : head.partitions()) {
                chunks += e.chunks().size();
                e.chunks().forEach(c -> writers.add(c.firstId()));
            }
            bytes = head.totalBytes();
            Files.writeString(chainNote(), chunks + " " + writers.size() + " " + bytes, StandardCharsets.UTF_8);
            cores = Runtime.getRuntime().availableProcessors();
        }

        /** Saves the chain's last state with {@code cp} (then forgets the state) and checks it is the same size. */
        Checkpointer saveLast(Checkpointer cp) {
            Manifest f = cp.save(Data.snapshot("bench", state)).block();
            state = null;
            if (f.totalBytes() != bytes) {
                throw new IllegalStateException("the chain's head and the full checkpoint differ in size");
            }
            return cp;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            chain.close();
        }
    }

    /** P6b's baseline: the chain's last state as one full checkpoint, not chunked, one single-part object per partition (P6's fastest case). */
    @State(Scope.Benchmark)
    public static class Full {
        Checkpointer cp;

        @Setup(Level.Trial)
        public void setup(Chain chain) {
            cp = chain.saveLast(Checkpointer.builder().store(MemoryStore.create()).multipartThreshold(4L * PARTITION_SIZE).build());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            cp.close();
        }
    }

    /** P6c's baseline: the chain's last state as one full chunked checkpoint (every chunk written by one save). */
    @State(Scope.Benchmark)
    public static class FullChunked {
        Checkpointer cp;

        @Setup(Level.Trial)
        public void setup(Chain chain) {
            cp = chain.saveLast(withHead(MemoryStore.create(), Chunking.on()));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            cp.close();
        }
    }

    /** Where P6b's setup leaves what its chain's head is made of (chunks, checkpoints that wrote them, bytes). */
    static Path chainNote() {
        return Path.of(System.getProperty("java.io.tmpdir"), "checkpointer-bench-p6b.txt");
    }

    /** P6b's and P6c's subject: latest() and a verified read of every partition of the chain's head. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms7g", "-Xmx7g", "-XX:+UseParallelGC"})
    public long restoreChain(Chain s) {
        return ThroughputBench.readAll(s.chain, s.cores);
    }

    /** P6b's baseline: the same from the full checkpoint. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms7g", "-Xmx7g", "-XX:+UseParallelGC"})
    public long restoreFull(Chain s, Full f) {
        return ThroughputBench.readAll(f.cp, s.cores);
    }

    /** P6c's baseline: the same from the full chunked checkpoint. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms7g", "-Xmx7g", "-XX:+UseParallelGC"})
    public long restoreFullChunked(Chain s, FullChunked f) {
        return ThroughputBench.readAll(f.cp, s.cores);
    }

    /** P6b paired with its baseline. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms7g", "-Xmx7g", "-XX:+UseParallelGC"})
    public long p6b(Turn turn, Chain s, Full f) {
        return turn.subject() ? restoreChain(s) : restoreFull(s, f);
    }

    /** P6c: the chain's head against a full chunked checkpoint (what the chain's depth costs, chunking aside). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"-Xms7g", "-Xmx7g", "-XX:+UseParallelGC"})
    public long p6c(Turn turn, Chain s, FullChunked f) {
        return turn.subject() ? restoreChain(s) : restoreFullChunked(s, f);
    }
}

package dev.checkpointer.benchmarks;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Snapshot;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.time.Duration;
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

/**
 * P2: 256 partitions of 4 KiB (above the inline threshold) with 20 ms per store call and 16 uploads in flight. The
 * ideal makespan is ceil(256 / 16) x 20 ms for the artifacts plus 20 ms each for the manifest and the pointer.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class LatencyBench {
    static final int PARTITIONS = 256;
    static final int SIZE = 4096;
    static final int CONCURRENCY = 16;
    static final Duration LATENCY = Duration.ofMillis(20);

    private Checkpointer checkpointer;
    private Snapshot snapshot;

    /** The ideal makespan in milliseconds. */
    static double idealMillis() {
        return Math.ceil((double) PARTITIONS / CONCURRENCY) * LATENCY.toMillis() + 2 * LATENCY.toMillis();
    }

    @Setup(Level.Trial)
    public void setup() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withLatency(LATENCY));
        checkpointer = Checkpointer.builder().store(store).maxConcurrentUploads(CONCURRENCY).inlineThreshold(1024).build();
        snapshot = Data.snapshot("small", Data.partitions(PARTITIONS, SIZE));
        checkpointer.save(snapshot).block(); // first save reads the pointer and claims an epoch: not steady state
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        checkpointer.close();
    }

    /** P2: one steady-state save. */
    @Benchmark
    public Manifest saveWithLatency() {
        return checkpointer.save(snapshot).block();
    }
}

package dev.checkpointer.benchmarks;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.memory.MemoryStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * P6's work measured in CPU time on one thread, for a machine too busy for wall-clock ratios: the same bytes hashed
 * raw and read back verified, through the memory store's buffers as served and through read-only views of them (what
 * the store served before: {@code MessageDigest} then copies every byte through a small temporary array). The reads
 * run on the calling thread (the memory store answers synchronously), so its CPU time is the whole cost. The
 * variants run round by round in rotating order; each figure is the median over the rounds after three warm-up ones.
 * Other processes still share the caches and the memory bus, so this complements the interleaved wall-clock pairs
 * rather than replacing them.
 *
 * <p>{@code java -jar benchmarks.jar p6cpu [ROUNDS]} (16 partitions of 16 MiB; default 15 rounds).
 */
final class RestoreCpu {
    private RestoreCpu() {}

    static void run(int rounds) {
        byte[][] data = Data.partitions(16, 16 << 20);
        ObjectStore single = MemoryStore.create();
        ObjectStore parts = MemoryStore.create();
        try (Checkpointer s = Checkpointer.builder().store(single).multipartThreshold(32L << 20).build();
                Checkpointer p = Checkpointer.builder().store(parts).build();
                Checkpointer sro = Checkpointer.builder().store(new ThroughputBench.ReadOnlyBodies(single)).build();
                Checkpointer pro = Checkpointer.builder().store(new ThroughputBench.ReadOnlyBodies(parts)).build()) {
            s.save(Data.snapshot("bench", data)).block();
            p.save(Data.snapshot("bench", data)).block();
            MessageDigest md = Data.newDigest();
            Map<String, LongSupplier> variants = new LinkedHashMap<>();
            variants.put("raw SHA-256 of the arrays", () -> {
                long x = 0;
                for (byte[] d : data) {
                    md.update(d);
                    x += md.digest()[0];
                }
                return x;
            });
            variants.put("raw SHA-256 of read-only views", () -> {
                long x = 0;
                for (byte[] d : data) {
                    md.update(ByteBuffer.wrap(d).asReadOnlyBuffer());
                    x += md.digest()[0];
                }
                return x;
            });
            variants.put("latest() alone", () -> s.latest().block().manifest().partitions().size());
            variants.put("P6: latest() + read(), buffers as served", () -> readAll(s));
            variants.put("P6: latest() + read(), read-only views", () -> readAll(sro));
            variants.put("P6m: latest() + read(), buffers as served", () -> readAll(p));
            variants.put("P6m: latest() + read(), read-only views", () -> readAll(pro));
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            Map<String, List<Double>> cpu = new LinkedHashMap<>();
            List<String> names = new ArrayList<>(variants.keySet());
            long sink = 0;
            for (int round = 0; round < rounds + 3; round++) {
                List<String> order = new ArrayList<>(names);
                Collections.rotate(order, round);
                for (String name : order) {
                    long before = threads.getCurrentThreadCpuTime();
                    sink += variants.get(name).getAsLong();
                    long after = threads.getCurrentThreadCpuTime();
                    if (round >= 3) {
                        cpu.computeIfAbsent(name, k -> new ArrayList<>()).add((after - before) / 1e6);
                    }
                }
            }
            double raw = median(cpu.get(names.get(0)));
            System.out.printf(Locale.ROOT, "CPU time on one thread, 256 MiB, median of %d rounds (load average %s; sink %d)%n",
                    rounds, Report.loadAverage(), sink);
            for (String name : names) {
                double ms = median(cpu.get(name));
                System.out.printf(Locale.ROOT, "  %-45s %8.1f ms   raw / this %.3f%n", name, ms, raw / ms);
            }
        }
    }

    private static long readAll(Checkpointer from) {
        Checkpoint c = from.latest().block();
        long n = 0;
        for (PartitionEntry e : c.manifest().partitions()) {
            n += c.read(e.operator(), e.partition()).block().remaining();
        }
        return n;
    }

    private static double median(List<Double> values) {
        return Interleaved.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}

package dev.checkpointer.benchmarks;

import com.sun.management.GarbageCollectionNotificationInfo;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/** P4 (heap while streaming large state from files) and P5 (requests per checkpoint): measured, not timed. */
final class HeapAndRequests {
    private HeapAndRequests() {}

    /** Result of P4: heap live after a full GC, before and at its highest during the save. */
    record Heap(long baselineBytes, long peakLiveBytes, long savedBytes, int gcs) {}

    /**
     * Saves {@code totalBytes} streamed from files (8 files, concurrency 8, 8 MiB parts) into a store that drops
     * artifacts, and records the heap in use after every GC during the save.
     */
    static Heap p4(Path dir, long totalBytes) throws IOException {
        int files = 8;
        long each = totalBytes / files;
        List<Path> paths = new ArrayList<>();
        byte[] block = Data.partitions(1, 1024 * 1024)[0];
        Files.createDirectories(dir);
        for (int i = 0; i < files; i++) {
            Path p = dir.resolve("state-" + i + ".bin");
            if (!Files.exists(p) || Files.size(p) != each) {
                try (OutputStream out = Files.newOutputStream(p)) {
                    for (long w = 0; w < each; w += block.length) {
                        out.write(block, 0, (int) Math.min(block.length, each - w));
                    }
                }
            }
            paths.add(p);
        }
        Snapshot.Builder b = Snapshot.builder();
        for (int i = 0; i < files; i++) {
            b.partition("big", i, Payload.of(paths.get(i)));
        }
        Snapshot snapshot = b.build();

        System.gc();
        long baseline = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        AtomicLong peak = new AtomicLong(baseline);
        AtomicLong gcs = new AtomicLong();
        NotificationListener listener = (n, h) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                return;
            }
            GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
            long used = 0;
            for (Map.Entry<String, MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (!e.getKey().contains("Metaspace") && !e.getKey().contains("Code") && !e.getKey().contains("Compressed")) {
                    used += e.getValue().getUsed();
                }
            }
            gcs.incrementAndGet();
            if (info.getGcAction().contains("major")) {
                peak.accumulateAndGet(used, Math::max); // after a full collection: the live set
            }
        };
        List<NotificationEmitter> emitters = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            NotificationEmitter em = (NotificationEmitter) gc;
            em.addNotificationListener(listener, null, null);
            emitters.add(em);
        }
        DiscardingStore store = new DiscardingStore();
        try (Checkpointer cp = Checkpointer.builder().store(store).maxConcurrentUploads(8).partSize(8L * 1024 * 1024).build()) {
            cp.save(snapshot).block();
        } finally {
            for (NotificationEmitter em : emitters) {
                try {
                    em.removeNotificationListener(listener);
                } catch (javax.management.ListenerNotFoundException ignored) {
                    // not registered
                }
            }
        }
        return new Heap(baseline, peak.get(), store.bytesReceived.get(), (int) gcs.get());
    }

    /** P5: store calls of a steady-state checkpoint with 16 large and 240 small partitions. */
    static long p5() {
        return p5(null).get(0);
    }

    /**
     * P5 with retention {@code keepLast(3)}: the store calls of each of ten steady-state saves once the window is full
     * (every one of them expires the oldest checkpoint).
     */
    static List<Long> p5WithRetention() {
        return p5(dev.checkpointer.Retention.keepLast(3));
    }

    private static List<Long> p5(dev.checkpointer.@org.jspecify.annotations.Nullable Retention retention) {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Snapshot.Builder b = Snapshot.builder();
        byte[][] large = Data.partitions(16, 256 * 1024);
        byte[][] small = Data.partitions(240, 2 * 1024);
        for (int i = 0; i < large.length; i++) {
            b.partition("large", i, Payload.of(large[i]));
        }
        for (int i = 0; i < small.length; i++) {
            b.partition("small", i, Payload.of(small[i]));
        }
        Snapshot s = b.build();
        dev.checkpointer.CheckpointerBuilder builder = Checkpointer.builder().store(store);
        if (retention != null) {
            builder.retention(retention);
        }
        List<Long> calls = new ArrayList<>();
        try (Checkpointer cp = builder.build()) {
            int warm = retention == null ? 1 : retention.keepLast();
            for (int i = 0; i < warm; i++) {
                cp.save(s).block();
            }
            for (int i = 0; i < (retention == null ? 1 : 10); i++) {
                store.clearCalls();
                cp.save(s).block();
                calls.add((long) store.calls().size());
            }
        }
        return calls;
    }
}

package dev.checkpointer.benchmarks;

import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.LongBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Benchmark inputs, and the raw baselines every figure is a ratio to. */
final class Data {
    private Data() {}

    /** {@code count} arrays of {@code size} pseudo-random bytes (content does not change SHA-256 speed). */
    static byte[][] partitions(int count, int size) {
        byte[][] out = new byte[count][];
        long x = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < count; i++) {
            out[i] = new byte[size];
            LongBuffer longs = ByteBuffer.wrap(out[i]).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            while (longs.hasRemaining()) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                longs.put(x);
            }
        }
        return out;
    }

    static Snapshot snapshot(String operator, byte[][] partitions) {
        Snapshot.Builder b = Snapshot.builder();
        for (int i = 0; i < partitions.length; i++) {
            b.partition(operator, i, Payload.of(partitions[i]));
        }
        return b.offsets("bench", java.util.Map.of("0", "1")).build();
    }

    /**
     * The machine's limit: SHA-256 of every partition with {@code MessageDigest}, the partitions split across
     * {@code threads} threads (one per core).
     */
    static long sha256(byte[][] partitions, ExecutorService pool, int threads) throws Exception {
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            parts.add(pool.submit(() -> {
                long acc = 0;
                MessageDigest md = newDigest();
                for (int i = first; i < partitions.length; i += threads) {
                    md.update(partitions[i]);
                    acc += md.digest()[0];
                }
                return acc;
            }));
        }
        long acc = 0;
        for (Future<Long> f : parts) {
            acc += f.get();
        }
        return acc;
    }

    /** As {@link #sha256}, over read-only views of the arrays. */
    static long sha256ReadOnly(byte[][] partitions, ExecutorService pool, int threads) throws Exception {
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            parts.add(pool.submit(() -> {
                long acc = 0;
                MessageDigest md = newDigest();
                for (int i = first; i < partitions.length; i += threads) {
                    md.update(ByteBuffer.wrap(partitions[i]).asReadOnlyBuffer());
                    acc += md.digest()[0];
                }
                return acc;
            }));
        }
        long acc = 0;
        for (Future<Long> f : parts) {
            acc += f.get();
        }
        return acc;
    }

    static ExecutorService pool(int threads) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "baseline-sha256");
            t.setDaemon(true);
            return t;
        });
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

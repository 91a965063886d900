package dev.checkpointer.internal.chunk;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * zstd (zstd-jni) per chunk: one frame per chunk, with its content size, so a chunk decodes on its own. Loaded only
 * through {@link ChunkCodec#zstd(int)}, which hands out one codec per level for the life of the JVM.
 *
 * <p>Native contexts are reused (creating one per chunk would cost more than compressing a small chunk) from a pool
 * per codec, not per thread: zstd-jni frees a context's native memory only when it is closed, so contexts must
 * never be left to the garbage collector. A pool keeps at most {@link #MAX_IDLE} idle contexts of each kind and
 * closes any returned beyond that, so the native memory held is bounded by the work running at once, however many
 * saves create a codec and however many threads come and go (a scheduler may retire idle threads at any time).
 */
final class ZstdCodec implements ChunkCodec {
    /** Idle contexts kept per kind: as many as cores, the most CPU-bound work the engine runs at once. */
    static final int MAX_IDLE = Math.max(2, Runtime.getRuntime().availableProcessors());

    private static final ZstdCodec[] BY_LEVEL = new ZstdCodec[Zstd.maxCompressionLevel() + 1];

    private final int level;
    private final Pool<ZstdCompressCtx> compressors;
    private final Pool<ZstdDecompressCtx> decompressors = new Pool<>(ZstdDecompressCtx::new);

    private ZstdCodec(int level) {
        this.level = level;
        this.compressors = new Pool<>(() -> new ZstdCompressCtx().setLevel(level).setContentSize(true).setChecksum(false));
    }

    /** The codec for {@code level}: one per level, created on first use. */
    static ZstdCodec at(int level) {
        if (level < 1 || level > Zstd.maxCompressionLevel()) {
            throw new InvalidInputException("zstd level must be between 1 and " + Zstd.maxCompressionLevel() + ", got " + level);
        }
        synchronized (BY_LEVEL) {
            ZstdCodec c = BY_LEVEL[level];
            if (c == null) {
                c = new ZstdCodec(level);
                BY_LEVEL[level] = c;
            }
            return c;
        }
    }

    int level() {
        return level;
    }

    @Override
    public String name() {
        return "zstd";
    }

    @Override
    public ByteBuffer encode(byte[] bytes, int from, int length) {
        // Handed out as a view of the bound-sized output (no copy to trim it): held only while its upload runs.
        byte[] out = new byte[(int) Zstd.compressBound(length)];
        ZstdCompressCtx ctx = compressors.take();
        boolean ok = false;
        try {
            int n = ctx.compressByteArray(out, 0, out.length, bytes, from, length);
            ok = true;
            return ByteBuffer.wrap(out, 0, n);
        } finally {
            compressors.done(ctx, ok);
        }
    }

    @Override
    public byte[] decode(String key, byte[] stored, int size) {
        byte[] out = new byte[size];
        decode(key, stored, out, 0, size);
        return out;
    }

    @Override
    public void decode(String key, byte[] stored, byte[] dest, int at, int size) {
        int n;
        ZstdDecompressCtx ctx = decompressors.take();
        boolean ok = false;
        try {
            // zstd writes at most size bytes from at: a frame that holds more fails ("destination buffer too small").
            n = ctx.decompressByteArray(dest, at, size, stored, 0, stored.length);
            ok = true;
        } catch (ZstdException e) {
            throw new IntegrityException(key, "a zstd frame of " + size + " bytes", "undecodable (" + e.getMessage() + ")");
        } finally {
            // A context that failed is closed rather than trusted again.
            decompressors.done(ctx, ok);
        }
        if (n != size) {
            throw new IntegrityException(key, "size=" + size, "size=" + n);
        }
    }

    /** Contexts created so far, both kinds (for tests: bounded by the work run at once, not by the work run). */
    long contextsCreated() {
        return compressors.created.get() + decompressors.created.get();
    }

    /** Contexts created and not closed yet, both kinds (idle or in use). */
    long contextsOpen() {
        return contextsCreated() - compressors.closed.get() - decompressors.closed.get();
    }

    /** Contexts idle in the pools now, both kinds. */
    int contextsIdle() {
        return compressors.idleCount.get() + decompressors.idleCount.get();
    }

    @Override
    public String toString() {
        return "zstd(" + level + ")";
    }

    /** Native contexts kept for reuse by any thread; see the class comment. */
    private static final class Pool<T extends Closeable> {
        private final Supplier<T> create;
        private final ConcurrentLinkedQueue<T> idle = new ConcurrentLinkedQueue<>();
        private final AtomicInteger idleCount = new AtomicInteger();
        private final AtomicLong created = new AtomicLong();
        private final AtomicLong closed = new AtomicLong();

        Pool(Supplier<T> create) {
            this.create = create;
        }

        T take() {
            T t = idle.poll();
            if (t != null) {
                idleCount.decrementAndGet();
                return t;
            }
            created.incrementAndGet();
            return create.get();
        }

        /** Returns a context taken: kept if it is sound and the pool has room, else closed. */
        void done(T t, boolean sound) {
            if (sound && idleCount.incrementAndGet() <= MAX_IDLE) {
                idle.offer(t);
                return;
            }
            if (sound) {
                idleCount.decrementAndGet();
            }
            closed.incrementAndGet();
            try {
                t.close();
            } catch (java.io.IOException | RuntimeException e) {
                // zstd-jni's close() declares no failure of its own; nothing to do with a context being dropped.
            }
        }
    }
}

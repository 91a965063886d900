package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Content-defined chunking with FastCDC (Xia et al., USENIX ATC 2016): a gear rolling hash, cut-point skipping
 * below the minimum size and normalized chunking (a harder cut condition below the average size, an easier one
 * above it, which narrows the size distribution around the average). A boundary depends only on the bytes since
 * the previous boundary, so an edit moves the boundaries near it and the chunks further away are cut, and named,
 * exactly as before: that is what makes them deduplicate.
 *
 * <p>Streaming and bounded: the input is copied, at most {@value #STEP} bytes at a time, into one working array of
 * the maximum chunk size, scanned there and hashed (SHA-256) right after it is accepted into the chunk, so at most
 * one maximum-size chunk is ever buffered; each emitted chunk gets its own array of exactly its length. Chunks are
 * emitted on demand (one input buffer may yield many).
 *
 * <p>The gear table and the masks are part of the storage format: the same bytes must be cut at the same places by
 * every version, or chunks written before would no longer be found ({@code FastCdcTest.boundariesAreAFixedFormat}).
 */
final class FastCdc {
    /** Bytes copied into the working array per scan step; at most this much is copied twice at a boundary. */
    static final int STEP = 64 * 1024;

    /** 256 pseudo-random 64-bit values: SplitMix64 from a fixed seed (written out so no library change moves it). */
    private static final long[] GEAR = gear(0x636b70742d636463L); // "ckpt-cdc"

    private FastCdc() {}

    /**
     * Cuts a stream into chunks. The input's buffers are read only during the call that consumes them, but may be
     * held (not copied) until then, as the engine's other readers do.
     *
     * @param source the bytes; subscribed once per subscription to the result
     * @param sizes minimum, average and maximum chunk size
     * @return the chunks in order; the last may be shorter than the minimum; none for an empty input
     */
    static Flux<Chunk> chunks(Flux<ByteBuffer> source, ChunkSizes sizes) {
        return Flux.defer(() -> {
            Cutter cutter = new Cutter(sizes);
            return source.concatMap(buffer -> {
                ByteBuffer in = buffer.duplicate();
                return Flux.<Chunk>generate(sink -> {
                    Chunk c = cutter.next(in);
                    if (c != null) {
                        sink.next(c);
                    } else {
                        sink.complete();
                    }
                });
            }, 1).concatWith(Mono.fromSupplier(cutter::finish));
        });
    }

    /** The chunker's state across input buffers: the current chunk's bytes, rolling hash and digest. */
    static final class Cutter {
        private final int min;
        private final int avg;
        private final int max;
        private final long maskSmall;
        private final long maskLarge;
        private final byte[] work;
        private final MessageDigest md = sha256();
        private int len;
        private long hash;
        private long offset;

        Cutter(ChunkSizes sizes) {
            this.min = sizes.min();
            this.avg = sizes.avg();
            this.max = sizes.max();
            // Normalization level 2: two more mask bits below the average (cuts 4x rarer), two fewer above (4x likelier).
            // The masks take the top bits of the gear hash, which depend on the last 64 bytes.
            this.maskSmall = -1L << (64 - (sizes.bits() + 2));
            this.maskLarge = -1L << (64 - (sizes.bits() - 2));
            this.work = new byte[max];
        }

        /** Consumes {@code in} until a chunk is complete (returned) or {@code in} is exhausted (null). */
        @Nullable Chunk next(ByteBuffer in) {
            while (in.hasRemaining()) {
                int start = len;
                int k = Math.min(in.remaining(), Math.min(STEP, max - start));
                in.get(work, start, k);
                int end = start + k;
                int cut = scan(start, end);
                if (cut >= 0) {
                    in.position(in.position() - (end - cut)); // the rest belongs to the next chunk
                    md.update(work, start, cut - start);
                    len = cut;
                    return emit();
                }
                md.update(work, start, k);
                len = end;
                if (len == max) {
                    return emit();
                }
            }
            return null;
        }

        /** The last chunk at the end of the input, or null when none is pending. */
        @Nullable Chunk finish() {
            return len == 0 ? null : emit();
        }

        /** Scans {@code work[from, to)}; returns the chunk's length when it ends in there, else -1. */
        private int scan(int from, int to) {
            long h = hash;
            int i = Math.max(from, min); // cut-point skipping: nothing below the minimum is hashed
            int normal = Math.min(to, avg);
            byte[] w = work;
            long[] g = GEAR;
            long m = maskSmall;
            for (; i < normal; i++) {
                h = (h << 1) + g[w[i] & 0xff];
                if ((h & m) == 0) {
                    hash = 0;
                    return i + 1;
                }
            }
            m = maskLarge;
            for (; i < to; i++) {
                h = (h << 1) + g[w[i] & 0xff];
                if ((h & m) == 0) {
                    hash = 0;
                    return i + 1;
                }
            }
            hash = h;
            return -1;
        }

        private Chunk emit() {
            Chunk c = new Chunk(offset, Arrays.copyOf(work, len), md.digest());
            offset += len;
            len = 0;
            hash = 0;
            return c;
        }
    }

    private static long[] gear(long seed) {
        long[] g = new long[256];
        long x = seed;
        for (int i = 0; i < g.length; i++) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            g[i] = z ^ (z >>> 31);
        }
        return g;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
    }
}

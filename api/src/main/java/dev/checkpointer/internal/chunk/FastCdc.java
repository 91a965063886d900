package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * Content-defined chunking with FastCDC (Xia et al., USENIX ATC 2016): a gear rolling hash, cut-point skipping
 * below the minimum size and normalized chunking (a harder cut condition below the average size, an easier one
 * above it, which narrows the size distribution around the average). A boundary depends only on the bytes since
 * the previous boundary, so an edit moves the boundaries near it and the chunks further away are cut, and named,
 * exactly as before: that is what makes them deduplicate.
 *
 * <p>Streaming and bounded: the input is copied, at most {@value #STEP} bytes at a time, into one working array of
 * at most the maximum chunk size (it starts at twice the average and grows when a chunk needs it), scanned there
 * and hashed (SHA-256) right after it is accepted into the chunk, so at most one maximum-size chunk is ever buffered; each emitted chunk gets its own array of exactly its length. Chunks are
 * emitted on demand (one input buffer may yield many). Bytes the caller holds in one array are read where they lie
 * instead, by the same cutter: nothing is copied and each chunk is a view of its range of the array.
 *
 * <p>Boundary hints: given the chunks the same partition was cut into before, a chunk whose bytes are one of them
 * is recognised by its SHA-256 (computed anyway) and not scanned, so unchanged data costs one SHA-256 pass; the
 * chunks are exactly the same as without hints ({@link Cutter} says why).
 *
 * <p>The gear table and the masks are part of the storage format: the same bytes must be cut at the same places by
 * every version, or chunks written before would no longer be found ({@code FastCdcTest.boundariesAreAFixedFormat}).
 */
final class FastCdc {
    /** Bytes copied into the working array per step; at most this much is moved to its front at a scanned boundary. */
    static final int STEP = 64 * 1024;

    /**
     * Hints in a row that may miss before the chunker stops trying them; it tries them again once a chunk it scanned
     * is found among them. A miss costs at most one extra SHA-256 pass over the chunk (see {@link Cutter}).
     */
    static final int MAX_MISSES = 3;

    /** 256 pseudo-random 64-bit values: SplitMix64 from a fixed seed (written out so no library change moves it). */
    private static final long[] GEAR = gear(0x636b70742d636463L); // "ckpt-cdc"

    private static final HexFormat HEX = HexFormat.of();

    private FastCdc() {}

    /** The gear table's value for a byte (for tests that check the cutter against FastCDC's definition). */
    static long gear(byte b) {
        return GEAR[b & 0xff];
    }

    /**
     * Cuts a stream into chunks, without hints.
     *
     * @param source the bytes; subscribed once per subscription to the result
     * @param sizes minimum, average and maximum chunk size
     * @return the chunks in order; the last may be shorter than the minimum; none for an empty input
     */
    static Flux<Chunk> chunks(Flux<ByteBuffer> source, ChunkSizes sizes) {
        return chunks(source, sizes, List.of(), new Stats());
    }

    /**
     * Cuts a stream into chunks. The input's buffers are read only during the call that consumes them, but may be
     * held (not copied) until then, as the engine's other readers do. The hints change only how much work finding
     * the chunks takes, never which chunks are found (see {@link Cutter}).
     *
     * @param source the bytes; subscribed once per subscription to the result
     * @param sizes minimum, average and maximum chunk size
     * @param hints the chunks the same partition was cut into before, in order, with these sizes
     * @param stats where to count the work done (test and benchmark seam)
     * @return the chunks in order; the last may be shorter than the minimum; none for an empty input
     */
    static Flux<Chunk> chunks(Flux<ByteBuffer> source, ChunkSizes sizes, List<Chunker.Hint> hints, Stats stats) {
        return chunks(source, sizes, hints, stats, true);
    }

    /** As {@link #chunks(Flux, ChunkSizes, List, Stats)}; without {@code hintedBytes}, a chunk a hint matched comes without its bytes. */
    static Flux<Chunk> chunks(Flux<ByteBuffer> source, ChunkSizes sizes, List<Chunker.Hint> hints, Stats stats, boolean hintedBytes) {
        Hints parsed = Hints.of(hints);
        return Flux.defer(() -> {
            Cutter cutter = new Cutter(sizes, parsed, stats);
            cutter.hintedBytes = hintedBytes;
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
            }, 1).concatWith(Flux.<Chunk>generate(sink -> {
                Chunk c = cutter.finish();
                if (c != null) {
                    sink.next(c);
                } else {
                    sink.complete();
                }
            }));
        });
    }

    /**
     * Cuts {@code array[from, to)} into chunks without copying it: the chunks are views of the array, which the
     * caller keeps unchanged while they are used. The same chunks, boundaries and digests as {@link #chunks} over the
     * same bytes, hints or none: it is the same {@link Cutter}, reading its input where it lies instead of copying it
     * into its working array.
     */
    static Flux<Chunk> chunks(byte[] array, int from, int to, ChunkSizes sizes, List<Chunker.Hint> hints, Stats stats, boolean hintedBytes) {
        if (from < 0 || to < from || to > array.length) {
            throw new IndexOutOfBoundsException("range [" + from + ", " + to + ") of an array of " + array.length);
        }
        Hints parsed = Hints.of(hints);
        return Flux.defer(() -> {
            Cutter cutter = new Cutter(sizes, parsed, stats, array, from, to);
            cutter.hintedBytes = hintedBytes;
            boolean[] ended = {false};
            return Flux.<Chunk>generate(sink -> {
                Chunk c = null;
                if (!ended[0]) {
                    c = cutter.next(NO_INPUT);
                    ended[0] = c == null;
                }
                if (c == null) {
                    c = cutter.finish();
                }
                if (c != null) {
                    sink.next(c);
                } else {
                    sink.complete();
                }
            });
        });
    }

    /** The input a cutter over a whole array is given: it reads the array, never this. */
    private static final ByteBuffer NO_INPUT = ByteBuffer.allocate(0).asReadOnlyBuffer();

    /** Work counters of a chunker (not thread-safe: one subscription at a time). */
    static final class Stats {
        /** Bytes the gear hash ran over (the scan that finds cut points). */
        long gearBytes;
        /** Bytes fed to SHA-256: the input's length when no hint missed, up to one chunk more per missed hint. */
        long shaBytes;
        /** Chunks emitted because a hint matched, without scanning them. */
        long hinted;
        /** Hints tried that did not match. */
        long missed;

        @Override
        public String toString() {
            return "gear " + gearBytes + " B, sha " + shaBytes + " B, " + hinted + " hinted, " + missed + " missed";
        }
    }

    /** The hints, parsed once: digests as bytes (null when not a SHA-256 in hex) and where each digest occurs. */
    static final class Hints {
        static final Hints NONE = of(List.of());

        final byte[] @Nullable [] sha;
        final int[] size;
        final Map<String, int[]> where;

        private Hints(byte[] @Nullable [] sha, int[] size, Map<String, int[]> where) {
            this.sha = sha;
            this.size = size;
            this.where = where;
        }

        static Hints of(List<Chunker.Hint> hints) {
            int n = hints.size();
            byte[][] sha = new byte[n][];
            int[] size = new int[n];
            Map<String, List<Integer>> at = new HashMap<>();
            for (int i = 0; i < n; i++) {
                Chunker.Hint h = hints.get(i);
                size[i] = h.size();
                sha[i] = parse(h.sha256());
                if (sha[i] != null) {
                    at.computeIfAbsent(HEX.formatHex(sha[i]), k -> new ArrayList<>()).add(i);
                }
            }
            Map<String, int[]> where = new HashMap<>();
            at.forEach((k, v) -> where.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
            return new Hints(sha, size, where);
        }

        private static byte @Nullable [] parse(String hex) {
            if (hex.length() != 64) {
                return null;
            }
            try {
                return HEX.parseHex(hex);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        int count() {
            return size.length;
        }

        /** Whether hint {@code i} could ever match a chunk of at most {@code max} bytes. */
        boolean usable(int i, int max) {
            return sha[i] != null && size[i] >= 1 && size[i] <= max;
        }

        /** The first index at or after {@code from} of a hint with this digest, else the first anywhere, else -1. */
        int find(byte[] digest, int from) {
            if (where.isEmpty()) {
                return -1;
            }
            int[] at = where.get(HEX.formatHex(digest));
            if (at == null) {
                return -1;
            }
            for (int i : at) {
                if (i >= from) {
                    return i;
                }
            }
            return at[0];
        }
    }

    /**
     * The chunker's state across input buffers: the current chunk's bytes, rolling hash and digest, and where it is
     * in the hints.
     *
     * <p><b>Hints.</b> A cut depends only on the bytes since the chunk's start (the gear hash restarts at every
     * chunk), so if the next {@code s} bytes are, by their SHA-256, a chunk FastCDC cut with these sizes before,
     * FastCDC finds no cut point before {@code s} in them now either. It cuts at {@code s} if the rule that ended
     * that chunk holds at {@code s}: {@code s} is the maximum, or the gear hash of the 64 bytes before {@code s}
     * meets the mask for that position (checked here, 64 steps), or the input ends there. The last check is what
     * makes the parent's last chunk safe: it ended with its stream, not necessarily at a cut point; when the rule
     * does not hold, the chunk goes on past {@code s} and is scanned from there with the gear hash just computed,
     * unless the input ends at {@code s} too. So a hint that matches gives exactly the chunk FastCDC would cut, at
     * the cost of one SHA-256 pass and no scan.
     *
     * <p>The end is checked first, once the hint's {@code s} bytes are buffered: a hint whose end is no cut point here
     * is not a match (unless it is the list's last, which may be its stream's last chunk). The bytes are hashed as
     * they are copied in while the hints are in step with the input (the last chunk was a hint's), else only after
     * the end check, so a hint out of step with the input costs 64 gear steps. A hint hashed that does not match
     * costs nothing more than scanning when FastCDC cuts at or after {@code s} (the digest of the first {@code s}
     * bytes is kept going, by a copy of its state taken before the check), and one more SHA-256 pass over the chunk
     * when it cuts before.
     *
     * <p>The one assumption: a hint whose digest matches the bytes is a chunk that FastCDC cut with these sizes (any
     * chunk of any partition, including a stream's last). Hints from chunking with other sizes must not be passed.
     *
     * <p>Alignment: a cursor walks the hints; after a match it moves to the next one; after a miss to the one after
     * the miss; after a scanned chunk to the one after that chunk's digest among the hints, if there. After
     * {@value #MAX_MISSES} misses in a row hints are not tried until a scanned chunk is found among them. And however
     * the hints are wrong, no hint is tried once the bytes hashed twice exceed a quarter of the input so far (plus two
     * maximum chunks), so SHA-256 never runs over more than about 1.25 times the input.
     */
    static final class Cutter {
        private final int min;
        private final int avg;
        private final int max;
        private final long maskSmall;
        private final long maskLarge;
        /**
         * The working array: grows (doubling) up to the maximum chunk size as chunks need it, then stays. Over a whole
         * array ({@link #whole}), it is that array, and the current chunk starts at {@link #base}.
         */
        private byte[] work;
        /** Whether the input is {@code work[base, end)} itself, read where it lies (nothing is copied). */
        private final boolean whole;
        /** Where the current chunk starts in {@code work}: 0 for a stream (its bytes are moved to the front). */
        private int base;
        /** Over a whole array: where the input ends in {@code work}. */
        private final int end;
        private final Hints hints;
        private final Stats stats;
        private MessageDigest md = sha256();
        /** Bytes of the current chunk (and possibly the start of the next ones) in {@code work}, from {@code base}. */
        private int filled;
        /** {@code md} holds exactly {@code work[0, hashed)}. */
        private int hashed;
        /** The gear hash ran over {@code work[min, scanned)} and found no cut point; {@code hash} is its state. */
        private int scanned;
        private long hash;
        private long offset;
        /** The hint being tried for the current chunk, or -1 when scanning. */
        private int hint = -1;
        /** The next hint to try. */
        private int cursor;
        private int misses;
        /** Whether the last chunk was a hint's (or none was cut yet): the next hint very likely matches too. */
        private boolean inStep = true;
        /** Bytes hashed for missed hints and hashed again. */
        private long wasted;
        /** A hint that matched but ends at no cut point: a chunk only if the input ends there; else -1. */
        private int pending = -1;
        private byte[] pendingDigest = new byte[0];
        private @Nullable MessageDigest pendingGoOn;
        private long pendingHash;

        Cutter(ChunkSizes sizes) {
            this(sizes, Hints.NONE, new Stats());
        }

        /** Whether a chunk a hint matched is emitted with a copy of its bytes (the caller may already have them). */
        boolean hintedBytes = true;

        Cutter(ChunkSizes sizes, Hints hints, Stats stats) {
            this(sizes, hints, stats, null, 0, 0);
        }

        /** A cutter over {@code input[from, to)}, which it reads in place; or, with a null input, over a stream. */
        Cutter(ChunkSizes sizes, Hints hints, Stats stats, byte @Nullable [] input, int from, int to) {
            this.min = sizes.min();
            this.avg = sizes.avg();
            this.max = sizes.max();
            // Normalization level 2: two more mask bits below the average (cuts 4x rarer), two fewer above (4x likelier).
            // The masks take the top bits of the gear hash, which depend on the last 64 bytes.
            this.maskSmall = -1L << (64 - (sizes.bits() + 2));
            this.maskLarge = -1L << (64 - (sizes.bits() - 2));
            // Not the maximum at once: zeroing 8 MiB per 16 MiB partition cost about a tenth of the hinted throughput.
            this.whole = input != null;
            this.work = input != null ? input : new byte[Math.min(max, 2 * avg)];
            this.base = from;
            this.end = to;
            this.hints = hints;
            this.stats = stats;
            pickHint();
        }

        /** Consumes {@code in} until a chunk is complete (returned) or {@code in} is exhausted (null). */
        @Nullable Chunk next(ByteBuffer in) {
            return advance(in, false);
        }

        /** The next chunk at the end of the input (the rest may still hold cut points), or null when none is left. */
        @Nullable Chunk finish() {
            return advance(ByteBuffer.allocate(0), true);
        }

        private @Nullable Chunk advance(ByteBuffer in, boolean eof) {
            if (pending >= 0) {
                if (eof) {
                    int i = pending;
                    pending = -1;
                    return emit(filled, pendingDigest, i);
                }
                if (!hasInput(in)) {
                    return null;
                }
                pending = -1; // more input: the chunk goes on past the hint's end
                goOn(pendingGoOn, filled, pendingHash);
            }
            while (true) {
                if (hint >= 0) {
                    int s = hints.size[hint];
                    if (filled < s) {
                        if (hasInput(in)) {
                            take(in, Math.min(inputLeft(in), whole ? s - filled : Math.min(STEP, s - filled)));
                            if (inStep) { // the last chunk was a hint's: hash while the bytes are in the cache
                                update(filled);
                            }
                        } else if (eof) { // the input ends before the hint does: scan what there is
                            miss(md);
                        } else {
                            return null;
                        }
                        continue;
                    }
                    long h = gearAt(s);
                    boolean cuts = s == max || (s > min && (h & (s - 1 < avg ? maskSmall : maskLarge)) == 0);
                    if (!cuts && hint != hints.count() - 1) {
                        // Only a stream's last chunk may end at no cut point, and in a partition's list that is the
                        // last hint: these bytes are not this hint's chunk (or one that must be scanned anyway).
                        miss(md);
                        continue;
                    }
                    update(s);
                    Chunk c = tryHint(s, h, cuts, in, eof);
                    if (c != null || pending >= 0) {
                        return c;
                    }
                    continue;
                }
                if (scanned < filled) {
                    int to = Math.min(filled, scanned + STEP);
                    int cut = scan(scanned, to);
                    if (cut >= 0) {
                        if (cut < hashed) { // a missed hint hashed past the cut: hash the chunk again
                            wasted += hashed;
                            md.reset();
                            hashed = 0;
                        }
                        update(cut);
                        return emit(cut, md.digest(), -1);
                    }
                    if (to > hashed) {
                        update(to);
                    }
                    scanned = to;
                    if (scanned == max) {
                        return emit(max, md.digest(), -1);
                    }
                } else if (hasInput(in)) {
                    take(in, Math.min(inputLeft(in), whole ? max - filled : Math.min(STEP, max - filled)));
                } else if (eof && filled > 0) {
                    update(filled);
                    return emit(filled, md.digest(), -1);
                } else {
                    return null;
                }
            }
        }

        /**
         * {@code work[0, s)} is hashed: the hint's chunk when FastCDC cuts there, else null with the state set to
         * scan on (or to wait for the end of the input).
         */
        private @Nullable Chunk tryHint(int s, long h, boolean cuts, ByteBuffer in, boolean eof) {
            MessageDigest goOn = copy(md); // md over [0, s), to go on with if the chunk turns out longer
            byte[] d = md.digest();
            if (!MessageDigest.isEqual(d, hints.sha[hint])) {
                miss(goOn);
                return null;
            }
            int i = hint;
            hint = -1;
            if (cuts) {
                return emit(s, d, i);
            }
            // The same bytes, but their end is no cut point (the parent's last chunk): a chunk only if the input ends here.
            if (eof && filled == s) {
                return emit(s, d, i);
            }
            cursor = i + 1;
            misses = 0;
            if (filled > s || hasInput(in)) {
                goOn(goOn, s, h);
                return null;
            }
            pending = i;
            pendingDigest = d;
            pendingGoOn = goOn;
            pendingHash = h;
            return null;
        }

        /** The current chunk's bytes were not the hint's: scan them from the start, keeping what is hashed if possible. */
        private void miss(@Nullable MessageDigest goOn) {
            cursor = hint + 1;
            misses++;
            stats.missed++;
            hint = -1;
            goOn(goOn, 0, 0);
        }

        /** Scans on from {@code at} (no cut before it, gear state {@code h}) with {@code goOn} over what is hashed. */
        private void goOn(@Nullable MessageDigest goOn, int at, long h) {
            if (goOn != null) {
                md = goOn;
            } else {
                md.reset();
                hashed = 0;
            }
            scanned = at;
            hash = h;
        }

        private boolean hasInput(ByteBuffer in) {
            return whole ? base + filled < end : in.hasRemaining();
        }

        private int inputLeft(ByteBuffer in) {
            return whole ? end - base - filled : in.remaining();
        }

        /** Adds the next {@code k} input bytes to the current chunk: copied from a stream, already in place over an array. */
        private void take(ByteBuffer in, int k) {
            if (!whole) {
                room(filled + k);
                in.get(work, filled, k);
            }
            filled += k;
        }

        private void room(int n) {
            if (n > work.length) {
                work = Arrays.copyOf(work, Math.min(max, Math.max(n, 2 * work.length)));
            }
        }

        private void update(int to) {
            md.update(work, base + hashed, to - hashed);
            stats.shaBytes += to - hashed;
            hashed = to;
        }

        /** The gear hash after position {@code s - 1} of a chunk: only the last 64 bytes (at or after min) count. */
        private long gearAt(int s) {
            long h = 0;
            int from = Math.max(min, s - 64);
            for (int j = base + from; j < base + s; j++) {
                h = (h << 1) + GEAR[work[j] & 0xff];
            }
            stats.gearBytes += Math.max(0, s - from);
            return h;
        }

        /** Scans {@code work[from, to)}; returns the chunk's length when it ends in there, else -1. */
        private int scan(int from, int to) {
            long h = hash;
            int first = Math.max(from, min); // cut-point skipping: nothing below the minimum is hashed
            int b = base; // the loops run over positions in work; the chunk's lengths are relative to b
            int i = b + first;
            int normal = b + Math.min(to, avg);
            int stop = b + to;
            byte[] w = work;
            long[] g = GEAR;
            long m = maskSmall;
            for (; i < normal; i++) {
                h = (h << 1) + g[w[i] & 0xff];
                if ((h & m) == 0) {
                    return cutAt(i + 1 - b, first);
                }
            }
            m = maskLarge;
            for (; i < stop; i++) {
                h = (h << 1) + g[w[i] & 0xff];
                if ((h & m) == 0) {
                    return cutAt(i + 1 - b, first);
                }
            }
            hash = h;
            stats.gearBytes += Math.max(0, to - first);
            return -1;
        }

        private int cutAt(int end, int first) {
            stats.gearBytes += end - first;
            hash = 0;
            return end;
        }

        /** Emits {@code work[0, len)} with its digest; {@code viaHint} is the hint it matched, or -1 if scanned. */
        private Chunk emit(int len, byte[] digest, int viaHint) {
            Chunk c = viaHint >= 0 && !hintedBytes ? Chunk.withoutBytes(offset, len, digest)
                    : whole ? Chunk.view(offset, work, base, len, digest) : new Chunk(offset, Arrays.copyOf(work, len), digest);
            offset += len;
            filled -= len;
            if (whole) {
                base += len;
            } else if (filled > 0) {
                System.arraycopy(work, len, work, 0, filled); // the start of the next chunk
            }
            hashed = 0;
            scanned = 0;
            hash = 0;
            inStep = viaHint >= 0;
            if (viaHint >= 0) {
                stats.hinted++;
                cursor = viaHint + 1;
                misses = 0;
            } else {
                int j = hints.find(digest, cursor);
                if (j >= 0) {
                    cursor = j + 1;
                    misses = 0;
                }
            }
            pickHint();
            return c;
        }

        /** Chooses the hint to try for the next chunk (skipping hints that could never match), or none. */
        private void pickHint() {
            while (cursor < hints.count() && !hints.usable(cursor, max)) {
                cursor++;
            }
            boolean affordable = misses < MAX_MISSES && wasted <= offset / 4 + 2L * max;
            hint = affordable && cursor < hints.count() ? cursor : -1;
        }
    }

    private static @Nullable MessageDigest copy(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            return null; // then a missed hint costs one more SHA-256 pass
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

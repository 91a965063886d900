package dev.checkpointer;

import java.util.Objects;

/**
 * Incremental checkpoints: how large partitions are cut into content-defined chunks, so that a save uploads only
 * the chunks its parent checkpoint does not already have, and how chunks are stored. Off by default
 * ({@link #off()}); {@link #on()} turns it on with sensible sizes. Immutable: each {@code with…} returns a copy.
 *
 * <p>A partition of at least {@link #threshold()} bytes is cut with FastCDC into chunks of about
 * {@link #averageChunkSize()} bytes (a quarter of it at least, eight times at most). Each chunk is named by the
 * SHA-256 of its bytes; a chunk the checkpoint being saved on already references is not uploaded again, so an
 * unchanged partition costs no upload, and a change costs about one chunk per edited place. The manifest lists
 * every chunk; reads verify each chunk and the whole partition.
 *
 * <p><b>Compatibility.</b> A checkpoint with chunked partitions is written in manifest format 3.0, which library
 * versions that predate chunking refuse to read (with a clear "upgrade" error, never wrong bytes). Turn chunking on once every
 * reader of the location runs a version that reads it. Checkpoints without chunked partitions keep format 2.0.
 *
 * <p>Compression ({@link #withZstd(int)}) needs {@code com.github.luben:zstd-jni} on the class path. The SHA-256 is
 * always of the uncompressed bytes (what readers get); the store's own checksum covers the stored bytes.
 */
public final class Chunking {
    /** The default threshold: partitions of 4 MiB or more are chunked. */
    public static final long DEFAULT_THRESHOLD = 4L << 20;
    /** The default average chunk size: 1 MiB. */
    public static final int DEFAULT_AVERAGE = 1 << 20;
    /** The largest average chunk size: 32 MiB (chunks are at most eight times the average). */
    public static final int MAX_AVERAGE = 32 << 20;

    private static final Chunking OFF = new Chunking(false, DEFAULT_THRESHOLD, DEFAULT_AVERAGE, "none", 0);

    private final boolean enabled;
    private final long threshold;
    private final int averageChunkSize;
    private final String codec;
    private final int level;

    private Chunking(boolean enabled, long threshold, int averageChunkSize, String codec, int level) {
        this.enabled = enabled;
        this.threshold = threshold;
        this.averageChunkSize = averageChunkSize;
        this.codec = codec;
        this.level = level;
    }

    /**
     * No chunking: every partition is written whole (the default).
     *
     * @return the setting
     */
    public static Chunking off() {
        return OFF;
    }

    /**
     * Chunking on: partitions of {@value #DEFAULT_THRESHOLD} bytes or more, chunks of about 1 MiB, uncompressed.
     *
     * @return the setting
     */
    public static Chunking on() {
        return new Chunking(true, DEFAULT_THRESHOLD, DEFAULT_AVERAGE, "none", 0);
    }

    /**
     * Chunks partitions of at least {@code bytes} bytes; smaller ones are written whole.
     *
     * @param bytes at least 1
     * @return a copy with this threshold
     * @throws InvalidInputException when below 1
     */
    public Chunking withThreshold(long bytes) {
        if (bytes < 1) {
            throw new InvalidInputException("chunking threshold must be at least 1 byte, got " + bytes);
        }
        return new Chunking(enabled, bytes, averageChunkSize, codec, level);
    }

    /**
     * The average chunk size. Smaller chunks find more unchanged data around scattered edits, at the cost of more
     * requests per save and a longer manifest (about 150 bytes per chunk).
     *
     * @param bytes a power of two from 64 to {@value #MAX_AVERAGE}
     * @return a copy with this average
     * @throws InvalidInputException when not a power of two in range
     */
    public Chunking withAverageChunkSize(int bytes) {
        if (bytes < 64 || bytes > MAX_AVERAGE || Integer.bitCount(bytes) != 1) {
            throw new InvalidInputException("average chunk size must be a power of two from 64 to " + MAX_AVERAGE + ", got " + bytes);
        }
        return new Chunking(enabled, threshold, bytes, codec, level);
    }

    /**
     * Compresses new chunks with zstd at {@code level} (3 is zstd's default and a good trade-off). Needs zstd-jni on
     * the class path when a save runs; chunks written before keep the codec they were written with.
     *
     * @param level 1 to 22
     * @return a copy that compresses
     * @throws InvalidInputException when the level is out of range
     */
    public Chunking withZstd(int level) {
        if (level < 1 || level > 22) {
            throw new InvalidInputException("zstd level must be from 1 to 22, got " + level);
        }
        return new Chunking(enabled, threshold, averageChunkSize, "zstd", level);
    }

    /**
     * Stores new chunks as they are (the default).
     *
     * @return a copy that does not compress
     */
    public Chunking uncompressed() {
        return new Chunking(enabled, threshold, averageChunkSize, "none", 0);
    }

    /** @return whether large partitions are chunked */
    public boolean enabled() {
        return enabled;
    }

    /** @return the size from which a partition is chunked */
    public long threshold() {
        return threshold;
    }

    /** @return the average chunk size */
    public int averageChunkSize() {
        return averageChunkSize;
    }

    /** @return the codec new chunks are stored with: {@code none} or {@code zstd} */
    public String codec() {
        return codec;
    }

    /** @return the zstd level, 0 when uncompressed */
    public int level() {
        return level;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Chunking c && c.enabled == enabled && c.threshold == threshold && c.averageChunkSize == averageChunkSize
                && c.codec.equals(codec) && c.level == level;
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, threshold, averageChunkSize, codec, level);
    }

    @Override
    public String toString() {
        return enabled ? "Chunking[threshold=" + threshold + ", average=" + averageChunkSize + ", codec=" + codec + (level > 0 ? " " + level : "") + "]"
                : "Chunking[off]";
    }
}

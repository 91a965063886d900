package dev.checkpointer.internal.chunk;

import dev.checkpointer.InvalidInputException;

/**
 * Minimum, average and maximum chunk sizes of {@link FastCdc}. The average is a power of two (it sets the cut masks);
 * by default the minimum is a quarter of it and the maximum eight times it, as in the FastCDC paper.
 *
 * @param min no chunk but the last is shorter
 * @param avg the target average (a power of two)
 * @param max no chunk is longer: the most the chunker ever buffers
 */
public record ChunkSizes(int min, int avg, int max) {
    /** The default: 1 MiB average, 256 KiB minimum, 8 MiB maximum. */
    /** 256 KiB, 1 MiB, 8 MiB. */
    public static final ChunkSizes DEFAULT = ofAverage(1 << 20);

    /** The largest maximum chunk size. */
    public static final int MAX_MAX = 256 << 20;

    public ChunkSizes {
        if (avg < 64 || Integer.bitCount(avg) != 1) {
            throw new InvalidInputException("average chunk size must be a power of two of at least 64 bytes, got " + avg);
        }
        if (min < 1 || min >= avg) {
            throw new InvalidInputException("minimum chunk size must be between 1 and the average (" + avg + ") exclusive, got " + min);
        }
        if (max <= avg || max > MAX_MAX) {
            throw new InvalidInputException("maximum chunk size must be above the average (" + avg + ") and at most " + MAX_MAX + ", got " + max);
        }
    }

    /** {@code avg / 4}, {@code avg}, {@code avg * 8}. */
    /**
     * A quarter, one and eight times a power-of-two average.
     *
     * @param avg the average
     * @return the sizes
     */
    public static ChunkSizes ofAverage(int avg) {
        if (avg < 64 || Integer.bitCount(avg) != 1 || avg > MAX_MAX / 8) {
            throw new InvalidInputException("average chunk size must be a power of two between 64 and " + MAX_MAX / 8 + ", got " + avg);
        }
        return new ChunkSizes(avg / 4, avg, avg * 8);
    }

    /** log2 of the average. */
    /** @return log2 of the average */
    public int bits() {
        return Integer.numberOfTrailingZeros(avg);
    }
}

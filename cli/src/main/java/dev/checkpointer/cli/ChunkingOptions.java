package dev.checkpointer.cli;

import dev.checkpointer.Chunking;
import dev.checkpointer.InvalidInputException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --chunking[=AVG] --chunk-threshold SIZE --zstd[=LEVEL]}: incremental checkpoints for the commands that save
 * ({@code demo}, {@code copy}), mapped onto the library's {@link Chunking}.
 */
final class ChunkingOptions {
    @Option(names = "--chunking", arity = "0..1", paramLabel = "AVG", fallbackValue = "1MiB",
            description = "Save incrementally: cut partitions of at least --chunk-threshold into content-defined chunks of "
                    + "about AVG bytes (a power of two from 64 B to 32 MiB, e.g. 64KiB; default 1MiB) and upload only the "
                    + "chunks the previous checkpoint lacks. Written as manifest format 3.0, which library versions before "
                    + "0.3 refuse to read.")
    @Nullable String average;

    @Option(names = "--chunk-threshold", paramLabel = "SIZE",
            description = "With --chunking: partitions of at least SIZE bytes are chunked, smaller ones are written whole (default 4MiB).")
    @Nullable String threshold;

    @Option(names = "--zstd", arity = "0..1", paramLabel = "LEVEL", fallbackValue = "3",
            description = "With --chunking: compress new chunks with zstd at LEVEL (1 to 22, default 3). The SHA-256 stays that of the uncompressed bytes.")
    @Nullable Integer zstd;

    /** Whether any of the options was given. */
    boolean given() {
        return average != null || threshold != null || zstd != null;
    }

    /**
     * The setting the options ask for.
     *
     * @return {@link Chunking#off()} when none was given
     * @throws InvalidInputException when --chunk-threshold or --zstd is given without --chunking, or a value is out of range
     */
    Chunking chunking() {
        if (average == null) {
            if (threshold != null || zstd != null) {
                throw new InvalidInputException((threshold != null ? "--chunk-threshold" : "--zstd") + " needs --chunking");
            }
            return Chunking.off();
        }
        long avg = parseSize("--chunking", average);
        if (avg > Integer.MAX_VALUE) {
            throw new InvalidInputException("--chunking must be at most 32MiB, got " + average);
        }
        Chunking c = Chunking.on().withAverageChunkSize((int) avg);
        if (threshold != null) {
            c = c.withThreshold(parseSize("--chunk-threshold", threshold));
        }
        if (zstd != null) {
            c = c.withZstd(zstd);
        }
        return c;
    }

    /**
     * A size: a number of bytes with an optional binary unit ({@code 512}, {@code 64KiB}, {@code 64k}, {@code 1MiB},
     * {@code 1m}, {@code 1GiB}).
     *
     * @param option the option, for the error message
     * @param text the value
     * @return bytes
     * @throws InvalidInputException when it is not a size
     */
    static long parseSize(String option, String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        String[][] units = {{"gib", "30"}, {"mib", "20"}, {"kib", "10"}, {"g", "30"}, {"m", "20"}, {"k", "10"}, {"b", "0"}};
        int shift = 0;
        for (String[] u : units) {
            if (s.endsWith(u[0])) {
                s = s.substring(0, s.length() - u[0].length()).strip();
                shift = Integer.parseInt(u[1]);
                break;
            }
        }
        try {
            long n = Long.parseLong(s);
            if (n < 0 || n > (Long.MAX_VALUE >> shift)) {
                throw new NumberFormatException();
            }
            return n << shift;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(option + " must be a size such as 65536, 64KiB or 1MiB, got '" + text + "'");
        }
    }
}

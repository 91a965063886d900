package dev.checkpointer.compat.jackson;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * What the compatibility tests share: where they work (under {@code target/}, set by the build), the store locations
 * they open through the public API only, and deterministic payloads.
 */
final class Compat {
    /** Longest wait for any one reactive call. */
    static final Duration T = Duration.ofSeconds(30);
    /** Partitions below this many bytes travel inside the manifest. */
    static final int INLINE_THRESHOLD = 1024;
    /** Inline budget of one manifest; further small partitions are packed into a sidecar object. */
    static final int MAX_INLINE_BYTES = 2048;

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private Compat() {}

    /** The two stores every round trip runs on. */
    enum StoreKind {
        MEMORY,
        FILE;

        /**
         * A new, empty location of this kind.
         *
         * @param name a readable part of the location's name
         * @return its URI
         */
        String freshLocation(String name) {
            return switch (this) {
                case MEMORY -> "memory://compat-" + name + "-" + SEQUENCE.incrementAndGet() + "-" + System.nanoTime();
                case FILE -> freshDirectory(name).toUri().toString();
            };
        }
    }

    /**
     * The system property the build sets, refusing to guess when it is missing.
     *
     * @param name property name
     * @return its value
     */
    static String property(String name) {
        String value = System.getProperty(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + name + " is not set: run through Maven (compat/jackson/pom.xml sets it)");
        }
        return value;
    }

    /**
     * A new empty directory under the module's {@code target/work}.
     *
     * @param name a readable part of its name
     * @return the absolute path
     */
    static Path freshDirectory(String name) {
        Path dir = Path.of(property("compat.work.dir")).toAbsolutePath()
                .resolve(name + "-" + SEQUENCE.incrementAndGet() + "-" + System.nanoTime());
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A checkpointer on a location with the small inline thresholds the tests rely on.
     *
     * @param location store URI
     * @return the checkpointer, owned by the caller
     */
    static Checkpointer open(String location) {
        return Checkpointer.builder().location(location)
                .inlineThreshold(INLINE_THRESHOLD).maxInlineBytes(MAX_INLINE_BYTES).build();
    }

    /**
     * Copies a directory tree.
     *
     * @param from source directory
     * @param to target directory (created)
     */
    static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every key the store at a location holds, as its own {@code list} reports them (a {@code file:} store's private
     * bookkeeping, such as its lock file, is not a key).
     *
     * @param location store URI
     * @return the keys, sorted
     */
    static List<String> storeKeys(String location) {
        try (ObjectStore store = ObjectStores.open(location, Map.of())) {
            return store.list("").map(ObjectInfo::key).sort().collectList().block(T);
        }
    }

    /**
     * Deterministic bytes: {@code new Random(seed).nextBytes(new byte[n])}, the recipe of the golden locations.
     *
     * @param n how many
     * @param seed the seed
     * @return the bytes
     */
    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /**
     * A whole partition, read (and SHA-256 verified by the library).
     *
     * @param checkpoint the checkpoint
     * @param operator operator
     * @param partition partition
     * @return its bytes
     */
    static byte[] read(Checkpoint checkpoint, String operator, int partition) {
        return Buffers.toArray(checkpoint.read(operator, partition).block(T));
    }
}

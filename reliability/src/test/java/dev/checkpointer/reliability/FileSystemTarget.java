package dev.checkpointer.reliability;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.filesystem.FileSystemStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The local-disk store, a directory per location under {@code target/reliability/fs}. Handles are opened with
 * {@code fsync} off: the suite simulates process crashes, not power loss, and a forced write differs from an unforced
 * one only in durability across power loss (the temp-file-then-atomic-publish protocol is the same), while fsync makes
 * every write several times slower. {@link Location#uri()} gives a URI with the store's defaults (fsync on), which is
 * what the load test opens. Multipart uploads live in {@code .checkpointer-store/uploads/<id>/} under the root, which
 * is how pending uploads are counted.
 */
public final class FileSystemTarget implements StoreTarget {
    private static final AtomicLong NAMES = new AtomicLong();

    /** Creates the target. */
    public FileSystemTarget() {}

    @Override
    public String name() {
        return "filesystem";
    }

    @Override
    public FsLocation create(String label) {
        Path dir = Scale.workDir().resolve("fs").resolve(label + "-" + NAMES.incrementAndGet());
        try {
            deleteTree(dir);
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new FsLocation(dir);
    }

    @Override
    public String toString() {
        return name();
    }

    /**
     * Deletes a directory tree. A write that was still running when the location closed (a detached write of a
     * cancelled save lands, and the engine then deletes it) can add a file while the tree is walked: walked again, at
     * most five times, a few milliseconds apart.
     */
    static void deleteTree(Path dir) throws IOException {
        for (int attempt = 1;; attempt++) {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.NoSuchFileException | java.io.UncheckedIOException e) {
                if (attempt >= 5) {
                    throw e;
                }
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** A directory. */
    public static final class FsLocation implements Location {
        private final Path dir;
        private final List<ObjectStore> opened = new ArrayList<>();
        private ObjectStore observer;

        FsLocation(Path dir) {
            this.dir = dir;
        }

        /**
         * The root directory.
         *
         * @return the directory
         */
        public Path dir() {
            return dir;
        }

        @Override
        public String target() {
            return "filesystem";
        }

        @Override
        public synchronized ObjectStore open() {
            ObjectStore s = FileSystemStore.builder(dir).fsync(false).build();
            opened.add(s);
            return s;
        }

        @Override
        public String uri() {
            return dir.toUri().toString();
        }

        /** Lists through one long-lived handle: opening a store per listing costs a thread pool each time. */
        @Override
        public synchronized List<String> keys() {
            if (observer == null) {
                observer = open();
            }
            return observer.list("").map(dev.checkpointer.spi.ObjectInfo::key).sort().collectList().block(java.time.Duration.ofSeconds(60));
        }

        @Override
        public OptionalInt pendingUploads() {
            Path uploads = dir.resolve(".checkpointer-store").resolve("uploads");
            if (!Files.isDirectory(uploads)) {
                return OptionalInt.of(0);
            }
            try (Stream<Path> s = Files.list(uploads)) {
                return OptionalInt.of((int) s.filter(Files::isDirectory).count());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public synchronized void close() {
            opened.forEach(ObjectStore::close);
            opened.clear();
            observer = null;
            try {
                deleteTree(dir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}

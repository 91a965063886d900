package dev.checkpointer.store.filesystem;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.filesystem.internal.FsConfig;
import dev.checkpointer.store.filesystem.internal.FsObjectStore;
import dev.checkpointer.store.filesystem.internal.FsPermissions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;

/**
 * The filesystem store's facade: an {@link ObjectStore} on a local directory: the embedded default, durable on one machine, and safe for several
 * processes of that machine sharing the directory.
 *
 * <h2>Layout</h2>
 * The object {@code a/b/c} is the file {@code ROOT/a/b/c}, byte for byte, so a store can be inspected with
 * ordinary tools. The store's own files start with {@code .checkpointer-} (temp files next to their targets, and
 * {@code ROOT/.checkpointer-store/} with the lock file and multipart uploads); keys may not have segments with
 * that prefix, and listings never show those files. Keys that cannot escape the root: on top of
 * {@link dev.checkpointer.spi.StoreKeys}'s rules, every segment must be exactly one file name for this operating
 * system (at most 255 UTF-8 bytes; on Windows no {@code <>:"|?*}, trailing dot or space, or device name), and the
 * store never follows a symbolic link below the root (a key through a link fails with
 * {@code STORE_ACCESS_DENIED}; listings skip links). Because a file cannot also be a directory, a key and a key
 * below it ({@code a} and {@code a/b}) cannot both exist: the second write fails with {@code STORE_BAD_REQUEST}.
 * On case-insensitive file systems keys that differ only in case are the same object.
 *
 * <h2>Writes</h2>
 * A write streams the payload into {@code .checkpointer-tmp-<random>} in the target's directory, checks the
 * length (and the SHA-256 when one is declared), forces the file to disk ({@code FileChannel.force}), then
 * publishes it in one atomic step and forces the directory: readers see the old file or the new one, never a
 * partial one, and a crash leaves at most a temp file, which listings ignore and
 * {@link ObjectStore#cleanupIncomplete(String, Instant) cleanupIncomplete} removes.
 * <ul>
 *   <li>{@link dev.checkpointer.spi.Condition#IF_ABSENT}: a hard link from the temp file to the target
 *       ({@code link(2)} fails atomically when the target exists); where hard links are unsupported, a check and
 *       rename under the key's lock.</li>
 *   <li>{@link dev.checkpointer.spi.Condition#NONE} and if-match: an {@code ATOMIC_MOVE} rename under the key's
 *       lock, if-match comparing the current ETag first. The lock is a byte-range lock in
 *       {@code .checkpointer-store/lock}, one byte per stripe of keys, plus an in-JVM lock per stripe (file locks
 *       belong to the process), so compare-and-swap is atomic against other threads and other processes on this
 *       host. Deletes take the same lock. Network file systems are not supported.</li>
 * </ul>
 *
 * <h2>ETags</h2>
 * {@code ID-SIZE-MTIME}. Where the file system has extended attributes, ID is a random 128-bit write id stored in
 * the file's {@code user.checkpointer.etag} attribute before the file is published, so it changes with every
 * write, identical bytes or not. Elsewhere ID is the file's identity (device and inode) and the store makes each
 * new version's mtime strictly later than the current one's under the key's lock; see the {@code internal}
 * package for the one narrow case that leaves.
 *
 * <h2>Reads</h2>
 * A get opens the file and checks, by reading the metadata before and after, that the descriptor is the version
 * whose ETag it reports; the body then streams from that descriptor in chunks (256 KiB by default) with
 * positional reads, so an overwrite or delete during the read does not mix versions. Subscribe to a body once.
 * Listings walk directories lazily, one directory at a time, in lexicographic key order.
 *
 * <h2>Multipart</h2>
 * Parts are written to {@code .checkpointer-store/uploads/<id>/}; a retried part number replaces the part;
 * completing concatenates the parts into a temp file and publishes it like a put, under the condition given at
 * start; aborting deletes the upload, and succeeds even while parts are being written: the upload directory is
 * first renamed into {@code .checkpointer-store/trash/} in one atomic step, so those parts (and any sent later)
 * fail with {@code STORE_NOT_FOUND} and never recreate it; {@link ObjectStore#cleanupIncomplete(String, Instant) cleanupIncomplete} sweeps
 * whatever the trash still holds. Minimum part size 1 byte, at most 10,000 parts.
 *
 * <h2>The root</h2>
 * Neither opening nor reading ever creates anything. With {@link Builder#createRoot(boolean) createRoot} on (the
 * default), a missing root directory is created, with its parents, by the first write ({@code put},
 * {@code startMultipart}); until then the location reads as empty (an application's first {@code latest()} finds
 * nothing) and leaves no directory behind. With {@code createRoot} off, a missing root is an error for every
 * operation, {@link ErrorCode#STORE_LOCATION_NOT_FOUND} ("no checkpoint location at PATH"), until the directory
 * appears: use it where the location must already exist (the command-line tool's read commands do, so a mistyped
 * path fails instead of looking empty). An existing empty directory is an empty location either way.
 *
 * <h2>Threads and errors</h2>
 * Every file operation runs on a bounded-elastic scheduler owned by this store (threads named
 * {@code checkpointer-fs-N-M}), never on the caller's thread; {@link ObjectStore#close()} stops it. Missing files map to
 * {@code STORE_NOT_FOUND}, permission problems to {@code STORE_ACCESS_DENIED}, a declared SHA-256 or length that
 * the bytes do not match and key/directory collisions to {@code STORE_BAD_REQUEST}, interrupted I/O to
 * {@code STORE_TRANSIENT}, a full disk and other I/O errors to {@code STORE_FAILURE} (permanent).
 *
 * <p>Stores are built with {@link #builder(Path)} or {@link #open(Path)}, or opened from a {@code file:} URI through
 * {@link FileSystemStoreProvider}; either way they are plain {@link ObjectStore}s, and {@link ObjectStore#describe()}
 * gives the root as a {@code file:} URI.
 */
public final class FileSystemStore {
    private FileSystemStore() {}

    /**
     * Opens a store on a directory with default settings; the first write creates the directory when missing.
     *
     * @param root the root directory
     * @return the store, owned by the caller
     * @throws InvalidInputException when the root exists but is not a directory
     * @throws StoreException when the directory cannot be created or read
     */
    public static ObjectStore open(Path root) {
        return builder(root).build();
    }

    /**
     * A builder for a store on a directory.
     *
     * @param root the root directory; relative paths resolve against the working directory
     * @return the builder
     */
    public static Builder builder(Path root) {
        return new Builder(root);
    }

    /** Settings of a filesystem store; every setting has a default. */
    public static final class Builder {
        private final Path root;
        private boolean createRoot = true;
        private boolean fsync = true;
        private int threads = FsConfig.defaultThreads();
        private int readChunkSize = 256 * 1024;
        private boolean extendedAttributes = true;
        private FsPermissions permissions = FsPermissions.OWNER_ONLY;

        private Builder(Path root) {
            this.root = Objects.requireNonNull(root, "root");
        }

        /**
         * Whether the first write creates the root directory (and its parents) when missing. Default true. Off,
         * every operation on a missing root fails with {@code STORE_LOCATION_NOT_FOUND}. Never created by opening or
         * by a read.
         *
         * @param value true to create
         * @return this builder
         */
        public Builder createRoot(boolean value) {
            this.createRoot = value;
            return this;
        }

        /**
         * Whether every write is forced to disk (the file's bytes and the directory entry) before it is reported
         * done. Default true; turning it off trades durability across power loss for speed (a process crash still
         * never exposes a partial object).
         *
         * @param value true to force writes to disk
         * @return this builder
         */
        public Builder fsync(boolean value) {
            this.fsync = value;
            return this;
        }

        /**
         * Most threads doing file I/O for this store. Default four per processor, between 4 and 32.
         *
         * @param value 1 to 1024
         * @return this builder
         * @throws InvalidInputException when out of range
         */
        public Builder threads(int value) {
            if (value < 1 || value > 1024) {
                throw new InvalidInputException("threads must be between 1 and 1024, got " + value);
            }
            this.threads = value;
            return this;
        }

        /**
         * Size of each buffer a read emits. Default 256 KiB.
         *
         * @param bytes 4 KiB to 16 MiB
         * @return this builder
         * @throws InvalidInputException when out of range
         */
        public Builder readChunkSize(long bytes) {
            if (bytes < FsConfig.MIN_CHUNK || bytes > FsConfig.MAX_CHUNK) {
                throw new InvalidInputException("readChunkSize must be between " + FsConfig.MIN_CHUNK + " and " + FsConfig.MAX_CHUNK + " bytes, got " + bytes);
            }
            this.readChunkSize = (int) bytes;
            return this;
        }

        /**
         * Whether new objects get a random write id in an extended attribute, where the file system has them.
         * Default true. Turned off, ETags derive from the file's identity and modification time (see the class
         * documentation). Stores with different settings may share a root: ETags are computed from what each file
         * carries.
         *
         * @param value true to write ids
         * @return this builder
         */
        public Builder extendedAttributes(boolean value) {
            this.extendedAttributes = value;
            return this;
        }

        /**
         * The permissions of every file and directory the store creates (objects, temp files, multipart parts, the
         * lock file, directories, the root when it creates it), on file systems with POSIX permissions; elsewhere
         * ignored. Default {@code owner-only}: files {@code rw-------} (0600), directories {@code rwx------} (0700).
         * Directories get the file mode plus execute wherever a class may read or write. Existing files and
         * directories are not changed.
         *
         * @param value {@code owner-only}, {@code group-read} (0640/0750), {@code group-write} (0660/0770),
         *     {@code world-read} (0644/0755), or a file mode in octal ({@code 640}) or symbolic ({@code rw-r-----})
         *     form that keeps the owner's read and write and has no execute bits
         * @return this builder
         * @throws InvalidInputException for any other value, naming the accepted forms
         */
        public Builder permissions(String value) {
            this.permissions = FsPermissions.parse(Objects.requireNonNull(value, "permissions"));
            return this;
        }

        /**
         * Opens the store. Creates nothing: a missing root is created by the first write (see the class
         * documentation). Blocks briefly (resolves an existing root, probes the file system), so call it
         * where blocking is allowed, typically at start-up; everything the store does afterwards runs on its own
         * threads.
         *
         * @return the store, owned by the caller
         * @throws InvalidInputException when the root exists but is not a directory
         * @throws StoreException when the directory cannot be created or read
         */
        public ObjectStore build() {
            return FsObjectStore.open(new FsConfig(root, createRoot, fsync, threads, readChunkSize, extendedAttributes, permissions));
        }
    }
}

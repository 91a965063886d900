package dev.checkpointer.store.filesystem;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.store.filesystem.internal.FsConfig;
import dev.checkpointer.store.filesystem.internal.FsErrors;
import dev.checkpointer.store.filesystem.internal.FsEtags;
import dev.checkpointer.store.filesystem.internal.FsLayout;
import dev.checkpointer.store.filesystem.internal.FsPermissions;
import dev.checkpointer.store.filesystem.internal.FsStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * An {@link ObjectStore} on a local directory: the embedded default, durable on one machine, and safe for several
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
 * {@link #cleanupIncomplete(String, Instant)} removes.
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
 * fail with {@code STORE_NOT_FOUND} and never recreate it; {@link #cleanupIncomplete(String, Instant)} sweeps
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
 * {@code checkpointer-fs-N-M}), never on the caller's thread; {@link #close()} stops it. Missing files map to
 * {@code STORE_NOT_FOUND}, permission problems to {@code STORE_ACCESS_DENIED}, a declared SHA-256 or length that
 * the bytes do not match and key/directory collisions to {@code STORE_BAD_REQUEST}, interrupted I/O to
 * {@code STORE_TRANSIENT}, a full disk and other I/O errors to {@code STORE_FAILURE} (permanent).
 */
public final class FileSystemObjectStore implements ObjectStore {
    private final FsConfig config;
    /** The root as given, absolute and normalised (its real path is known once it exists). */
    private final Path root;
    /** Validates keys and prefixes before the root exists (no I/O). */
    private final FsLayout layout;
    private final Object openLock = new Object();
    private volatile @Nullable FsStore delegate;
    private volatile boolean closed;

    private FileSystemObjectStore(FsConfig config, Path root, @Nullable FsStore delegate) {
        this.config = config;
        this.root = root;
        this.layout = new FsLayout(root, config.fsync(), config.permissions());
        this.delegate = delegate;
    }

    /**
     * Opens a store on a directory with default settings; the first write creates the directory when missing.
     *
     * @param root the root directory
     * @return the store, owned by the caller
     * @throws InvalidInputException when the root exists but is not a directory
     * @throws StoreException when the directory cannot be created or read
     */
    public static FileSystemObjectStore open(Path root) {
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

    /**
     * The root directory, resolved to its real path (symbolic links in it resolved) once it exists; before that,
     * the absolute, normalised path it will be created at.
     *
     * @return the root
     */
    public Path root() {
        FsStore s = delegate;
        return s == null ? root : s.root();
    }

    /**
     * Whether new objects carry a random write id in an extended attribute (else ETags derive from the file's
     * identity and modification time).
     *
     * <p>Before the root exists, answered for the file system of its nearest existing parent.
     *
     * @return true when the file system supports extended attributes and they are not turned off
     */
    public boolean usesExtendedAttributes() {
        FsStore s = delegate;
        if (s != null) {
            return s.writesEtagIds();
        }
        Path existing = root;
        while (existing.getParent() != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return new FsEtags(existing, config.writeEtagIds()).writesIds();
    }

    /**
     * Writes an object atomically: temp file, fsync, then a rename (unconditional and if-match, under the key's
     * lock) or a hard link (if-absent).
     *
     * @param key the key
     * @param payload the bytes; subscribed to once
     * @param options the condition and the declared SHA-256, which is verified while writing
     * @return the new object's info
     */
    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            layout.target(key);
            return created("put").flatMap(s -> s.put(key, payload, options));
        });
    }

    /**
     * Opens an object and streams the range from the opened version.
     *
     * @param key the key
     * @param range the bytes wanted
     * @return the content; {@code STORE_NOT_FOUND} when absent
     */
    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        Objects.requireNonNull(range, "range");
        return Mono.defer(() -> {
            layout.target(key);
            return ifExists("get").switchIfEmpty(Mono.error(() -> StoreException.notFound("get", key))).flatMap(s -> s.get(key, range));
        });
    }

    /**
     * Reads an object's size, ETag and modification time.
     *
     * @param key the key
     * @return the info; {@code STORE_NOT_FOUND} when absent
     */
    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> {
            layout.target(key);
            return ifExists("head").switchIfEmpty(Mono.error(() -> StoreException.notFound("head", key))).flatMap(s -> s.head(key));
        });
    }

    /**
     * Lists the objects whose key starts with the prefix, in lexicographic order, reading one directory at a time
     * as the subscriber requests.
     *
     * @param prefix the prefix; empty for everything
     * @return the objects
     */
    @Override
    public Flux<ObjectInfo> list(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return Flux.defer(() -> {
            layout.listStart(prefix);
            return ifExists("list").flatMapMany(s -> s.list(prefix));
        });
    }

    /**
     * Deletes an object under the key's lock and removes directories it leaves empty. A missing key is success.
     *
     * @param key the key
     * @return completion
     */
    @Override
    public Mono<Void> delete(String key) {
        return Mono.defer(() -> {
            layout.target(key);
            return ifExists("delete").flatMap(s -> s.delete(key));
        });
    }

    /**
     * Deletes many objects, a few at a time (a file system has no batch delete). Every key is validated first;
     * the error, if any, names the keys that failed.
     *
     * @param keys the keys
     * @return completion
     */
    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        Objects.requireNonNull(keys, "keys");
        return Mono.defer(() -> {
            keys.forEach(layout::target);
            return ifExists("deleteAll").flatMap(s -> s.deleteAll(keys));
        });
    }

    /**
     * Conditional writes, native (SHA-256) checksums and multipart uploads; parts of at least 1 byte, at most
     * 10,000 parts; no batch delete.
     *
     * @return the capabilities
     */
    @Override
    public Capabilities capabilities() {
        return FsStore.CAPABILITIES;
    }

    /**
     * Starts a multipart upload whose parts are kept under {@code .checkpointer-store/uploads/}.
     *
     * @param key the key
     * @param options the condition applied at completion, and a SHA-256 of the whole object to verify then
     * @return the upload
     */
    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            layout.target(key);
            return created("startMultipart").flatMap(s -> s.startMultipart(key, options));
        });
    }

    /**
     * Removes temp files of interrupted writes (in directories whose keys all fall under the prefix) and multipart
     * uploads of keys under the prefix, last modified before {@code olderThan}. Choose the time with a margin: a
     * write that has been idle for longer loses its temp file and fails.
     *
     * @param prefix the prefix
     * @param olderThan only debris last modified before this
     * @return a description of each thing removed
     */
    @Override
    public Flux<String> cleanupIncomplete(String prefix, Instant olderThan) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(olderThan, "olderThan");
        return Flux.defer(() -> {
            layout.listStart(prefix);
            return ifExists("cleanupIncomplete").flatMapMany(s -> s.cleanupIncomplete(prefix, olderThan));
        });
    }

    /**
     * The root as a URI.
     *
     * @return e.g. {@code file:///var/lib/app/checkpoints}
     */
    @Override
    public String describe() {
        FsStore s = delegate;
        if (s != null) {
            return s.describe();
        }
        String uri = root.toUri().toString();
        return uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    /** Rejects new work, lets file operations in progress finish, then stops the store's threads. Idempotent. */
    @Override
    public void close() {
        synchronized (openLock) {
            closed = true;
            FsStore s = delegate;
            if (s != null) {
                s.close();
            }
        }
    }

    @Override
    public String toString() {
        return "FileSystemObjectStore[" + describe() + "]";
    }

    /**
     * The opened store when the root exists. While it does not: empty (an empty location) when {@code createRoot}
     * is on, else {@code STORE_LOCATION_NOT_FOUND}. Never creates the root.
     */
    private Mono<FsStore> ifExists(String operation) {
        FsStore s = delegate;
        if (s != null) {
            return Mono.just(s);
        }
        return Mono.fromCallable(() -> open(operation, false)).subscribeOn(Schedulers.boundedElastic());
    }

    /** The opened store, for writes: creates a missing root when {@code createRoot} is on, else fails as above. */
    private Mono<FsStore> created(String operation) {
        FsStore s = delegate;
        if (s != null) {
            return Mono.just(s);
        }
        return Mono.fromCallable(() -> open(operation, true)).subscribeOn(Schedulers.boundedElastic());
    }

    private @Nullable FsStore open(String operation, boolean write) {
        synchronized (openLock) {
            if (closed) {
                throw FsErrors.closed(operation, describe());
            }
            FsStore s = delegate;
            if (s == null) {
                if (!Files.exists(root)) {
                    if (!config.createRoot()) {
                        throw locationNotFound(operation, root);
                    }
                    if (!write) {
                        return null;
                    }
                }
                s = FsStore.open(write ? config : withoutCreate(config));
                delegate = s;
            }
            return s;
        }
    }

    /**
     * The error for a root that does not exist while {@code createRoot} is off.
     *
     * @param operation the store operation
     * @param root the missing root
     * @return code {@code STORE_LOCATION_NOT_FOUND}, "no checkpoint location at ROOT"
     */
    static StoreException locationNotFound(String operation, Path root) {
        return StoreException.permanent(ErrorCode.STORE_LOCATION_NOT_FOUND, operation, null,
                "no checkpoint location at " + root + " (the directory does not exist, and createRoot is off)", null);
    }

    private static FsConfig withoutCreate(FsConfig c) {
        return new FsConfig(c.root(), false, c.fsync(), c.threads(), c.readChunkSize(), c.writeEtagIds(), c.permissions());
    }

    /** Settings of a {@link FileSystemObjectStore}; every setting has a default. */
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
        public FileSystemObjectStore build() {
            FsConfig config = new FsConfig(root, createRoot, fsync, threads, readChunkSize, extendedAttributes, permissions);
            Path absolute = root.toAbsolutePath().normalize();
            return new FileSystemObjectStore(config, absolute, Files.exists(absolute) ? FsStore.open(config) : null);
        }
    }
}

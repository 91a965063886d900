package dev.checkpointer.store.filesystem.internal;

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
 * The filesystem store behind {@link dev.checkpointer.store.filesystem.FileSystemStore}: validates keys without I/O,
 * opens the root ({@link FsStore}) when it first exists, and reports a missing root the way {@code createRoot}
 * asks. See the facade for the layout, write, read and multipart protocols.
 */
public final class FsObjectStore implements ObjectStore {
    private final FsConfig config;
    /** The root as given, absolute and normalised (its real path is known once it exists). */
    private final Path root;
    /** Validates keys and prefixes before the root exists (no I/O). */
    private final FsLayout layout;
    private final Object openLock = new Object();
    private volatile @Nullable FsStore delegate;
    private volatile boolean closed;

    private FsObjectStore(FsConfig config, Path root, @Nullable FsStore delegate) {
        this.config = config;
        this.root = root;
        this.layout = new FsLayout(root, config.fsync(), config.permissions());
        this.delegate = delegate;
    }

    /**
     * Opens a store: resolves and opens the root when it exists (creates nothing), else opens it lazily.
     *
     * @param config the settings
     * @return the store, owned by the caller
     * @throws InvalidInputException when the root exists but is not a directory
     * @throws StoreException when the directory cannot be read
     */
    public static FsObjectStore open(FsConfig config) {
        Path absolute = config.root().toAbsolutePath().normalize();
        return new FsObjectStore(config, absolute, Files.exists(absolute) ? FsStore.open(config) : null);
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
        return "FileSystemStore[" + describe() + "]";
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

}

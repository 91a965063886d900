package dev.checkpointer.store.filesystem.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreKeys;
import dev.checkpointer.spi.VerifyingPayload;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The filesystem store's implementation; see {@code FileSystemStore} for the behaviour it promises.
 *
 * <p>Threads: every blocking call runs on a bounded-elastic scheduler owned by this store (threads named
 * {@code checkpointer-fs-N-M}). Payload buffers that arrive on one of those threads are written in place, inside
 * {@code onNext}; buffers arriving on any other thread are copied first (the payload may reuse a buffer once
 * {@code onNext} returns) and written by a store thread. Critical sections that hold the cross-process lock run
 * in tasks that cancellation never interrupts.
 */
public final class FsStore implements ObjectStore {
    /** Most parts of a multipart upload. */
    public static final int MAX_PARTS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(FsStore.class);
    private static final AtomicLong STORES = new AtomicLong();
    /** What this store supports. */
    public static final Capabilities CAPABILITIES = new Capabilities(true, true, true, 1, MAX_PARTS, false);
    private static final int COPY_CHUNK = 256 * 1024;
    private static final int STAT_ATTEMPTS = 8;
    private static final int DELETE_ATTEMPTS = 8;

    private final FsConfig config;
    private final FsLayout layout;
    private final FsEtags etags;
    private final FsPermissions permissions;
    private final FsLocks locks;
    private final Scheduler io;
    private final String threadPrefix;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean disposed = new AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicInteger criticalInFlight = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean hardLinks = true;

    private FsStore(FsConfig config, Path realRoot) {
        this.config = config;
        this.permissions = config.permissions().on(realRoot);
        this.layout = new FsLayout(realRoot, config.fsync(), permissions);
        this.etags = new FsEtags(realRoot, config.writeEtagIds());
        this.locks = FsLocks.open(layout.lockFile(), permissions);
        String name = "checkpointer-fs-" + STORES.incrementAndGet();
        this.threadPrefix = name + "-";
        this.io = Schedulers.newBoundedElastic(config.threads(), 100_000, name, 60, true);
        String uri = realRoot.toUri().toString();
        this.description = uri.endsWith("/") ? uri.substring(0, uri.length() - 1) : uri;
    }

    /**
     * Opens a store: creates the root when asked, resolves it to its real path.
     *
     * @param config the settings
     * @return the store
     * @throws InvalidInputException when the root is not a directory (or missing and not to be created)
     * @throws StoreException when the file system fails
     */
    public static FsStore open(FsConfig config) {
        Path root = config.root().toAbsolutePath().normalize();
        try {
            if (config.createRoot()) {
                config.permissions().on(root).createDirectories(root);
            }
            Path real = root.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new InvalidInputException("filesystem store root " + root + " is not a directory");
            }
            return new FsStore(config, real);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("filesystem store root " + root + " does not exist (and creating it is turned off)");
        } catch (FileAlreadyExistsException e) {
            throw new InvalidInputException("filesystem store root " + root + " is not a directory");
        } catch (IOException e) {
            throw FsErrors.map(e, "open", root.toString());
        }
    }

    /**
     * The root directory, resolved to its real path.
     *
     * @return the root
     */
    public Path root() {
        return layout.root();
    }

    /**
     * Whether new files carry a write id in an extended attribute (see {@link FsEtags}).
     *
     * @return true when ETags come from write ids
     */
    public boolean writesEtagIds() {
        return etags.writesIds();
    }

    // =============================================================================================== ObjectStore

    /** {@inheritDoc} */
    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            ensureOpen("put");
            FsLayout.Target t = layout.target(key);
            return writeAndCommit("put", t, options.condition(), temp -> fill(temp, payload, options.sha256(), "put", key));
        });
    }

    /** {@inheritDoc} */
    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        Objects.requireNonNull(range, "range");
        return Mono.defer(() -> {
            ensureOpen("get");
            FsLayout.Target t = layout.target(key);
            return blocking("get", key, () -> {
                if (layout.dir(t.dirSegments(), false, "get", key) == null) {
                    throw StoreException.notFound("get", key);
                }
                return openConsistent("get", key, t.path());
            }).doOnDiscard(Opened.class, o -> closeQuietly(o.channel())).map(o -> new ObjectContent(o.info(), body(o, range, key)));
        });
    }

    /** {@inheritDoc} */
    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> {
            ensureOpen("head");
            FsLayout.Target t = layout.target(key);
            return blocking("head", key, () -> {
                if (layout.dir(t.dirSegments(), false, "head", key) == null) {
                    throw StoreException.notFound("head", key);
                }
                return statObject("head", key, t.path());
            });
        });
    }

    /** {@inheritDoc} */
    @Override
    public Flux<ObjectInfo> list(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        return Flux.defer(() -> {
            ensureOpen("list");
            FsLayout.ListStart start = layout.listStart(prefix);
            return Flux.<ObjectInfo, Lister>generate(() -> new Lister(start), (lister, sink) -> {
                try {
                    ObjectInfo next = lister.next();
                    if (next == null) {
                        sink.complete();
                    } else {
                        sink.next(next);
                    }
                } catch (IOException | RuntimeException e) {
                    sink.error(FsErrors.map(e, "list", prefix));
                }
                return lister;
            }).subscribeOn(io);
        });
    }

    /** {@inheritDoc} */
    @Override
    public Mono<Void> delete(String key) {
        return Mono.defer(() -> {
            ensureOpen("delete");
            FsLayout.Target t = layout.target(key);
            return critical("delete", key, () -> {
                deleteObject(t);
                return null;
            });
        });
    }

    /** {@inheritDoc} */
    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        Objects.requireNonNull(keys, "keys");
        return Mono.defer(() -> {
            ensureOpen("deleteAll");
            Map<String, FsLayout.Target> targets = new LinkedHashMap<>();
            for (String k : keys) {
                targets.put(k, layout.target(k)); // every key is checked before anything is deleted
            }
            if (targets.isEmpty()) {
                return Mono.empty();
            }
            Map<String, Throwable> failures = new java.util.concurrent.ConcurrentSkipListMap<>();
            return Flux.fromIterable(targets.values())
                    .flatMap(t -> critical("delete", t.key(), () -> {
                        deleteObject(t);
                        return null;
                    }).onErrorResume(e -> {
                        failures.put(t.key(), e);
                        return Mono.empty();
                    }), Math.max(1, Math.min(8, config.threads() / 2)))
                    .then(Mono.defer(() -> failures.isEmpty() ? Mono.<Void>empty() : Mono.error(aggregate(failures))));
        });
    }

    /** {@inheritDoc} */
    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    /** {@inheritDoc} */
    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            ensureOpen("startMultipart");
            FsLayout.Target t = layout.target(key);
            return blocking("startMultipart", key, () -> {
                String id = FsEtags.newId();
                Path dir = layout.uploadsDir().resolve(id);
                permissions.createDirectories(dir);
                try (FileChannel ch = permissions.openNew(dir.resolve("key"), Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE))) {
                    ByteBuffer b = ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8));
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
                return new Upload(t, options, id, dir);
            });
        });
    }

    /** {@inheritDoc} */
    @Override
    public Flux<String> cleanupIncomplete(String prefix, Instant olderThan) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(olderThan, "olderThan");
        return Flux.defer(() -> {
            ensureOpen("cleanupIncomplete");
            FsLayout.ListStart start = layout.listStart(prefix);
            return blocking("cleanupIncomplete", prefix, () -> cleanup(start, olderThan)).flatMapIterable(l -> l);
        });
    }

    /** {@inheritDoc} */
    @Override
    public String describe() {
        return description;
    }

    /**
     * Rejects new work and stops the store's threads: at once when no critical section (a commit or delete holding
     * the lock) is running or queued, else when the last one ends, so that no lock is ever interrupted. Reads and
     * temp-file writes still running are interrupted and fail. Idempotent.
     *
     * <p>(Not {@code Scheduler.disposeGracefully()}: Reactor waits for it on a non-daemon thread that keeps the JVM
     * alive for ten more seconds.)
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            locks.close();
            disposeWhenIdle();
        }
    }

    private void disposeWhenIdle() {
        if (closed.get() && criticalInFlight.get() == 0 && disposed.compareAndSet(false, true)) {
            io.dispose();
        }
    }

    @Override
    public String toString() {
        return "FileSystemStore[" + description + "]";
    }

    // =============================================================================================== scheduling

    private void ensureOpen(String operation) {
        if (closed.get()) {
            throw FsErrors.closed(operation, description);
        }
    }

    /** Blocking work on the store's threads; cancellation may interrupt it. */
    private <T> Mono<T> blocking(String operation, @Nullable String key, IoCallable<T> work) {
        return Mono.fromCallable(() -> {
                    try {
                        return work.call();
                    } catch (Exception e) {
                        throw FsErrors.map(e, operation, key);
                    }
                })
                .subscribeOn(io)
                .onErrorMap(RejectedExecutionException.class, e -> FsErrors.closed(operation, description));
    }

    /**
     * Blocking work on the store's threads that cancellation does not interrupt (it holds the cross-process lock
     * or makes a write visible; an interrupt would close the shared lock channel). A cancelled subscriber just
     * never hears the outcome.
     */
    private <T> Mono<T> critical(String operation, String key, IoCallable<T> work) {
        return Mono.create(sink -> {
            criticalInFlight.incrementAndGet();
            try {
                io.schedule(() -> {
                    try {
                        T value;
                        try {
                            value = work.call();
                        } catch (Throwable t) {
                            sink.error(FsErrors.map(t, operation, key));
                            return;
                        }
                        sink.success(value);
                    } finally {
                        criticalInFlight.decrementAndGet();
                        disposeWhenIdle();
                    }
                });
            } catch (RejectedExecutionException e) {
                criticalInFlight.decrementAndGet();
                sink.error(FsErrors.closed(operation, description));
            }
        });
    }

    private boolean onStoreThread() {
        return Thread.currentThread().getName().startsWith(threadPrefix);
    }

    /** Deletes a temp file that was not published, and directories a failed write created and left empty. */
    private Mono<Void> discard(FsTempFile temp) {
        Runnable r = () -> {
            if (temp.discard()) {
                layout.pruneEmptyDirs(temp.path().getParent());
            }
        };
        return Mono.<Void>fromRunnable(r)
                .subscribeOn(io)
                .onErrorResume(e -> Mono.fromRunnable(r));
    }

    // =============================================================================================== writing

    /** Writes a temp file with {@code fill}, forces it, and publishes it under the condition. */
    private Mono<ObjectInfo> writeAndCommit(String op, FsLayout.Target t, Condition condition, Function<FsTempFile, Mono<Void>> fill) {
        return Mono.usingWhen(
                blocking(op, t.key(), () -> createTemp(op, t)),
                temp -> fill.apply(temp)
                        .then(blocking(op, t.key(), () -> temp.finish(config.fsync())))
                        .flatMap(attrs -> critical(op, t.key(), () -> commit(op, t, temp, attrs, condition))),
                this::discard,
                (temp, error) -> discard(temp),
                this::discard);
    }

    private FsTempFile createTemp(String op, FsLayout.Target t) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path dir = layout.dir(t.dirSegments(), true, op, t.key());
            try {
                return FsTempFile.create(Objects.requireNonNull(dir), etags, permissions);
            } catch (NoSuchFileException e) {
                // an empty directory was pruned by a concurrent delete between creating and using it
                if (attempt >= 10) {
                    throw StoreException.transientFailure(op, t.key(), "its directory kept disappearing (concurrent deletes)", e);
                }
            }
        }
    }

    /**
     * Streams a payload into a temp file through the shared {@link VerifyingPayload}: a payload that fails, or
     * produces more or fewer bytes than it declared, is refused with the verifier's error; bytes that do not match
     * the declared SHA-256 with {@code STORE_BAD_REQUEST}; either before the temp file is published.
     */
    private Mono<Void> fill(FsTempFile temp, Payload payload, @Nullable String sha256, String op, String key) {
        VerifyingPayload verified = VerifyingPayload.builder(payload, key).expectingSha256(sha256, op).build();
        return verified.content()
                .subscribeOn(io)
                .<Chunk>handle((ByteBuffer buffer, SynchronousSink<Chunk> sink) -> {
                    int n = buffer.remaining();
                    long pos = temp.reserved();
                    temp.reserved(pos + n);
                    if (onStoreThread()) {
                        try {
                            temp.writeAt(buffer.duplicate(), pos);
                        } catch (IOException e) {
                            sink.error(FsErrors.map(e, op, key));
                        }
                    } else {
                        ByteBuffer copy = ByteBuffer.allocate(n);
                        copy.put(buffer.duplicate()).flip();
                        sink.next(new Chunk(copy, pos));
                    }
                })
                .concatMap(c -> blocking(op, key, () -> {
                    temp.writeAt(c.buffer(), c.position());
                    return c;
                }), 1)
                .then();
    }

    private record Chunk(ByteBuffer buffer, long position) {}

    /** Publishes a finished temp file under the condition. Runs in a critical task. */
    private ObjectInfo commit(String op, FsLayout.Target t, FsTempFile temp, BasicFileAttributes attrs, Condition condition) throws IOException {
        if (condition instanceof Condition.IfAbsent && hardLinks) {
            try {
                Files.createLink(t.path(), temp.path());
            } catch (FileAlreadyExistsException e) {
                throw existing(op, t);
            } catch (NoSuchFileException | AccessDeniedException e) {
                throw vanished(op, t, temp, e);
            } catch (UnsupportedOperationException | FileSystemException e) {
                hardLinks = false;
                log.info("hard links are not supported under {} ({}); create-if-absent falls back to the lock file", description, e.toString());
                ObjectInfo info = locks.withLock(t.key(), () -> commitLocked(op, t, temp, attrs, condition));
                layout.syncDir(t.path().getParent());
                return info;
            }
            ObjectInfo info = info(t.key(), temp.id(), attrs);
            Files.deleteIfExists(temp.path());
            layout.syncDir(t.path().getParent());
            return info;
        }
        ObjectInfo info = locks.withLock(t.key(), () -> commitLocked(op, t, temp, attrs, condition));
        layout.syncDir(t.path().getParent()); // outside the lock: it only makes the rename durable
        return info;
    }

    /** Compares and publishes while holding the key's lock. */
    private ObjectInfo commitLocked(String op, FsLayout.Target t, FsTempFile temp, BasicFileAttributes attrs, Condition condition) throws IOException {
        BasicFileAttributes current = lstatOrNull(t.path());
        if (current != null && current.isSymbolicLink()) {
            throw FsErrors.symlink(op, t.key(), layout.relative(t.path()));
        }
        if (current != null && !current.isRegularFile()) {
            if (condition instanceof Condition.IfMatch) {
                throw StoreException.preconditionFailed(op, t.key(), "object does not exist", null);
            }
            throw FsErrors.conflict(op, t.key(), "'" + t.key() + "' is a directory holding other keys on this file system");
        }
        if (condition instanceof Condition.IfAbsent && current != null) {
            throw StoreException.preconditionFailed(op, t.key(), "object already exists", null);
        }
        if (condition instanceof Condition.IfMatch m) {
            if (current == null) {
                throw StoreException.preconditionFailed(op, t.key(), "object does not exist", null);
            }
            String etag = FsEtags.etag(etags.readId(t.path()), current);
            if (!etag.equals(m.etag())) {
                throw StoreException.preconditionFailed(op, t.key(), "ETag has changed", null);
            }
        }
        BasicFileAttributes published = bumpMtime(temp, attrs, current);
        ObjectInfo info = info(t.key(), temp.id(), published);
        try {
            Files.move(temp.path(), t.path(), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            throw vanished(op, t, temp, e);
        }
        return info;
    }

    /**
     * Without write ids, makes the new file's mtime strictly later than the current version's, so that an ETag
     * (identity, size, mtime) is never handed out twice for one key while it exists. Tries steps of 1 µs, 1 ms,
     * 1 s and 2 s, for file systems with coarse timestamps.
     */
    private BasicFileAttributes bumpMtime(FsTempFile temp, BasicFileAttributes attrs, @Nullable BasicFileAttributes current) throws IOException {
        if (temp.id() != null || current == null) {
            return attrs;
        }
        long now = FsEtags.nanos(current.lastModifiedTime());
        BasicFileAttributes a = attrs;
        for (long step : new long[] {1_000L, 1_000_000L, 1_000_000_000L, 2_000_000_000L}) {
            if (FsEtags.nanos(a.lastModifiedTime()) > now) {
                return a;
            }
            Files.setLastModifiedTime(temp.path(), FileTime.from(now + step, java.util.concurrent.TimeUnit.NANOSECONDS));
            a = Files.readAttributes(temp.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        }
        return a;
    }

    private StoreException existing(String op, FsLayout.Target t) throws IOException {
        BasicFileAttributes a = lstatOrNull(t.path());
        if (a != null && a.isSymbolicLink()) {
            return FsErrors.symlink(op, t.key(), layout.relative(t.path()));
        }
        if (a != null && a.isDirectory()) {
            return FsErrors.conflict(op, t.key(), "'" + t.key() + "' is a directory holding other keys on this file system");
        }
        return StoreException.preconditionFailed(op, t.key(), "object already exists", null);
    }

    private IOException vanished(String op, FsLayout.Target t, FsTempFile temp, IOException e) {
        if (!Files.exists(temp.path(), LinkOption.NOFOLLOW_LINKS)) {
            throw StoreException.transientFailure(op, t.key(), "the temp file vanished before it was published (removed by cleanupIncomplete?)", e);
        }
        return e;
    }

    // =============================================================================================== reading

    private static @Nullable BasicFileAttributes lstatOrNull(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static ObjectInfo info(String key, @Nullable String id, BasicFileAttributes a) {
        return new ObjectInfo(key, a.size(), FsEtags.etag(id, a), a.lastModifiedTime().toInstant());
    }

    private static boolean sameVersion(BasicFileAttributes a, BasicFileAttributes b) {
        return Objects.equals(a.fileKey(), b.fileKey()) && a.size() == b.size() && a.lastModifiedTime().equals(b.lastModifiedTime());
    }

    /** Metadata of an object file, read so that attributes and write id belong to one version. */
    private ObjectInfo statObject(String op, String key, Path p) throws IOException {
        for (int attempt = 0; attempt < STAT_ATTEMPTS; attempt++) {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isSymbolicLink()) {
                throw FsErrors.symlink(op, key, layout.relative(p));
            }
            if (!a.isRegularFile()) {
                throw StoreException.notFound(op, key);
            }
            String id = etags.readId(p);
            BasicFileAttributes b = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (sameVersion(a, b)) {
                return info(key, id, a);
            }
        }
        throw StoreException.transientFailure(op, key, "the object kept changing while its metadata was read", null);
    }

    private record Opened(FileChannel channel, ObjectInfo info) {}

    /**
     * Opens an object file and its metadata as one version: metadata read before and after opening must agree.
     * Every write makes a new file with a new ETag, so agreement means the descriptor is that version, which it
     * keeps reading even when the key is overwritten or deleted meanwhile.
     */
    private Opened openConsistent(String op, String key, Path p) throws IOException {
        for (int attempt = 0; attempt < STAT_ATTEMPTS; attempt++) {
            ObjectInfo before = statObject(op, key, p);
            FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            boolean ok = false;
            try {
                ObjectInfo after = statObject(op, key, p);
                if (before.equals(after) && ch.size() == before.size()) {
                    ok = true;
                    return new Opened(ch, before);
                }
            } finally {
                if (!ok) {
                    ch.close();
                }
            }
        }
        throw StoreException.transientFailure(op, key, "the object kept changing while it was opened", null);
    }

    /** The body of a get: chunked positional reads of the opened file, on the store's threads, subscribable once. */
    private Flux<ByteBuffer> body(Opened o, ByteRange range, String key) {
        long size = o.info().size();
        long start = Math.min(range.offset(), size);
        long length = range.lengthWithin(size);
        if (length == 0) {
            closeQuietly(o.channel());
            return Flux.empty();
        }
        FileChannel ch = o.channel();
        int chunk = config.readChunkSize();
        AtomicBoolean subscribed = new AtomicBoolean();
        return Flux.defer(() -> {
            if (!subscribed.compareAndSet(false, true)) {
                return Flux.error(new IllegalStateException("the body of get '" + key + "' can be subscribed to only once"));
            }
            return Flux.<ByteBuffer, long[]>generate(() -> new long[] {start, length}, (state, sink) -> {
                int n = (int) Math.min(chunk, state[1]);
                ByteBuffer buf = ByteBuffer.allocate(n);
                try {
                    while (buf.hasRemaining()) {
                        int r = ch.read(buf, state[0] + buf.position());
                        if (r < 0) {
                            sink.error(StoreException.permanent(ErrorCode.STORE_FAILURE, "get", key, "the file ended at byte "
                                    + (state[0] + buf.position()) + ", before the object's size " + size + "; it was changed outside the store", null));
                            return state;
                        }
                    }
                } catch (IOException e) {
                    sink.error(FsErrors.map(e, "get", key));
                    return state;
                }
                buf.flip();
                state[0] += n;
                state[1] -= n;
                sink.next(buf);
                if (state[1] == 0) {
                    sink.complete();
                }
                return state;
            }, state -> closeQuietly(ch)).subscribeOn(io);
        });
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // read-only descriptor
        }
    }

    /**
     * A lazy, depth-first walk that yields keys in lexicographic order: each directory's entries are sorted by
     * name, a directory as {@code name + "/"}, which is exactly where its keys fall among its siblings'. Reads one
     * directory at a time; skips the store's own files, symbolic links, and names no key can have.
     */
    private final class Lister {
        private final FsLayout.ListStart start;
        private final Deque<Frame> stack = new ArrayDeque<>();
        private boolean started;

        Lister(FsLayout.ListStart start) {
            this.start = start;
        }

        @Nullable ObjectInfo next() throws IOException {
            if (!started) {
                started = true;
                Path dir = layout.dir(start.dirSegments(), false, "list", start.prefix());
                if (dir != null) {
                    push(dir, start.relDir(), start.leafFilter());
                }
            }
            while (!stack.isEmpty()) {
                Frame f = stack.peek();
                if (!f.entries.hasNext()) {
                    stack.pop();
                    continue;
                }
                Entry e = f.entries.next();
                String key = f.relDir + e.name;
                Path p = f.dir.resolve(e.name);
                if (e.directory) {
                    push(p, key + "/", "");
                    continue;
                }
                if (key.getBytes(StandardCharsets.UTF_8).length > StoreKeys.MAX_KEY_BYTES) {
                    continue;
                }
                try {
                    return statObject("list", key, p);
                } catch (NoSuchFileException gone) {
                    continue; // deleted meanwhile
                } catch (StoreException changed) {
                    if (changed.isTransient()) {
                        throw changed;
                    }
                    // replaced by a directory or a link meanwhile
                }
            }
            return null;
        }

        private void push(Path dir, String relDir, String filter) throws IOException {
            List<Entry> entries = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path child : ds) {
                    String name = child.getFileName().toString();
                    if (!name.startsWith(filter) || !FsLayout.isKeySegment(name)) {
                        continue;
                    }
                    BasicFileAttributes a = lstatOrNull(child);
                    if (a == null) {
                        continue;
                    }
                    if (a.isDirectory()) {
                        entries.add(new Entry(name, true));
                    } else if (a.isRegularFile()) {
                        entries.add(new Entry(name, false));
                    }
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                return;
            }
            entries.sort(Comparator.comparing(Entry::sortKey));
            stack.push(new Frame(dir, relDir, entries.iterator()));
        }
    }

    private record Entry(String name, boolean directory) {
        String sortKey() {
            return directory ? name + "/" : name;
        }
    }

    private record Frame(Path dir, String relDir, Iterator<Entry> entries) {}

    // =============================================================================================== deleting

    private void deleteObject(FsLayout.Target t) throws IOException {
        Path dir = layout.dir(t.dirSegments(), false, "delete", t.key());
        if (dir == null) {
            return;
        }
        boolean deleted = locks.withLock(t.key(), () -> {
            BasicFileAttributes a = lstatOrNull(t.path());
            if (a == null || a.isDirectory()) {
                return false; // missing, or a prefix of other keys: not an object
            }
            if (a.isSymbolicLink()) {
                throw FsErrors.symlink("delete", t.key(), layout.relative(t.path()));
            }
            return Files.deleteIfExists(t.path());
        });
        if (deleted) {
            layout.syncDir(dir);
            layout.pruneEmptyDirs(dir);
        }
    }

    private static StoreException aggregate(Map<String, Throwable> failures) {
        Set<ErrorCode> codes = new LinkedHashSet<>();
        for (Throwable t : failures.values()) {
            codes.add(t instanceof CheckpointException ce && ce.code().name().startsWith("STORE_") ? ce.code() : ErrorCode.STORE_FAILURE);
        }
        ErrorCode code = codes.size() == 1 ? codes.iterator().next() : ErrorCode.STORE_FAILURE;
        Throwable first = failures.values().iterator().next();
        String names = failures.keySet().stream().limit(10).map(k -> "'" + k + "'").collect(Collectors.joining(", "))
                + (failures.size() > 10 ? " and " + (failures.size() - 10) + " more" : "");
        StoreException e = new StoreException(code, "deleteAll", null,
                failures.size() + " key(s) could not be deleted: " + names + "; first error: " + first.getMessage(), first);
        failures.values().stream().skip(1).limit(9).forEach(e::addSuppressed);
        return e;
    }

    // =============================================================================================== cleanup

    private List<String> cleanup(FsLayout.ListStart start, Instant olderThan) throws IOException {
        List<String> removed = new ArrayList<>();
        FileTime cutoff = FileTime.from(olderThan);
        String prefix = start.prefix();
        Path from = layout.dir(start.dirSegments(), false, "cleanupIncomplete", prefix);
        if (from != null) {
            Set<Path> touched = new HashSet<>();
            Files.walkFileTree(from, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    // the store's own directory (and that of any store nested below this root) is not key space
                    return !dir.equals(from) && dir.getFileName().toString().startsWith(FsLayout.RESERVED_PREFIX)
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String name = file.getFileName().toString();
                    if (!name.startsWith(FsLayout.TEMP_PREFIX) || attrs.isDirectory() || attrs.lastModifiedTime().compareTo(cutoff) >= 0) {
                        return FileVisitResult.CONTINUE;
                    }
                    String relDir = layout.relative(file.getParent());
                    String relDirSlash = relDir.isEmpty() ? "" : relDir + "/";
                    // A temp file does not record its key: take it only when every key of its directory is under the prefix.
                    if (relDirSlash.startsWith(prefix) && Files.deleteIfExists(file)) {
                        removed.add("temp file " + relDirSlash + name + " (" + attrs.size() + " bytes, last modified " + attrs.lastModifiedTime() + ")");
                        touched.add(file.getParent());
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
            touched.forEach(layout::pruneEmptyDirs);
        }
        Path uploads = layout.uploadsDir();
        if (Files.isDirectory(uploads, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> dirs = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(uploads)) {
                ds.forEach(dirs::add);
            }
            for (Path u : dirs) {
                String key = uploadKey(u);
                if (key == null ? !prefix.isEmpty() : !key.startsWith(prefix)) {
                    continue;
                }
                FileTime last = lastTouched(u);
                if (last != null && last.compareTo(cutoff) < 0 && retireUpload("cleanupIncomplete", u)) {
                    removed.add("multipart upload " + u.getFileName() + " of '" + (key == null ? "?" : key) + "' (last touched " + last + ")");
                }
            }
        }
        // Files of uploads already aborted, completed or cleaned up, which could not all be deleted then: no key can
        // ever use them (and their key file may be gone already), so they go whatever the prefix and age.
        Path trash = layout.trashDir();
        if (Files.isDirectory(trash, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> dirs = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(trash)) {
                ds.forEach(dirs::add);
            }
            for (Path d : dirs) {
                String key = uploadKey(d);
                if (Files.exists(d, LinkOption.NOFOLLOW_LINKS) && deleteTreeSettled(d)) {
                    removed.add("files of removed multipart upload " + d.getFileName() + (key == null ? "" : " of '" + key + "'") + " (left in the trash)");
                }
            }
        }
        return removed;
    }

    /**
     * Removes a multipart upload's directory whatever parts are being written into it meanwhile. The directory is
     * first renamed into {@link FsLayout#trashDir()} in one atomic step: from then on a part still in flight, or
     * one that arrives later, finds no upload directory and fails with {@code STORE_NOT_FOUND}, and nothing can
     * be added to the renamed tree; then the renamed tree is deleted. What cannot be deleted is logged and left
     * for {@code cleanupIncomplete}: the upload is gone either way. Where a directory cannot be renamed while
     * files in it are open (Windows), it is deleted in place, walking again while parts in flight add files.
     *
     * @param op the store operation, for errors
     * @param dir {@code .checkpointer-store/uploads/<id>}
     * @return false when the directory was already gone
     * @throws IOException when the directory can be neither renamed nor deleted
     */
    private boolean retireUpload(String op, Path dir) throws IOException {
        Path trash = layout.trashDir();
        Path moved = trash.resolve(dir.getFileName() + "-" + FsEtags.newId());
        try {
            permissions.createDirectories(trash);
            Files.move(dir, moved, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            return false; // completed, aborted or cleaned up already
        } catch (FileSystemException e) {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            log.debug("cannot move {} to the trash ({}); deleting it in place", dir, e.toString());
            if (!deleteTreeSettled(dir)) {
                throw StoreException.transientFailure(op, uploadKey(dir),
                        "multipart upload " + dir.getFileName() + " could not be removed: parts kept arriving while it was deleted", e);
            }
            return true;
        }
        layout.syncDir(dir.getParent());
        try {
            if (!deleteTreeSettled(moved)) {
                log.warn("removed multipart upload {}, but files kept appearing in {}; cleanupIncomplete removes them", dir.getFileName(), moved);
            }
        } catch (IOException e) {
            log.warn("removed multipart upload {}, but could not delete {}; cleanupIncomplete removes it: {}", dir.getFileName(), moved, e.toString());
        }
        return true;
    }

    /**
     * Deletes a directory tree into which files may still appear: walks it again while the removal of a directory
     * finds a file the walk did not see.
     *
     * @return true when the tree is gone, false when files kept appearing
     */
    private static boolean deleteTreeSettled(Path dir) throws IOException {
        for (int attempt = 1; attempt <= DELETE_ATTEMPTS; attempt++) {
            try {
                deleteTree(dir);
                return true;
            } catch (DirectoryNotEmptyException e) {
                log.debug("a file appeared in {} while it was deleted; walking it again", dir);
            }
        }
        return false;
    }

    private static @Nullable String uploadKey(Path uploadDir) {
        try {
            return Files.readString(uploadDir.resolve("key"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    private static @Nullable FileTime lastTouched(Path dir) throws IOException {
        FileTime[] last = {null};
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    max(attrs.lastModifiedTime());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    max(attrs.lastModifiedTime());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }

                private void max(FileTime t) {
                    if (last[0] == null || t.compareTo(last[0]) > 0) {
                        last[0] = t;
                    }
                }
            });
        } catch (NoSuchFileException e) {
            return null;
        }
        return last[0];
    }

    /** Deletes a directory tree; a tree already gone is fine. */
    static void deleteTree(Path dir) throws IOException {
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                    if (exc instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw exc;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, @Nullable IOException exc) throws IOException {
                    if (exc != null && !(exc instanceof NoSuchFileException)) {
                        throw exc;
                    }
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // already gone
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    // =============================================================================================== multipart

    private static String partName(int number) {
        return String.format("part-%05d", number);
    }

    /**
     * A multipart upload on disk: {@code .checkpointer-store/uploads/<id>/} holds the key ({@code key}) and one
     * file per part ({@code part-00001}, …), each written to a temp file and renamed over the previous upload of
     * that number. Completing concatenates the parts into a temp file next to the target and publishes it exactly
     * as a put does, under the condition given at start; then the upload directory is removed. Aborting (and
     * removing after completion) first renames the directory into the trash, so a part still being written, or
     * one sent later, fails with {@code STORE_NOT_FOUND} and never recreates the upload.
     */
    private final class Upload implements MultipartUpload {
        private final FsLayout.Target target;
        private final PutOptions options;
        private final String id;
        private final Path dir;

        Upload(FsLayout.Target target, PutOptions options, String id, Path dir) {
            this.target = target;
            this.options = options;
            this.id = id;
            this.dir = dir;
        }

        @Override
        public String key() {
            return target.key();
        }

        @Override
        public Mono<PartInfo> uploadPart(int number, Payload part) {
            Objects.requireNonNull(part, "part");
            String op = "uploadPart";
            return Mono.defer(() -> {
                ensureOpen(op);
                if (number < 1 || number > MAX_PARTS) {
                    return Mono.error(StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, op, key(),
                            "part number must be between 1 and " + MAX_PARTS + ", got " + number, null));
                }
                return Mono.usingWhen(
                        blocking(op, key(), () -> {
                            try {
                                return FsTempFile.create(dir, etags, permissions);
                            } catch (NoSuchFileException e) {
                                throw gone(op);
                            }
                        }),
                        temp -> fill(temp, part, null, op, key())
                                .then(blocking(op, key(), () -> {
                                    try {
                                        return temp.finish(false);
                                    } catch (NoSuchFileException e) {
                                        throw gone(op); // the upload was aborted while this part was written
                                    }
                                }))
                                .flatMap(attrs -> blocking(op, key(), () -> {
                                    try {
                                        Files.move(temp.path(), dir.resolve(partName(number)), StandardCopyOption.ATOMIC_MOVE);
                                    } catch (NoSuchFileException e) {
                                        throw gone(op);
                                    }
                                    return new PartInfo(number, FsEtags.etag(temp.id(), attrs), attrs.size());
                                })),
                        FsStore.this::discard,
                        (temp, error) -> discard(temp),
                        FsStore.this::discard);
            });
        }

        @Override
        public Mono<ObjectInfo> complete(List<PartInfo> parts) {
            Objects.requireNonNull(parts, "parts");
            String op = "completeMultipart";
            return Mono.defer(() -> {
                ensureOpen(op);
                List<PartInfo> given = List.copyOf(parts);
                if (given.isEmpty()) {
                    return Mono.error(StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, op, key(), "no parts given", null));
                }
                for (int i = 1; i < given.size(); i++) {
                    if (given.get(i).number() <= given.get(i - 1).number()) {
                        return Mono.error(StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, op, key(),
                                "parts must be given in ascending number order, each number once", null));
                    }
                }
                return blocking(op, key(), () -> {
                            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                                throw gone(op);
                            }
                            return Boolean.TRUE;
                        })
                        .then(writeAndCommit(op, target, options.condition(), temp -> blocking(op, key(), () -> {
                            concatenate(op, given, temp, options.sha256());
                            return Boolean.TRUE;
                        }).then()))
                        .flatMap(info -> blocking(op, key(), () -> {
                            try {
                                retireUpload(op, dir);
                            } catch (IOException | RuntimeException e) {
                                log.warn("completed multipart upload {} of {} but could not remove its parts: {}", id, key(), e.toString());
                            }
                            return info;
                        }));
            });
        }

        private void concatenate(String op, List<PartInfo> given, FsTempFile temp, @Nullable String sha256) throws IOException {
            MessageDigest md = sha256 == null ? null : newSha256();
            FileChannel out = temp.channel();
            long total = 0;
            for (PartInfo p : given) {
                Path file = dir.resolve(partName(p.number()));
                Opened part;
                try {
                    part = openConsistent(op, key(), file);
                } catch (NoSuchFileException e) {
                    throw missingPart(op, p);
                } catch (StoreException e) {
                    if (e.isNotFound()) {
                        throw missingPart(op, p);
                    }
                    throw e;
                }
                try (FileChannel in = part.channel()) {
                    if (!part.info().etag().equals(p.etag())) {
                        throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, op, key(),
                                "part " + p.number() + " was replaced after it was uploaded (its ETag changed)", null);
                    }
                    long size = part.info().size();
                    if (size != p.size()) {
                        throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, op, key(),
                                "part " + p.number() + " has " + size + " bytes, not " + p.size(), null);
                    }
                    long done = 0;
                    if (md == null) {
                        while (done < size) {
                            long n = in.transferTo(done, size - done, out);
                            if (n <= 0) {
                                throw new IOException("part " + p.number() + " ended at byte " + done + " of " + size);
                            }
                            done += n;
                        }
                    } else {
                        ByteBuffer buf = ByteBuffer.allocate(COPY_CHUNK);
                        while (done < size) {
                            buf.clear();
                            int r = in.read(buf, done);
                            if (r < 0) {
                                throw new IOException("part " + p.number() + " ended at byte " + done + " of " + size);
                            }
                            buf.flip();
                            md.update(buf.duplicate());
                            while (buf.hasRemaining()) {
                                out.write(buf);
                            }
                            done += r;
                        }
                    }
                    total += size;
                }
            }
            temp.reserved(total);
            if (md != null) {
                String actual = HexFormat.of().formatHex(md.digest());
                if (!actual.equals(sha256)) {
                    throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, op, key(),
                            "SHA-256 mismatch: the upload declared " + sha256 + " but the parts hash to " + actual, null);
                }
            }
        }

        private StoreException missingPart(String op, PartInfo p) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return gone(op);
            }
            return StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, op, key(), "part " + p.number() + " was never uploaded", null);
        }

        @Override
        public Mono<Void> abort() {
            return Mono.defer(() -> {
                ensureOpen("abortMultipart");
                return blocking("abortMultipart", key(), () -> {
                    retireUpload("abortMultipart", dir);
                    return null;
                }).then();
            });
        }

        private StoreException gone(String op) {
            return new StoreException(ErrorCode.STORE_NOT_FOUND, op, key(), "multipart upload " + id + " was completed or aborted", null);
        }

        @Override
        public String toString() {
            return "multipart upload " + id + " of " + key();
        }
    }
}

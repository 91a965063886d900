package dev.checkpointer.store.filesystem.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Per-key mutual exclusion for every process and thread that writes under one root.
 *
 * <p>One lock file per root ({@code .checkpointer-store/lock}); a key hashes ({@link String#hashCode()}, which the
 * Java language fixes, so every JVM agrees) to one of {@value #STRIPES} stripes, and a stripe is the one-byte
 * region at that offset, locked exclusively with {@link FileChannel#lock(long, long, boolean)} (POSIX record locks,
 * {@code LockFileEx} on Windows). Writers of different keys rarely share a stripe, so they seldom wait for each
 * other, and the lock file is never deleted, so there is no window in which two processes lock different files.
 *
 * <p>File locks belong to the process: two threads of one JVM would not exclude each other, and a second lock of
 * an overlapping region throws {@link OverlappingFileLockException}. So every JVM keeps one registry entry per lock
 * file with one {@link ReentrantLock} per stripe, taken before the file region, and a single channel that stays
 * open while any store on the root is open or any lock is held (closing any descriptor of a file drops all of the
 * process's POSIX locks on it, so no other code may open the lock file).
 *
 * <p>Callers run the critical section in a task that is never interrupted: an interrupt during
 * {@link FileChannel#lock} would close the shared channel.
 */
public final class FsLocks implements AutoCloseable {
    /** Number of stripes, the lock file's region size in bytes. */
    public static final int STRIPES = 4096;

    private static final ConcurrentHashMap<Path, Shared> REGISTRY = new ConcurrentHashMap<>();

    private final Path lockFile;
    private final FsPermissions permissions;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FsLocks(Path lockFile, FsPermissions permissions) {
        this.lockFile = lockFile;
        this.permissions = permissions;
    }

    /**
     * Registers a store on a lock file; the file itself is created at the first lock.
     *
     * @param lockFile the lock file (a path below a real root, so equal roots give equal paths)
     * @param permissions the permissions of the lock file and its directory, when this store creates them
     * @return the locks
     */
    public static FsLocks open(Path lockFile, FsPermissions permissions) {
        REGISTRY.compute(lockFile, (k, v) -> {
            Shared s = v == null ? new Shared(k) : v;
            s.refs++;
            return s;
        });
        return new FsLocks(lockFile, permissions);
    }

    /**
     * The stripe of a key.
     *
     * @param key the key
     * @return a stripe in {@code [0, STRIPES)}
     */
    static int stripe(String key) {
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        h ^= h >>> 16;
        return Math.floorMod(h, STRIPES);
    }

    /**
     * Runs {@code body} holding the key's stripe in this JVM and in every other process using the root. Blocks.
     *
     * @param key the key
     * @param body the critical section
     * @param <T> the result type
     * @return what {@code body} returned
     * @throws IOException when locking or the body fails
     */
    public <T> T withLock(String key, IoCallable<T> body) throws IOException {
        int stripe = stripe(key);
        Shared s = REGISTRY.compute(lockFile, (k, v) -> {
            Shared x = v == null ? new Shared(k) : v;
            x.active++;
            return x;
        });
        try {
            ReentrantLock local = s.stripes[stripe];
            local.lock();
            try {
                FileLock region;
                try {
                    region = s.channel(permissions).lock(stripe, 1, false);
                } catch (OverlappingFileLockException e) {
                    throw new IOException("lock file " + lockFile + " is locked twice by this JVM (is it opened by other code?)", e);
                }
                try {
                    return body.call();
                } finally {
                    if (region.isValid()) {
                        region.release();
                    }
                }
            } finally {
                local.unlock();
            }
        } finally {
            REGISTRY.compute(lockFile, (k, v) -> {
                if (v == null) {
                    return null;
                }
                v.active--;
                return v.retireIfIdle();
            });
        }
    }

    /** Unregisters this store; the channel closes when no store uses the file and no lock is held. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            REGISTRY.compute(lockFile, (k, v) -> {
                if (v == null) {
                    return null;
                }
                v.refs--;
                return v.retireIfIdle();
            });
        }
    }

    /** The JVM-wide state of one lock file. Counters are only touched inside {@code REGISTRY.compute}. */
    private static final class Shared {
        final Path file;
        final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
        int refs;
        int active;
        private @Nullable FileChannel channel;

        Shared(Path file) {
            this.file = file;
            for (int i = 0; i < STRIPES; i++) {
                stripes[i] = new ReentrantLock();
            }
        }

        synchronized FileChannel channel(FsPermissions permissions) throws IOException {
            FileChannel c = channel;
            if (c == null || !c.isOpen()) {
                permissions.createDirectories(file.getParent());
                try {
                    c = permissions.openNew(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE));
                } catch (FileAlreadyExistsException e) {
                    c = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                }
                channel = c;
            }
            return c;
        }

        @Nullable Shared retireIfIdle() {
            if (refs > 0 || active > 0) {
                return this;
            }
            synchronized (this) {
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // nothing is locked any more
                    }
                    channel = null;
                }
            }
            return null;
        }
    }
}

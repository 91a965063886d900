package dev.checkpointer.store.filesystem.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;

/**
 * Maps file-system failures onto {@link StoreException} codes.
 *
 * <ul>
 *   <li>{@link NoSuchFileException}: {@link ErrorCode#STORE_NOT_FOUND}</li>
 *   <li>{@link AccessDeniedException}, a read-only file system: {@link ErrorCode#STORE_ACCESS_DENIED}</li>
 *   <li>a key that collides with a directory, a name too long: {@link ErrorCode#STORE_BAD_REQUEST}</li>
 *   <li>interrupted or asynchronously closed I/O, stale NFS handles, {@code EAGAIN}, {@code EINTR}, too many open
 *       files: {@link ErrorCode#STORE_TRANSIENT}</li>
 *   <li>disk full, quota exceeded and every other {@link IOException}: {@link ErrorCode#STORE_FAILURE}, permanent</li>
 * </ul>
 *
 * <p>{@link FileSystemException} carries only the operating system's message, so the finer classification matches
 * on the (usually English) {@code strerror} text and falls back to {@code STORE_FAILURE}.
 */
public final class FsErrors {
    private FsErrors() {}

    /**
     * Maps any failure of a store operation.
     *
     * @param error the failure
     * @param operation the store operation
     * @param key the key or prefix concerned, if any
     * @return a {@link CheckpointException} (usually a {@link StoreException})
     */
    public static CheckpointException map(Throwable error, String operation, @Nullable String key) {
        if (error instanceof CheckpointException ce) {
            return ce;
        }
        if (error instanceof UncheckedIOException u) {
            return map(u.getCause(), operation, key);
        }
        if (error instanceof IOException io) {
            return mapIo(io, operation, key);
        }
        if (error instanceof RejectedExecutionException) {
            return new CheckpointException(ErrorCode.CLOSED, operation + (key == null ? "" : " '" + key + "'") + " failed: the filesystem store is closed", error);
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "unexpected failure: " + error, error);
    }

    private static StoreException mapIo(IOException e, String operation, @Nullable String key) {
        if (e instanceof NoSuchFileException) {
            return new StoreException(ErrorCode.STORE_NOT_FOUND, operation, key, "no such object (" + e.getMessage() + ")", e);
        }
        if (e instanceof AccessDeniedException) {
            return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key, "access denied: " + e.getMessage(), e);
        }
        if (e instanceof DirectoryNotEmptyException || e instanceof NotDirectoryException) {
            return StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, key,
                    "the key collides with a directory or file on disk: " + e.getMessage(), e);
        }
        if (e instanceof ClosedChannelException || e instanceof AsynchronousCloseException || e instanceof InterruptedIOException) {
            return StoreException.transientFailure(operation, key, "I/O was interrupted: " + e, e);
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : String.valueOf(e.getMessage());
        String r = reason.toLowerCase(Locale.ROOT);
        if (r.contains("no space left") || r.contains("quota")) {
            return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "the disk is full: " + e.getMessage(), e);
        }
        if (r.contains("read-only file system") || r.contains("operation not permitted")) {
            return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key, e.getMessage() == null ? reason : e.getMessage(), e);
        }
        if (r.contains("file name too long") || r.contains("is a directory") || r.contains("not a directory")) {
            return StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, key, e.getMessage() == null ? reason : e.getMessage(), e);
        }
        if (r.contains("stale file handle") || r.contains("resource temporarily unavailable") || r.contains("interrupted system call")
                || r.contains("too many open files") || r.contains("timed out")) {
            return StoreException.transientFailure(operation, key, e.getMessage() == null ? reason : e.getMessage(), e);
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "I/O failed: " + e, e);
    }

    /**
     * A key that cannot be stored because of what is on disk (an object where a directory is needed or the reverse).
     *
     * @param operation the store operation
     * @param key the key
     * @param message what collides
     * @return the error, {@link ErrorCode#STORE_BAD_REQUEST}
     */
    public static StoreException conflict(String operation, String key, String message) {
        return StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, key, message, null);
    }

    /**
     * A symbolic link inside the root, which the store never follows.
     *
     * @param operation the store operation
     * @param key the key or prefix
     * @param relativePath the link, relative to the root
     * @return the error, {@link ErrorCode#STORE_ACCESS_DENIED}
     */
    public static StoreException symlink(String operation, @Nullable String key, String relativePath) {
        return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key,
                "'" + relativePath + "' is a symbolic link; the filesystem store never follows links below its root", null);
    }

    /**
     * The store was used after {@code close()}.
     *
     * @param operation the store operation
     * @param store the store's description
     * @return the error, {@link ErrorCode#CLOSED}
     */
    public static CheckpointException closed(String operation, String store) {
        return new CheckpointException(ErrorCode.CLOSED, operation + " failed: the filesystem store " + store + " is closed");
    }
}

package dev.checkpointer.store.filesystem.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.jspecify.annotations.Nullable;

/**
 * A temp file being written: {@code .checkpointer-tmp-<random>} in the target's own directory (so the final rename
 * or link stays on one file system), created with {@code CREATE_NEW}, tagged with a write id, filled with
 * positional writes, forced to disk and closed before it is published.
 */
public final class FsTempFile {
    private final Path path;
    private final FileChannel channel;
    private final @Nullable String id;
    private volatile long reserved;

    private FsTempFile(Path path, FileChannel channel, @Nullable String id) {
        this.path = path;
        this.channel = channel;
        this.id = id;
    }

    /**
     * Creates a temp file.
     *
     * @param dir the directory
     * @param etags gives the file its write id
     * @param permissions the file's permissions (it keeps them when it becomes the object, a hard link or a part)
     * @return the temp file, open for writing
     * @throws IOException when it cannot be created
     */
    public static FsTempFile create(Path dir, FsEtags etags, FsPermissions permissions) throws IOException {
        Path p = dir.resolve(FsLayout.TEMP_PREFIX + FsEtags.newId());
        FileChannel ch = permissions.openNew(p, java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS));
        try {
            return new FsTempFile(p, ch, etags.tag(p));
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(p);
            throw e;
        }
    }

    /**
     * The file.
     *
     * @return its path
     */
    public Path path() {
        return path;
    }

    /**
     * The open channel.
     *
     * @return the channel
     */
    public FileChannel channel() {
        return channel;
    }

    /**
     * The write id stored in the file's extended attribute.
     *
     * @return the id, or null when the file has none
     */
    public @Nullable String id() {
        return id;
    }

    /**
     * Bytes accounted for so far (claimed by writes in flight or done).
     *
     * @return the count
     */
    public long reserved() {
        return reserved;
    }

    /**
     * Records the bytes claimed so far.
     *
     * @param value the new count
     */
    public void reserved(long value) {
        this.reserved = value;
    }

    /**
     * Writes a buffer at a position (thread-safe: positional writes do not share the channel's position).
     *
     * @param buffer the bytes, consumed
     * @param position where they go
     * @throws IOException when the write fails
     */
    public void writeAt(ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            pos += channel.write(buffer, pos);
        }
    }

    /**
     * Forces the content to disk (when asked) and closes the file.
     *
     * @param fsync whether to force content and metadata to disk
     * @return the file's attributes
     * @throws IOException when forcing or closing fails
     */
    public BasicFileAttributes finish(boolean fsync) throws IOException {
        if (fsync) {
            channel.force(true);
        }
        channel.close();
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Closes the file and deletes it if it is still there (it is not once published). Never fails.
     *
     * @return true when an unpublished temp file was deleted
     */
    public boolean discard() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing an abandoned temp file
        }
        try {
            return Files.deleteIfExists(path);
        } catch (IOException ignored) {
            return false; // left for cleanupIncomplete
        }
    }
}

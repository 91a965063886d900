package dev.checkpointer.store.filesystem.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ETags of objects on disk.
 *
 * <p>An ETag is {@code ID-SIZE-MTIME}: the file's write id, its size and its modification time in nanoseconds
 * (size and time in base 36). Every write creates a new file (temp file, then rename or link), so:
 *
 * <ul>
 *   <li><b>Write id in an extended attribute</b> (the normal case: ext4, XFS, Btrfs, ZFS, APFS, NTFS): the temp file
 *       gets a random 128-bit id in the user attribute {@code user.checkpointer.etag} before its first byte is
 *       written. The attribute belongs to the inode, so the rename that publishes the bytes publishes the id in the
 *       same atomic step; a new write never reuses an id. Size and mtime are added so that a file edited in place
 *       by another program also gets a new ETag.</li>
 *   <li><b>No extended attributes</b> (some tmpfs, FAT, network file systems, or when turned off): the id is the
 *       file's identity ({@link BasicFileAttributes#fileKey()}: device and inode). The previous version is still
 *       linked while the new file is created, so the new file never has the current version's inode; inode
 *       numbers are reused only after a version is gone, and then the modification time tells them apart, because
 *       every write under a key's lock sets the new file's mtime strictly after the current version's (see
 *       {@code bumpMtime}). Left: a key deleted and re-created, within the mtime granularity, on a recycled inode
 *       with the same size. Extended attributes remove even that.</li>
 * </ul>
 *
 * <p>Readers always look for the attribute when the file system supports one, whatever this store instance
 * writes, so every process computes the same ETag for the same file.
 */
public final class FsEtags {
    /** Name of the user attribute (the {@code user.} namespace is implied). */
    static final String ATTRIBUTE = "checkpointer.etag";

    private static final Logger log = LoggerFactory.getLogger(FsEtags.class);

    private final boolean readable;
    private volatile boolean writable;

    /**
     * Probes the root's file system.
     *
     * @param root the root
     * @param writeIds whether to write ids when the file system supports them
     */
    public FsEtags(Path root, boolean writeIds) {
        boolean supported;
        try {
            supported = Files.getFileStore(root).supportsFileAttributeView(UserDefinedFileAttributeView.class);
        } catch (IOException | UnsupportedOperationException e) {
            supported = false;
        }
        this.readable = supported;
        this.writable = supported && writeIds;
    }

    /**
     * Whether new files get a write id (else ETags derive from file identity and mtime).
     *
     * @return true when ids are written
     */
    public boolean writesIds() {
        return writable;
    }

    /**
     * A fresh random id: 32 hex digits.
     *
     * @return the id
     */
    public static String newId() {
        UUID u = UUID.randomUUID();
        return String.format("%016x%016x", u.getMostSignificantBits(), u.getLeastSignificantBits());
    }

    /**
     * Gives a new, empty file its write id.
     *
     * @param file the file
     * @return the id, or null when the file system keeps no extended attributes (then ids are no longer written)
     * @throws IOException when the file vanished or access is denied
     */
    public @Nullable String tag(Path file) throws IOException {
        if (!writable) {
            return null;
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            disable("no user-defined attribute view");
            return null;
        }
        String id = newId();
        try {
            view.write(ATTRIBUTE, ByteBuffer.wrap(id.getBytes(StandardCharsets.US_ASCII)));
            return id;
        } catch (NoSuchFileException | AccessDeniedException e) {
            throw e;
        } catch (FileSystemException | UnsupportedOperationException e) {
            disable(e.toString());
            return null;
        }
    }

    private void disable(String why) {
        if (writable) {
            writable = false;
            log.info("extended attributes are not usable here ({}); ETags derive from file identity and modification time", why);
        }
    }

    /**
     * Reads a file's write id.
     *
     * @param file the file
     * @return the id, or null when the file has none
     * @throws NoSuchFileException when the file does not exist
     */
    public @Nullable String readId(Path file) throws NoSuchFileException {
        if (!readable) {
            return null;
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (view == null) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(64);
        try {
            view.read(ATTRIBUTE, buf);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException | UnsupportedOperationException e) {
            return null; // no such attribute, a foreign value, or no support
        }
        buf.flip();
        String id = StandardCharsets.US_ASCII.decode(buf).toString();
        return id.matches("[0-9a-f]{32}") ? id : null;
    }

    /**
     * The ETag of a file from its id and attributes.
     *
     * @param id the write id, or null to derive one from the file's identity
     * @param attributes the file's attributes
     * @return the ETag
     */
    public static String etag(@Nullable String id, BasicFileAttributes attributes) {
        String base = id != null ? id : identity(attributes);
        return base + "-" + Long.toString(attributes.size(), 36) + "-" + Long.toString(nanos(attributes.lastModifiedTime()), 36);
    }

    private static String identity(BasicFileAttributes a) {
        Object key = a.fileKey();
        if (key != null) {
            String s = key.toString().replaceAll("[^0-9A-Za-z]+", ".");
            return "k" + (s.startsWith(".") ? "" : ".") + (s.endsWith(".") ? s.substring(0, s.length() - 1) : s);
        }
        return "c." + Long.toString(nanos(a.creationTime()), 36);
    }

    /**
     * A file time in nanoseconds since the epoch.
     *
     * @param time the time
     * @return nanoseconds
     */
    public static long nanos(FileTime time) {
        return time.to(TimeUnit.NANOSECONDS);
    }
}

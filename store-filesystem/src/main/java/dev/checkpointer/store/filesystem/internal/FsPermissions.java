package dev.checkpointer.store.filesystem.internal;

import dev.checkpointer.InvalidInputException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The POSIX permissions a filesystem store gives every file and directory it creates: owner-only by default
 * ({@code rw-------} / {@code rwx------}), widened with the {@code permissions} option. Directories get the file
 * mode plus execute wherever a class may read or write. Files and directories are created with their mode (a umask
 * only narrows it, so they are never visible wider), then set explicitly when the mode is wider than owner-only,
 * since the process umask may have narrowed it. On file systems
 * without POSIX permissions (Windows), nothing is applied.
 */
public final class FsPermissions {
    /** The default: only the owner reads and writes. */
    public static final FsPermissions OWNER_ONLY = new FsPermissions(0600, true);

    private static final Map<String, Integer> NAMED = Map.of("owner-only", 0600, "group-read", 0640, "group-write", 0660, "world-read", 0644);
    private static final String FORMS = "owner-only (the default: rw-------), group-read (rw-r-----), group-write (rw-rw----), world-read"
            + " (rw-r--r--), or a file mode in octal (640) or symbolic (rw-r-----) form that keeps the owner's read and write and"
            + " has no execute bits";

    private final int fileMode;
    private final boolean posix;
    private final Set<PosixFilePermission> file;
    private final Set<PosixFilePermission> dir;

    private FsPermissions(int fileMode, boolean posix) {
        this.fileMode = fileMode;
        this.posix = posix;
        this.file = toSet(fileMode);
        this.dir = toSet(dirMode(fileMode));
    }

    /**
     * Parses the {@code permissions} option.
     *
     * @param value {@code owner-only}, {@code group-read}, {@code group-write}, {@code world-read}, an octal file mode
     *     ({@code 640}, {@code 0640}) or a symbolic one ({@code rw-r-----})
     * @return the permissions
     * @throws InvalidInputException naming the accepted forms when the value is none of them, drops the owner's read
     *     or write, or has an execute, setuid, setgid or sticky bit
     */
    public static FsPermissions parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        Integer mode = NAMED.get(v);
        if (mode == null && v.matches("0?[0-7]{3}")) {
            mode = Integer.parseInt(v, 8);
        } else if (mode == null && v.matches("[r-][w-][x-][r-][w-][x-][r-][w-][x-]")) {
            mode = 0;
            for (PosixFilePermission p : PosixFilePermissions.fromString(v)) {
                mode |= bit(p);
            }
        }
        if (mode == null || (mode & 0600) != 0600 || (mode & 0111) != 0) {
            String shown = value.length() > 20 ? value.substring(0, 20) + "…" : value;
            throw new InvalidInputException("filesystem store option permissions must be " + FORMS + "; got '" + shown + "'");
        }
        return new FsPermissions(mode, true);
    }

    /**
     * These permissions on a given file system: applied only when it has POSIX permissions.
     *
     * @param anyPath a path on the file system the store uses
     * @return the permissions, bound
     */
    public FsPermissions on(Path anyPath) {
        boolean p = anyPath.getFileSystem().supportedFileAttributeViews().contains("posix");
        return p == posix ? this : new FsPermissions(fileMode, p);
    }

    /**
     * The mode of files, for messages.
     *
     * @return e.g. {@code rw-------}
     */
    public String fileMode() {
        return PosixFilePermissions.toString(file);
    }

    /**
     * The mode of directories, for messages.
     *
     * @return e.g. {@code rwx------}
     */
    public String dirMode() {
        return PosixFilePermissions.toString(dir);
    }

    /**
     * Creates and opens a new file with these permissions.
     *
     * @param path the file
     * @param options open options; must create the file
     * @return the channel
     * @throws IOException as {@link FileChannel#open(Path, Set, FileAttribute[])} does
     */
    public FileChannel openNew(Path path, Set<? extends OpenOption> options) throws IOException {
        FileChannel ch = posix ? FileChannel.open(path, options, PosixFilePermissions.asFileAttribute(file)) : FileChannel.open(path, options);
        if (posix && fileMode != 0600) {
            try {
                Files.setPosixFilePermissions(path, file);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }
        return ch;
    }

    /**
     * Creates one directory with these permissions.
     *
     * @param path the directory; its parent must exist
     * @throws IOException as {@link Files#createDirectory} does (including {@link FileAlreadyExistsException})
     */
    public void createDirectory(Path path) throws IOException {
        if (!posix) {
            Files.createDirectory(path);
            return;
        }
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(dir));
        if (fileMode != 0600) {
            Files.setPosixFilePermissions(path, dir); // the umask may have narrowed a wider mode
        }
    }

    /**
     * Creates a directory and its missing parents, each with these permissions; existing ones are left alone.
     *
     * @param path the directory
     * @throws IOException when a component cannot be created or is not a directory
     */
    public void createDirectories(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path)) {
            return;
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            createDirectories(parent);
        }
        try {
            createDirectory(path);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(path)) {
                throw e;
            }
        }
    }

    @Override
    public String toString() {
        return "FsPermissions[files " + fileMode() + ", directories " + dirMode() + (posix ? "" : ", not applied: no POSIX permissions") + "]";
    }

    private static int dirMode(int fileMode) {
        int mode = fileMode;
        for (int shift = 0; shift <= 6; shift += 3) {
            if ((fileMode >> shift & 06) != 0) {
                mode |= 1 << shift;
            }
        }
        return mode;
    }

    private static Set<PosixFilePermission> toSet(int mode) {
        Set<PosixFilePermission> set = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & bit(p)) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    private static int bit(PosixFilePermission p) {
        return 1 << (8 - p.ordinal()); // OWNER_READ is ordinal 0 (0400) ... OTHERS_EXECUTE is ordinal 8 (0001)
    }
}

package dev.checkpointer.store.filesystem.internal;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.spi.StoreKeys;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where keys live on disk, and the rules that keep them inside the root.
 *
 * <p>A key {@code a/b/c} is the file {@code root/a/b/c}: human-readable, one directory per segment. Beyond
 * {@link StoreKeys#validate} (no {@code ..} or {@code .} segment, no leading {@code /}, no backslash, no control
 * character), every segment must map to exactly one file name on this operating system (checked with the
 * platform's own path parser, never by normalising), be at most {@value #MAX_SEGMENT_BYTES} UTF-8 bytes, and must
 * not start with {@value #RESERVED_PREFIX}, which names the store's own files: temp files
 * ({@value #TEMP_PREFIX}…) next to their targets, and {@value #STORE_DIR} at the root (lock file, multipart
 * uploads, and the trash that removed uploads pass through). On Windows, names with {@code <>:"|?*}, a trailing dot or space, and device names are refused too.
 *
 * <p>The store never follows a symbolic link below the root (the root itself may be one): walking to a key's
 * directory checks each component with {@code NOFOLLOW_LINKS} and refuses links, so a link cannot lead a key
 * outside the root. A process that can replace a checked directory by a link between the check and the use can
 * write to the root anyway, so that race is outside the threat model.
 */
public final class FsLayout {
    /** Names starting with this belong to the store, never to a key. */
    public static final String RESERVED_PREFIX = ".checkpointer-";
    /** Prefix of temp files of writes in progress (and of crashed ones, until {@code cleanupIncomplete}). */
    public static final String TEMP_PREFIX = ".checkpointer-tmp-";
    /** Directory at the root holding the lock file and multipart uploads. */
    public static final String STORE_DIR = ".checkpointer-store";
    /** Longest segment, in UTF-8 bytes (NAME_MAX of common file systems). */
    public static final int MAX_SEGMENT_BYTES = 255;

    private static final Logger log = LoggerFactory.getLogger(FsLayout.class);
    private static final boolean WINDOWS = File.separatorChar == '\\';
    private static final Set<String> WINDOWS_DEVICES = Set.of("CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5",
            "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

    private final Path root;
    private final boolean fsync;
    private final FsPermissions permissions;

    /**
     * Creates the layout.
     *
     * @param realRoot the root, already resolved with {@link Path#toRealPath}
     * @param fsync whether directory changes are forced to disk
     * @param permissions the permissions of the directories it creates
     */
    public FsLayout(Path realRoot, boolean fsync, FsPermissions permissions) {
        this.root = realRoot;
        this.fsync = fsync;
        this.permissions = permissions;
    }

    /**
     * A key resolved to its file.
     *
     * @param key the key
     * @param dirSegments the key's segments but the last
     * @param path the file
     */
    public record Target(String key, List<String> dirSegments, Path path) {}

    /**
     * Where a listing starts.
     *
     * @param prefix the prefix
     * @param dirSegments the prefix's complete directory segments
     * @param relDir those segments joined with {@code /}, ending with {@code /} unless empty
     * @param leafFilter the partial last segment entries of the start directory must begin with
     */
    public record ListStart(String prefix, List<String> dirSegments, String relDir, String leafFilter) {}

    /**
     * The root.
     *
     * @return the real path of the root
     */
    public Path root() {
        return root;
    }

    /**
     * The store's own directory.
     *
     * @return {@code root/.checkpointer-store}
     */
    public Path storeDir() {
        return root.resolve(STORE_DIR);
    }

    /**
     * Where multipart uploads keep their parts.
     *
     * @return {@code root/.checkpointer-store/uploads}
     */
    public Path uploadsDir() {
        return storeDir().resolve("uploads");
    }

    /**
     * Where multipart uploads go when they are aborted, completed or cleaned up: each upload directory is renamed
     * into it (atomically, so no part can be added to it any more) and then deleted. What a failed deletion leaves
     * here is swept by {@code cleanupIncomplete}.
     *
     * @return {@code root/.checkpointer-store/trash}
     */
    public Path trashDir() {
        return storeDir().resolve("trash");
    }

    /**
     * The lock file shared by every process using this root.
     *
     * @return {@code root/.checkpointer-store/lock}
     */
    public Path lockFile() {
        return storeDir().resolve("lock");
    }

    /**
     * Validates a key and resolves its file. No I/O.
     *
     * @param key the key
     * @return the target
     * @throws InvalidInputException naming the rule broken
     */
    public Target target(String key) {
        StoreKeys.validate(key);
        String[] segments = key.split("/", -1);
        for (String s : segments) {
            checkSegment("object key", key, s);
        }
        Path p = root;
        for (String s : segments) {
            p = p.resolve(s);
        }
        if (!p.startsWith(root) || !p.normalize().equals(p) || p.getNameCount() != root.getNameCount() + segments.length) {
            throw new InvalidInputException("object key '" + key + "' does not map to a file below the store's root on this system");
        }
        return new Target(key, List.of(Arrays.copyOf(segments, segments.length - 1)), p);
    }

    /**
     * Validates a list prefix and splits it into a directory and a partial name. No I/O.
     *
     * @param prefix the prefix
     * @return where the listing starts
     * @throws InvalidInputException naming the rule broken
     */
    public ListStart listStart(String prefix) {
        StoreKeys.validatePrefix(prefix);
        if (prefix.isEmpty()) {
            return new ListStart(prefix, List.of(), "", "");
        }
        int slash = prefix.lastIndexOf('/');
        String dirPart = slash < 0 ? "" : prefix.substring(0, slash);
        String leaf = prefix.substring(slash + 1);
        List<String> dirs = dirPart.isEmpty() ? List.of() : List.of(dirPart.split("/", -1));
        for (String s : dirs) {
            checkSegment("prefix", prefix, s);
        }
        return new ListStart(prefix, dirs, dirPart.isEmpty() ? "" : dirPart + "/", leaf);
    }

    private void checkSegment(String what, String full, String segment) {
        String shown = full.length() > 120 ? full.substring(0, 120) + "…" : full;
        if (segment.startsWith(RESERVED_PREFIX)) {
            throw new InvalidInputException(what + " '" + shown + "' has a segment starting with '" + RESERVED_PREFIX
                    + "', which the filesystem store reserves for its temp files and metadata");
        }
        if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_SEGMENT_BYTES) {
            throw new InvalidInputException(what + " '" + shown + "' has a segment longer than " + MAX_SEGMENT_BYTES
                    + " UTF-8 bytes, the longest file name the filesystem store accepts");
        }
        if (WINDOWS) {
            checkWindows(what, shown, segment);
        }
        Path p;
        try {
            p = root.getFileSystem().getPath(segment);
        } catch (InvalidPathException e) {
            throw new InvalidInputException(what + " '" + shown + "' has a segment that is not a file name on this system: " + e.getReason());
        }
        if (p.isAbsolute() || p.getRoot() != null || p.getNameCount() != 1 || !p.toString().equals(segment)) {
            throw new InvalidInputException(what + " '" + shown + "' has a segment that does not map to exactly one file name on this system");
        }
    }

    private static void checkWindows(String what, String shown, String segment) {
        for (int i = 0; i < segment.length(); i++) {
            if ("<>:\"|?*".indexOf(segment.charAt(i)) >= 0) {
                throw new InvalidInputException(what + " '" + shown + "' has a character Windows file names cannot hold: '" + segment.charAt(i) + "'");
            }
        }
        if (segment.endsWith(".") || segment.endsWith(" ")) {
            throw new InvalidInputException(what + " '" + shown + "' has a segment ending with a dot or space, which Windows strips");
        }
        String base = segment.contains(".") ? segment.substring(0, segment.indexOf('.')) : segment;
        if (WINDOWS_DEVICES.contains(base.trim().toUpperCase(Locale.ROOT))) {
            throw new InvalidInputException(what + " '" + shown + "' has a segment naming a Windows device: '" + segment + "'");
        }
    }

    /**
     * Whether a name found on disk can be part of a key (listings skip the others).
     *
     * @param name a file or directory name
     * @return false for the store's own files and names no key can have
     */
    public static boolean isKeySegment(String name) {
        if (name.isEmpty() || name.startsWith(RESERVED_PREFIX) || name.equals(".") || name.equals("..")) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '\\' || c == '/' || Character.isISOControl(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Walks to the directory holding a key, component by component, refusing symbolic links.
     *
     * @param segments the directory's segments below the root
     * @param create whether to create missing directories
     * @param operation the store operation, for errors
     * @param key the key, for errors
     * @return the directory; null when it does not exist (or a file stands in the way) and {@code create} is false
     * @throws IOException when the file system fails
     * @throws dev.checkpointer.StoreException for a link ({@code STORE_ACCESS_DENIED}) or, when creating, a file
     *     where a directory is needed ({@code STORE_BAD_REQUEST})
     */
    public @Nullable Path dir(List<String> segments, boolean create, String operation, String key) throws IOException {
        Path p = root;
        for (String s : segments) {
            Path parent = p;
            p = p.resolve(s);
            for (int attempt = 0; ; attempt++) {
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    if (!create) {
                        return null;
                    }
                    try {
                        permissions.createDirectory(p);
                        syncDir(parent);
                        break;
                    } catch (FileAlreadyExistsException race) {
                        if (attempt >= 3) {
                            throw race;
                        }
                        continue;
                    }
                }
                if (a.isSymbolicLink()) {
                    throw FsErrors.symlink(operation, key, relative(p));
                }
                if (!a.isDirectory()) {
                    if (!create) {
                        return null;
                    }
                    throw FsErrors.conflict(operation, key, "'" + relative(p) + "' is an object, so no key can continue below it on a file system");
                }
                break;
            }
        }
        return p;
    }

    /**
     * Forces a directory's entries to disk so that a created, renamed or linked name survives a crash. A file
     * system that cannot open or sync directories (Windows) is skipped.
     *
     * @param dir the directory
     */
    public void syncDir(Path dir) {
        if (!fsync) {
            return;
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            log.debug("cannot sync directory {}: {}", dir, e.toString());
        }
    }

    /**
     * Removes empty directories from {@code dir} up to (not including) the root. Best effort: stops at the first
     * directory that is not empty or cannot be removed.
     *
     * @param dir the deepest directory
     */
    public void pruneEmptyDirs(Path dir) {
        Path d = dir;
        if (d.startsWith(storeDir())) {
            return; // the store's own directories are managed where they are used
        }
        while (d != null && d.startsWith(root) && !d.equals(root) && !d.getFileName().toString().startsWith(RESERVED_PREFIX)) {
            try {
                Files.delete(d);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            } catch (IOException e) {
                log.debug("cannot remove empty directory {}: {}", d, e.toString());
                return;
            }
            d = d.getParent();
        }
    }

    /**
     * A path relative to the root, with {@code /} separators.
     *
     * @param p a path below the root
     * @return the relative path
     */
    public String relative(Path p) {
        Path r = root.relativize(p);
        StringBuilder sb = new StringBuilder();
        for (Path name : r) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(name);
        }
        return sb.toString();
    }
}

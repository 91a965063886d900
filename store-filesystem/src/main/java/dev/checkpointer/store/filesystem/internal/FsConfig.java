package dev.checkpointer.store.filesystem.internal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of a filesystem store, validated.
 *
 * @param root the root directory (not yet resolved)
 * @param createRoot whether to create the root when missing
 * @param fsync whether writes are forced to disk (file and directory) before they are reported done
 * @param threads most threads doing file I/O for this store
 * @param readChunkSize size of each buffer a read emits
 * @param writeEtagIds whether new files get a random write id in an extended attribute, where supported
 * @param permissions the permissions of the files and directories the store creates
 */
public record FsConfig(Path root, boolean createRoot, boolean fsync, int threads, int readChunkSize, boolean writeEtagIds,
        FsPermissions permissions) {
    /** Smallest read chunk. */
    public static final int MIN_CHUNK = 4 * 1024;
    /** Largest read chunk. */
    public static final int MAX_CHUNK = 16 * 1024 * 1024;

    /**
     * Validates the settings.
     *
     * @param root the root directory (not yet resolved)
     * @param createRoot whether to create the root when missing
     * @param fsync whether writes are forced to disk before they are reported done
     * @param threads most threads doing file I/O for this store
     * @param readChunkSize size of each buffer a read emits
     * @param writeEtagIds whether new files get a random write id in an extended attribute
     * @param permissions the permissions of the files and directories the store creates
     */
    public FsConfig {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(permissions, "permissions");
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be between 1 and 1024, got " + threads);
        }
        if (readChunkSize < MIN_CHUNK || readChunkSize > MAX_CHUNK) {
            throw new IllegalArgumentException("readChunkSize must be between " + MIN_CHUNK + " and " + MAX_CHUNK + " bytes, got " + readChunkSize);
        }
    }

    /**
     * The default number of I/O threads: four per processor, at least 4 and at most 32.
     *
     * @return the default
     */
    public static int defaultThreads() {
        return Math.max(4, Math.min(32, 4 * Runtime.getRuntime().availableProcessors()));
    }
}

package dev.checkpointer.store.gcs.internal;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * Everything a GCS store is built from. {@link #toString()} names the credentials file's path only, never its
 * contents (which this record never holds).
 *
 * @param bucket the bucket
 * @param prefix key prefix inside the bucket, without leading or trailing {@code /}; empty for the root
 * @param projectId the project, or null for the client's default
 * @param credentialsFile a service-account or external-account JSON key file, or null for the default chain
 * @param anonymous use no credentials at all (emulators, public test servers)
 * @param endpoint a host override such as {@code http://127.0.0.1:9199}, or null for the real service
 * @param chunkSize upload chunk size in bytes (a multiple of 256 KiB); payloads up to it go in one request
 * @param readChunkSize bytes per buffer emitted by reads
 * @param kmsKeyName a Cloud KMS key for CMEK, or null
 * @param threads size of the store's bounded scheduler
 * @param listPageSize objects per list page, or 0 for the service default (1000)
 * @param singleRequestUploads true: payloads up to {@code chunkSize} go in one {@code uploadType=multipart} request;
 *     false: every upload goes through a resumable session (for emulators without multipart uploads)
 * @param connectTimeout longest wait for a TCP (and TLS) connection of the client the store builds
 */
public record GcsConfig(String bucket, String prefix, @Nullable String projectId, @Nullable Path credentialsFile, boolean anonymous,
        @Nullable String endpoint, int chunkSize, int readChunkSize, @Nullable String kmsKeyName, int threads, int listPageSize,
        boolean singleRequestUploads, java.time.Duration connectTimeout) {

    /** The granularity GCS resumable uploads require of every chunk but the last. */
    public static final int CHUNK_GRANULARITY = 256 * 1024;
    /** Default upload chunk size: 8 MiB. */
    public static final int DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;
    /** Default read buffer size: 1 MiB. */
    public static final int DEFAULT_READ_CHUNK_SIZE = 1024 * 1024;
    /** Default connect timeout of the client the store builds: 5 s. */
    public static final java.time.Duration DEFAULT_CONNECT_TIMEOUT = java.time.Duration.ofSeconds(5);
    /** Default number of threads for blocking calls. */
    public static final int DEFAULT_THREADS = 16;

    /** Validates the values. */
    public GcsConfig {
        if (bucket.isEmpty()) {
            throw new IllegalArgumentException("bucket must not be empty");
        }
        if (chunkSize < CHUNK_GRANULARITY || chunkSize % CHUNK_GRANULARITY != 0) {
            throw new IllegalArgumentException("chunkSize must be a positive multiple of 256 KiB (262144 bytes), got " + chunkSize);
        }
        if (readChunkSize < 1) {
            throw new IllegalArgumentException("readChunkSize must be >= 1");
        }
        if (connectTimeout.toMillis() < 1 || connectTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("connectTimeout must be between 1 ms and 24 days, got " + connectTimeout);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        if (listPageSize < 0 || listPageSize > 1000) {
            throw new IllegalArgumentException("listPageSize must be between 1 and 1000 (0 = service default)");
        }
    }

    @Override
    public String toString() {
        return "GcsConfig[gs://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + ", project=" + projectId
                + ", credentials=" + (anonymous ? "none" : credentialsFile == null ? "default chain" : "file " + credentialsFile)
                + ", endpoint=" + endpoint + ", chunkSize=" + chunkSize + ", kmsKey=" + (kmsKeyName == null ? "none" : "set")
                + ", threads=" + threads + (singleRequestUploads ? "" : ", singleRequestUploads=false") + "]";
    }
}

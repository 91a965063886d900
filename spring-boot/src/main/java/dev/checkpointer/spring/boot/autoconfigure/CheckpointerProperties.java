package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.RetrySettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the auto-configured {@link dev.checkpointer.Checkpointer}, bound from {@code checkpointer.*}.
 *
 * <p>Switching provider is a change of {@link #getLocation() location} only (plus the store module on the class
 * path): {@code file:./checkpoints}, {@code memory://demo}, {@code s3://bucket/prefix}, {@code gs://bucket/prefix},
 * {@code azblob://container/prefix}.
 */
@ConfigurationProperties(prefix = "checkpointer")
public class CheckpointerProperties {

    /**
     * Whether to auto-configure a Checkpointer at all.
     */
    private boolean enabled = true;

    /**
     * The store URI, for example file:./checkpoints, file:///var/lib/app/checkpoints, memory://demo,
     * s3://bucket/prefix, gs://bucket/prefix or azblob://container/prefix. Swapping the URI is the only change needed
     * to switch provider; the matching checkpointer-store-* module must be on the class path. Query parameters become
     * store options. Required unless the application defines its own ObjectStore or Checkpointer bean.
     */
    private String location;

    /**
     * Store options passed to the store module (credentials, endpoint, region, fsync, threads, ...; see each store's
     * documentation). They override query parameters of the location with the same name. Unknown options are
     * refused at startup.
     */
    private Map<String, String> options = new LinkedHashMap<>();

    /**
     * Whether to build the store over the application's SDK client bean when there is one for the location's
     * provider: S3AsyncClient for s3://, BlobContainerAsyncClient or BlobServiceAsyncClient for azblob://, GCS Storage
     * for gs://. The client keeps its own region, endpoint and credentials (do not repeat them in options) and is never
     * closed by the store. When false, the store module builds and owns a client from the options.
     */
    private boolean useClientBeans = true;

    /**
     * Cap on upload requests in flight, shared by every concurrent save (1 to 1024).
     */
    private int maxConcurrentUploads = CheckpointerBuilder.DEFAULT_MAX_CONCURRENT_UPLOADS;

    /**
     * Partitions smaller than this travel inside the manifest instead of costing a request each (0 disables
     * inlining; at most 16MB).
     */
    private DataSize inlineThreshold = DataSize.ofBytes(CheckpointerBuilder.DEFAULT_INLINE_THRESHOLD);

    /**
     * Cap on the bytes inlined into one manifest; further small partitions are packed into one sidecar object.
     */
    private DataSize maxInlineBytes = DataSize.ofBytes(CheckpointerBuilder.DEFAULT_MAX_INLINE_BYTES);

    /**
     * Size of each part of a multipart upload (64KB to 2GB); memory in flight is bounded by
     * max-concurrent-uploads x part-size.
     */
    private DataSize partSize = DataSize.ofBytes(CheckpointerBuilder.DEFAULT_PART_SIZE);

    /**
     * How long an artifact that no manifest references must exist before prune() deletes it as an orphan.
     */
    private Duration orphanGracePeriod = CheckpointerBuilder.DEFAULT_ORPHAN_GRACE;

    /**
     * Deadline of one store operation, retries included: a store that never answers or refuses connections fails
     * the operation after this long.
     */
    private Duration operationTimeout = CheckpointerBuilder.DEFAULT_OPERATION_TIMEOUT;

    /**
     * Identifies this writer in manifests; defaults to host, pid and a random suffix.
     */
    private String writerId;

    /**
     * Pipeline fingerprint that restored checkpoints must carry; checkpoints of another fingerprint are refused.
     */
    private String expectFingerprint;

    /**
     * Retry of transient store failures (exponential backoff with jitter).
     */
    private final Retry retry = new Retry();

    /**
     * Which checkpoints to keep after each save and on prune().
     */
    private final Retention retention = new Retention();

    /**
     * Incremental checkpoints: large partitions cut into content-defined chunks, only new chunks uploaded.
     */
    private final Chunking chunking = new Chunking();

    /**
     * The actuator health indicator.
     */
    private final Health health = new Health();

    /**
     * The actuator endpoint listing checkpoints.
     */
    private final Endpoint endpoint = new Endpoint();

    /**
     * Amazon S3 (and S3-compatible) settings, applied when checkpointer.location is an s3:// URI.
     */
    private final S3 s3 = new S3();

    /**
     * Azure Blob Storage settings, applied when checkpointer.location is an azblob:// URI.
     */
    private final Azure azure = new Azure();

    /**
     * Google Cloud Storage settings, applied when checkpointer.location is a gs:// URI.
     */
    private final Gcs gcs = new Gcs();

    /**
     * Local-disk settings, applied when checkpointer.location is a file: URI.
     */
    private final FileSystem filesystem = new FileSystem();

    /**
     * Whether the checkpointer is auto-configured.
     *
     * @return true unless checkpointer.enabled=false
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Sets whether the checkpointer is auto-configured.
     *
     * @param enabled false to turn the auto-configuration off
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * The store URI.
     *
     * @return the URI, or null when not set
     */
    public String getLocation() {
        return location;
    }

    /**
     * Sets the store URI.
     *
     * @param location for example {@code file:./checkpoints} or {@code s3://bucket/prefix}
     */
    public void setLocation(String location) {
        this.location = location;
    }

    /**
     * Options passed to the store module.
     *
     * @return the options, never null
     */
    public Map<String, String> getOptions() {
        return options;
    }

    /**
     * Sets the options passed to the store module.
     *
     * @param options the options
     */
    public void setOptions(Map<String, String> options) {
        this.options = options == null ? new LinkedHashMap<>() : options;
    }

    /**
     * Whether the store is built over an SDK client bean of the application when there is one.
     *
     * @return true unless checkpointer.use-client-beans=false
     */
    public boolean isUseClientBeans() {
        return useClientBeans;
    }

    /**
     * Sets whether the store is built over an SDK client bean of the application when there is one.
     *
     * @param useClientBeans false to let the store module build its own client from the options
     */
    public void setUseClientBeans(boolean useClientBeans) {
        this.useClientBeans = useClientBeans;
    }

    /**
     * Cap on concurrent upload requests.
     *
     * @return the cap
     */
    public int getMaxConcurrentUploads() {
        return maxConcurrentUploads;
    }

    /**
     * Sets the cap on concurrent upload requests.
     *
     * @param maxConcurrentUploads 1 to 1024
     */
    public void setMaxConcurrentUploads(int maxConcurrentUploads) {
        this.maxConcurrentUploads = maxConcurrentUploads;
    }

    /**
     * Size below which partitions are inlined.
     *
     * @return the threshold
     */
    public DataSize getInlineThreshold() {
        return inlineThreshold;
    }

    /**
     * Sets the size below which partitions are inlined.
     *
     * @param inlineThreshold the threshold, for example {@code 64KB}
     */
    public void setInlineThreshold(DataSize inlineThreshold) {
        this.inlineThreshold = inlineThreshold;
    }

    /**
     * Cap on the bytes inlined into one manifest.
     *
     * @return the cap
     */
    public DataSize getMaxInlineBytes() {
        return maxInlineBytes;
    }

    /**
     * Sets the cap on the bytes inlined into one manifest.
     *
     * @param maxInlineBytes the cap, for example {@code 1MB}
     */
    public void setMaxInlineBytes(DataSize maxInlineBytes) {
        this.maxInlineBytes = maxInlineBytes;
    }

    /**
     * Multipart part size.
     *
     * @return the part size
     */
    public DataSize getPartSize() {
        return partSize;
    }

    /**
     * Sets the multipart part size.
     *
     * @param partSize the part size, for example {@code 8MB}
     */
    public void setPartSize(DataSize partSize) {
        this.partSize = partSize;
    }

    /**
     * Grace period before an unreferenced artifact is an orphan.
     *
     * @return the grace period
     */
    public Duration getOrphanGracePeriod() {
        return orphanGracePeriod;
    }

    /**
     * Sets the grace period before an unreferenced artifact is an orphan.
     *
     * @param orphanGracePeriod not negative
     */
    public void setOrphanGracePeriod(Duration orphanGracePeriod) {
        this.orphanGracePeriod = orphanGracePeriod;
    }

    /**
     * Deadline of one store operation, retries included.
     *
     * @return the deadline
     */
    public Duration getOperationTimeout() {
        return operationTimeout;
    }

    /**
     * Sets the deadline of one store operation, retries included.
     *
     * @param operationTimeout positive
     */
    public void setOperationTimeout(Duration operationTimeout) {
        this.operationTimeout = operationTimeout;
    }

    /**
     * The writer id recorded in manifests.
     *
     * @return the id, or null for the default
     */
    public String getWriterId() {
        return writerId;
    }

    /**
     * Sets the writer id recorded in manifests.
     *
     * @param writerId 1 to 200 printable characters
     */
    public void setWriterId(String writerId) {
        this.writerId = writerId;
    }

    /**
     * The pipeline fingerprint restored checkpoints must carry.
     *
     * @return the fingerprint, or null for none
     */
    public String getExpectFingerprint() {
        return expectFingerprint;
    }

    /**
     * Sets the pipeline fingerprint restored checkpoints must carry.
     *
     * @param expectFingerprint not empty
     */
    public void setExpectFingerprint(String expectFingerprint) {
        this.expectFingerprint = expectFingerprint;
    }

    /**
     * Retry settings.
     *
     * @return the retry settings
     */
    public Retry getRetry() {
        return retry;
    }

    /**
     * Retention settings.
     *
     * @return the retention settings
     */
    public Retention getRetention() {
        return retention;
    }

    /**
     * Incremental checkpoint settings ({@code checkpointer.chunking.*}).
     *
     * @return the chunking settings
     */
    public Chunking getChunking() {
        return chunking;
    }

    /**
     * Health indicator settings.
     *
     * @return the health settings
     */
    public Health getHealth() {
        return health;
    }

    /**
     * Endpoint settings.
     *
     * @return the endpoint settings
     */
    public Endpoint getEndpoint() {
        return endpoint;
    }

    /**
     * Amazon S3 settings ({@code checkpointer.s3.*}), applied when the location is {@code s3://}.
     *
     * @return the S3 settings
     */
    public S3 getS3() {
        return s3;
    }

    /**
     * Azure Blob Storage settings ({@code checkpointer.azure.*}), applied when the location is {@code azblob://}.
     *
     * @return the Azure settings
     */
    public Azure getAzure() {
        return azure;
    }

    /**
     * Google Cloud Storage settings ({@code checkpointer.gcs.*}), applied when the location is {@code gs://}.
     *
     * @return the GCS settings
     */
    public Gcs getGcs() {
        return gcs;
    }

    /**
     * Local-disk settings ({@code checkpointer.filesystem.*}), applied when the location is {@code file:}.
     *
     * @return the local-disk settings
     */
    public FileSystem getFilesystem() {
        return filesystem;
    }

    /** The typed provider groups, each with the scheme it applies to. */
    List<StoreGroup> storeGroups() {
        return List.of(s3, azure, gcs, filesystem);
    }

    /**
     * A typed group of store options for one provider. Its settings become store options only when
     * {@code checkpointer.location} has the group's scheme; setting one both here and in {@code checkpointer.options}
     * stops startup.
     */
    abstract static class StoreGroup {
        StoreGroup() {}

        /** The URI scheme of the locations this group applies to. */
        abstract String scheme();

        /** Every property of the group, set or not, with the store option it maps to. */
        abstract List<StoreGroupSetting> settings();
    }

    /** Retry of transient store failures: {@code checkpointer.retry.*}. */
    public static class Retry {
        private static final RetrySettings DEFAULTS = RetrySettings.defaults();

        /**
         * Delay before the first retry.
         */
        private Duration initialDelay = DEFAULTS.initialDelay();

        /**
         * Growth factor of the delay per attempt (at least 1).
         */
        private double multiplier = DEFAULTS.multiplier();

        /**
         * Cap on one delay.
         */
        private Duration maxDelay = DEFAULTS.maxDelay();

        /**
         * Total attempts including the first (1 disables retries).
         */
        private int maxAttempts = DEFAULTS.maxAttempts();

        /**
         * No retry starts once this much time has passed since the first attempt.
         */
        private Duration maxElapsed = DEFAULTS.maxElapsed();

        /**
         * Randomisation factor of each delay, in [0, 1).
         */
        private double jitter = DEFAULTS.jitter();

        /** Creates the defaults of {@link RetrySettings#defaults()}. */
        public Retry() {}

        /**
         * The settings as the core's value type (validated there).
         *
         * @return the retry settings
         */
        public RetrySettings toSettings() {
            return new RetrySettings(initialDelay, multiplier, maxDelay, maxAttempts, maxElapsed, jitter);
        }

        /**
         * Delay before the first retry.
         *
         * @return the delay
         */
        public Duration getInitialDelay() {
            return initialDelay;
        }

        /**
         * Sets the delay before the first retry.
         *
         * @param initialDelay positive
         */
        public void setInitialDelay(Duration initialDelay) {
            this.initialDelay = initialDelay;
        }

        /**
         * Growth factor per attempt.
         *
         * @return the multiplier
         */
        public double getMultiplier() {
            return multiplier;
        }

        /**
         * Sets the growth factor per attempt.
         *
         * @param multiplier at least 1
         */
        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        /**
         * Cap on one delay.
         *
         * @return the cap
         */
        public Duration getMaxDelay() {
            return maxDelay;
        }

        /**
         * Sets the cap on one delay.
         *
         * @param maxDelay at least the initial delay
         */
        public void setMaxDelay(Duration maxDelay) {
            this.maxDelay = maxDelay;
        }

        /**
         * Total attempts.
         *
         * @return the attempts
         */
        public int getMaxAttempts() {
            return maxAttempts;
        }

        /**
         * Sets the total attempts.
         *
         * @param maxAttempts at least 1
         */
        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        /**
         * Bound on the total time spent retrying.
         *
         * @return the bound
         */
        public Duration getMaxElapsed() {
            return maxElapsed;
        }

        /**
         * Sets the bound on the total time spent retrying.
         *
         * @param maxElapsed not negative
         */
        public void setMaxElapsed(Duration maxElapsed) {
            this.maxElapsed = maxElapsed;
        }

        /**
         * Randomisation factor.
         *
         * @return the jitter
         */
        public double getJitter() {
            return jitter;
        }

        /**
         * Sets the randomisation factor.
         *
         * @param jitter in [0, 1)
         */
        public void setJitter(double jitter) {
            this.jitter = jitter;
        }
    }

    /** Which checkpoints to keep: {@code checkpointer.retention.*}. All rules off keeps everything. */
    public static class Retention {

        /**
         * Keep this many newest checkpoints (0 turns the rule off).
         */
        private int keepLast;

        /**
         * Keep checkpoints younger than this (unset turns the rule off).
         */
        private Duration keepNewerThan;

        /**
         * Checkpoint ids never deleted by retention.
         */
        private List<Long> pinned = new ArrayList<>();

        /** Creates the default: keep everything. */
        public Retention() {}

        /**
         * The rules as the core's value type (validated there).
         *
         * @return the retention policy
         */
        public dev.checkpointer.Retention toRetention() {
            java.util.Set<dev.checkpointer.CheckpointId> ids = new java.util.TreeSet<>();
            for (Long id : pinned) {
                ids.add(dev.checkpointer.CheckpointId.of(id));
            }
            return new dev.checkpointer.Retention(keepLast, keepNewerThan, ids);
        }

        /**
         * Number of newest checkpoints kept.
         *
         * @return the count, 0 when off
         */
        public int getKeepLast() {
            return keepLast;
        }

        /**
         * Sets the number of newest checkpoints kept.
         *
         * @param keepLast 0 (off) or more
         */
        public void setKeepLast(int keepLast) {
            this.keepLast = keepLast;
        }

        /**
         * Age below which checkpoints are kept.
         *
         * @return the age, or null when off
         */
        public Duration getKeepNewerThan() {
            return keepNewerThan;
        }

        /**
         * Sets the age below which checkpoints are kept.
         *
         * @param keepNewerThan positive, or null
         */
        public void setKeepNewerThan(Duration keepNewerThan) {
            this.keepNewerThan = keepNewerThan;
        }

        /**
         * Pinned checkpoint ids.
         *
         * @return the ids
         */
        public List<Long> getPinned() {
            return pinned;
        }

        /**
         * Sets the pinned checkpoint ids.
         *
         * @param pinned the ids
         */
        public void setPinned(List<Long> pinned) {
            this.pinned = pinned == null ? new ArrayList<>() : pinned;
        }
    }

    /** How new chunks are stored: {@code checkpointer.chunking.compression}. */
    public enum Compression {
        /** As they are. */
        NONE,
        /** Compressed with zstd (needs com.github.luben:zstd-jni on the class path). */
        ZSTD
    }

    /**
     * Incremental checkpoints: {@code checkpointer.chunking.*}. Off by default; when on, partitions of at least
     * {@code threshold} bytes are cut into content-defined chunks and a save uploads only the chunks the checkpoint it
     * is saved on does not already have. Checkpoints with chunked partitions are written in manifest format 3.0, which
     * library versions before 0.3 refuse to read: turn it on once every reader of the location is upgraded.
     */
    public static class Chunking {
        private static final String PREFIX = "checkpointer.chunking.";
        /** Whether zstd-jni is on the class path (checked once: compression=zstd needs it at every save). */
        private static final String ZSTD_CLASS = "com.github.luben.zstd.Zstd";

        /**
         * Whether large partitions are cut into chunks so that unchanged parts are not uploaded again.
         */
        private boolean enabled;

        /**
         * Partitions of at least this size are chunked; smaller ones are written whole.
         */
        private DataSize threshold = DataSize.ofBytes(dev.checkpointer.Chunking.DEFAULT_THRESHOLD);

        /**
         * Average chunk size: a power of two from 64B to 32MB. Smaller chunks find more unchanged data around
         * scattered edits, at the cost of more requests per save and a longer manifest (about 150 bytes per chunk).
         */
        private DataSize averageChunkSize = DataSize.ofBytes(dev.checkpointer.Chunking.DEFAULT_AVERAGE);

        /**
         * How new chunks are stored: none or zstd (zstd needs com.github.luben:zstd-jni on the class path).
         */
        private Compression compression = Compression.NONE;

        /**
         * zstd level, 1 to 22 (default 3); only with compression=zstd.
         */
        private Integer zstdLevel;

        /** Creates the default: chunking off. */
        public Chunking() {}

        /**
         * The settings as the core's value type. Every setting is checked, also while chunking is off, so that a
         * mistake shows at startup rather than on the day it is turned on.
         *
         * @param classLoader where zstd-jni is looked for when compression is zstd
         * @return the setting for {@link dev.checkpointer.CheckpointerBuilder#chunking}
         * @throws dev.checkpointer.InvalidInputException naming the offending property
         */
        public dev.checkpointer.Chunking toChunking(@org.jspecify.annotations.Nullable ClassLoader classLoader) {
            dev.checkpointer.Chunking c = dev.checkpointer.Chunking.on();
            c = named("threshold", c, x -> x.withThreshold(threshold.toBytes()));
            long average = averageChunkSize.toBytes();
            if (average > Integer.MAX_VALUE) {
                throw new dev.checkpointer.InvalidInputException(PREFIX + "average-chunk-size: must be a power of two from 64 to "
                        + dev.checkpointer.Chunking.MAX_AVERAGE + " bytes, got " + average);
            }
            c = named("average-chunk-size", c, x -> x.withAverageChunkSize((int) average));
            if (compression == Compression.ZSTD) {
                int level = zstdLevel == null ? 3 : zstdLevel;
                c = named("zstd-level", c, x -> x.withZstd(level));
                if (!org.springframework.util.ClassUtils.isPresent(ZSTD_CLASS, classLoader)) {
                    throw new dev.checkpointer.InvalidInputException(PREFIX + "compression=zstd needs com.github.luben:zstd-jni on the class path"
                            + " (add the dependency, or set " + PREFIX + "compression=none)");
                }
            } else if (zstdLevel != null) {
                throw new dev.checkpointer.InvalidInputException(PREFIX + "zstd-level is set but " + PREFIX + "compression is none"
                        + " (set " + PREFIX + "compression=zstd, or remove the level)");
            }
            return enabled ? c : dev.checkpointer.Chunking.off();
        }

        private static dev.checkpointer.Chunking named(String property, dev.checkpointer.Chunking c,
                java.util.function.UnaryOperator<dev.checkpointer.Chunking> set) {
            try {
                return set.apply(c);
            } catch (dev.checkpointer.InvalidInputException e) {
                throw new dev.checkpointer.InvalidInputException(PREFIX + property + ": " + e.getMessage());
            }
        }

        /**
         * Whether chunking is on.
         *
         * @return true when checkpointer.chunking.enabled=true
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether chunking is on.
         *
         * @param enabled true to chunk large partitions
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * The size from which a partition is chunked.
         *
         * @return the threshold
         */
        public DataSize getThreshold() {
            return threshold;
        }

        /**
         * Sets the size from which a partition is chunked.
         *
         * @param threshold at least 1 byte, for example {@code 4MB}
         */
        public void setThreshold(DataSize threshold) {
            this.threshold = threshold;
        }

        /**
         * The average chunk size.
         *
         * @return the size
         */
        public DataSize getAverageChunkSize() {
            return averageChunkSize;
        }

        /**
         * Sets the average chunk size.
         *
         * @param averageChunkSize a power of two from 64B to 32MB, for example {@code 1MB}
         */
        public void setAverageChunkSize(DataSize averageChunkSize) {
            this.averageChunkSize = averageChunkSize;
        }

        /**
         * How new chunks are stored.
         *
         * @return the compression
         */
        public Compression getCompression() {
            return compression;
        }

        /**
         * Sets how new chunks are stored.
         *
         * @param compression none or zstd
         */
        public void setCompression(Compression compression) {
            this.compression = compression;
        }

        /**
         * The zstd level.
         *
         * @return the level, or null when unset (3)
         */
        public Integer getZstdLevel() {
            return zstdLevel;
        }

        /**
         * Sets the zstd level.
         *
         * @param zstdLevel 1 to 22
         */
        public void setZstdLevel(Integer zstdLevel) {
            this.zstdLevel = zstdLevel;
        }
    }

    /** The health indicator: {@code checkpointer.health.*}. */
    public static class Health {

        /**
         * The health is DOWN when the latest checkpoint is older than this (unset: age is reported, not judged).
         */
        private Duration maxAge;

        /**
         * Whether the health is DOWN while no checkpoint exists yet (default: UP, reported as none).
         */
        private boolean requireCheckpoint;

        /**
         * How long a health check may wait for the store; then the health is DOWN with a reason saying so. Short, so
         * that a probe gets its answer in time even when the store is paused.
         */
        private Duration timeout = Duration.ofSeconds(3);

        /** Creates the defaults. */
        public Health() {}

        /**
         * Maximum age of the latest checkpoint.
         *
         * @return the age, or null when not judged
         */
        public Duration getMaxAge() {
            return maxAge;
        }

        /**
         * Sets the maximum age of the latest checkpoint.
         *
         * @param maxAge positive, or null
         */
        public void setMaxAge(Duration maxAge) {
            this.maxAge = maxAge;
        }

        /**
         * Whether a missing checkpoint is DOWN.
         *
         * @return true when a checkpoint is required
         */
        public boolean isRequireCheckpoint() {
            return requireCheckpoint;
        }

        /**
         * Sets whether a missing checkpoint is DOWN.
         *
         * @param requireCheckpoint true to require one
         */
        public void setRequireCheckpoint(boolean requireCheckpoint) {
            this.requireCheckpoint = requireCheckpoint;
        }

        /**
         * Timeout of one health check (default 3 s).
         *
         * @return the timeout
         */
        public Duration getTimeout() {
            return timeout;
        }

        /**
         * Sets the timeout of one health check.
         *
         * @param timeout positive
         */
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /** The read-only actuator endpoint {@code checkpoints}: {@code checkpointer.endpoint.*}. */
    public static class Endpoint {

        /**
         * Most checkpoints listed by the endpoint (the newest ones).
         */
        private int limit = 100;

        /**
         * How long the endpoint may wait for the store.
         */
        private Duration timeout = Duration.ofSeconds(30);

        /** Creates the defaults. */
        public Endpoint() {}

        /**
         * Most checkpoints listed.
         *
         * @return the limit
         */
        public int getLimit() {
            return limit;
        }

        /**
         * Sets the most checkpoints listed.
         *
         * @param limit positive
         */
        public void setLimit(int limit) {
            this.limit = limit;
        }

        /**
         * Timeout of one endpoint call.
         *
         * @return the timeout
         */
        public Duration getTimeout() {
            return timeout;
        }

        /**
         * Sets the timeout of one endpoint call.
         *
         * @param timeout positive
         */
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /**
     * Amazon S3 and S3-compatible stores: {@code checkpointer.s3.*}, applied when {@code checkpointer.location} is an
     * {@code s3://} URI. Each property sets the checkpointer-store-s3 option named in its description.
     */
    public static class S3 extends StoreGroup {
        private static final String PREFIX = "checkpointer.s3.";

        /**
         * AWS region of the bucket, for example eu-west-1 (store option region). Unset: the SDK's default region chain.
         */
        private String region;

        /**
         * Endpoint override for S3-compatible services or emulators, for example http://127.0.0.1:9090 (store option
         * endpoint).
         */
        private String endpoint;

        /**
         * Whether to address the bucket in the path rather than the host name, as most S3-compatible services need
         * (store option pathStyle).
         */
        private Boolean pathStyleAccess;

        /**
         * Named profile of the AWS shared configuration files to take credentials and region from (store option
         * profile).
         */
        private String profile;

        /**
         * Access key id of static credentials; secret, masked by the actuator (store option accessKeyId). Unset: the
         * SDK's default credentials chain.
         */
        private String accessKeyId;

        /**
         * Secret access key of static credentials; secret, masked by the actuator (store option secretAccessKey).
         */
        private String secretAccessKey;

        /**
         * Session token of temporary credentials; secret, masked by the actuator (store option sessionToken).
         */
        private String sessionToken;

        /** Creates the empty group: nothing set. */
        public S3() {}

        @Override
        String scheme() {
            return "s3";
        }

        @Override
        List<StoreGroupSetting> settings() {
            return List.of(
                    new StoreGroupSetting(PREFIX + "region", "region", region, false),
                    new StoreGroupSetting(PREFIX + "endpoint", "endpoint", endpoint, false),
                    new StoreGroupSetting(PREFIX + "path-style-access", "pathStyle", pathStyleAccess, false),
                    new StoreGroupSetting(PREFIX + "profile", "profile", profile, false),
                    new StoreGroupSetting(PREFIX + "access-key-id", "accessKeyId", accessKeyId, true),
                    new StoreGroupSetting(PREFIX + "secret-access-key", "secretAccessKey", secretAccessKey, true),
                    new StoreGroupSetting(PREFIX + "session-token", "sessionToken", sessionToken, true));
        }

        /**
         * The bucket's region.
         *
         * @return the region, or null when unset
         */
        public String getRegion() {
            return region;
        }

        /**
         * Sets the bucket's region.
         *
         * @param region for example {@code eu-west-1}
         */
        public void setRegion(String region) {
            this.region = region;
        }

        /**
         * The endpoint override.
         *
         * @return the endpoint URI, or null when unset
         */
        public String getEndpoint() {
            return endpoint;
        }

        /**
         * Sets the endpoint override.
         *
         * @param endpoint for example {@code http://127.0.0.1:9090}
         */
        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }

        /**
         * Whether path-style addressing is used.
         *
         * @return the setting, or null when unset (the store's default)
         */
        public Boolean getPathStyleAccess() {
            return pathStyleAccess;
        }

        /**
         * Sets whether path-style addressing is used.
         *
         * @param pathStyleAccess true for most S3-compatible services
         */
        public void setPathStyleAccess(Boolean pathStyleAccess) {
            this.pathStyleAccess = pathStyleAccess;
        }

        /**
         * The AWS profile.
         *
         * @return the profile name, or null when unset
         */
        public String getProfile() {
            return profile;
        }

        /**
         * Sets the AWS profile.
         *
         * @param profile a profile of the shared configuration files
         */
        public void setProfile(String profile) {
            this.profile = profile;
        }

        /**
         * The access key id (secret).
         *
         * @return the id, or null when unset
         */
        public String getAccessKeyId() {
            return accessKeyId;
        }

        /**
         * Sets the access key id (secret).
         *
         * @param accessKeyId the id
         */
        public void setAccessKeyId(String accessKeyId) {
            this.accessKeyId = accessKeyId;
        }

        /**
         * The secret access key (secret).
         *
         * @return the key, or null when unset
         */
        public String getSecretAccessKey() {
            return secretAccessKey;
        }

        /**
         * Sets the secret access key (secret).
         *
         * @param secretAccessKey the key
         */
        public void setSecretAccessKey(String secretAccessKey) {
            this.secretAccessKey = secretAccessKey;
        }

        /**
         * The session token (secret).
         *
         * @return the token, or null when unset
         */
        public String getSessionToken() {
            return sessionToken;
        }

        /**
         * Sets the session token (secret).
         *
         * @param sessionToken the token of temporary credentials
         */
        public void setSessionToken(String sessionToken) {
            this.sessionToken = sessionToken;
        }
    }

    /**
     * Azure Blob Storage: {@code checkpointer.azure.*}, applied when {@code checkpointer.location} is an
     * {@code azblob://} URI. Each property sets the checkpointer-store-azure option named in its description.
     */
    public static class Azure extends StoreGroup {
        private static final String PREFIX = "checkpointer.azure.";

        /**
         * Storage account connection string; secret, masked by the actuator (store option connectionString).
         */
        private String connectionString;

        /**
         * Storage account name, with the default credential chain or an account key (store option accountName).
         */
        private String accountName;

        /**
         * Storage account key; secret, masked by the actuator (store option accountKey).
         */
        private String accountKey;

        /**
         * Shared access signature token; secret, masked by the actuator (store option sasToken).
         */
        private String sasToken;

        /**
         * Blob service endpoint, for example https://myaccount.blob.core.windows.net or an Azurite URL (store option
         * endpoint).
         */
        private String endpoint;

        /** Creates the empty group: nothing set. */
        public Azure() {}

        @Override
        String scheme() {
            return "azblob";
        }

        @Override
        List<StoreGroupSetting> settings() {
            return List.of(
                    new StoreGroupSetting(PREFIX + "connection-string", "connectionString", connectionString, true),
                    new StoreGroupSetting(PREFIX + "account-name", "accountName", accountName, false),
                    new StoreGroupSetting(PREFIX + "account-key", "accountKey", accountKey, true),
                    new StoreGroupSetting(PREFIX + "sas-token", "sasToken", sasToken, true),
                    new StoreGroupSetting(PREFIX + "endpoint", "endpoint", endpoint, false));
        }

        /**
         * The connection string (secret).
         *
         * @return the connection string, or null when unset
         */
        public String getConnectionString() {
            return connectionString;
        }

        /**
         * Sets the connection string (secret).
         *
         * @param connectionString the connection string
         */
        public void setConnectionString(String connectionString) {
            this.connectionString = connectionString;
        }

        /**
         * The storage account name.
         *
         * @return the name, or null when unset
         */
        public String getAccountName() {
            return accountName;
        }

        /**
         * Sets the storage account name.
         *
         * @param accountName the account
         */
        public void setAccountName(String accountName) {
            this.accountName = accountName;
        }

        /**
         * The account key (secret).
         *
         * @return the key, or null when unset
         */
        public String getAccountKey() {
            return accountKey;
        }

        /**
         * Sets the account key (secret).
         *
         * @param accountKey the key
         */
        public void setAccountKey(String accountKey) {
            this.accountKey = accountKey;
        }

        /**
         * The SAS token (secret).
         *
         * @return the token, or null when unset
         */
        public String getSasToken() {
            return sasToken;
        }

        /**
         * Sets the SAS token (secret).
         *
         * @param sasToken the token
         */
        public void setSasToken(String sasToken) {
            this.sasToken = sasToken;
        }

        /**
         * The blob service endpoint.
         *
         * @return the endpoint, or null when unset
         */
        public String getEndpoint() {
            return endpoint;
        }

        /**
         * Sets the blob service endpoint.
         *
         * @param endpoint the endpoint URL
         */
        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }
    }

    /**
     * Google Cloud Storage: {@code checkpointer.gcs.*}, applied when {@code checkpointer.location} is a {@code gs://}
     * URI. Each property sets the checkpointer-store-gcs option named in its description.
     */
    public static class Gcs extends StoreGroup {
        private static final String PREFIX = "checkpointer.gcs.";

        /**
         * Google Cloud project (store option project). Unset: the project of the default credentials.
         */
        private String project;

        /**
         * Path of a service-account JSON key file; its contents are never logged (store option credentialsFile).
         * Unset: Application Default Credentials.
         */
        private String credentialsFile;

        /**
         * Endpoint override (the storage host), for example http://127.0.0.1:9199 for an emulator (store option
         * endpoint).
         */
        private String endpoint;

        /**
         * Whether to send no credentials at all, for emulators (store option anonymous).
         */
        private Boolean anonymous;

        /** Creates the empty group: nothing set. */
        public Gcs() {}

        @Override
        String scheme() {
            return "gs";
        }

        @Override
        List<StoreGroupSetting> settings() {
            return List.of(
                    new StoreGroupSetting(PREFIX + "project", "project", project, false),
                    new StoreGroupSetting(PREFIX + "credentials-file", "credentialsFile", credentialsFile, false),
                    new StoreGroupSetting(PREFIX + "endpoint", "endpoint", endpoint, false),
                    new StoreGroupSetting(PREFIX + "anonymous", "anonymous", anonymous, false));
        }

        /**
         * The project.
         *
         * @return the project id, or null when unset
         */
        public String getProject() {
            return project;
        }

        /**
         * Sets the project.
         *
         * @param project the project id
         */
        public void setProject(String project) {
            this.project = project;
        }

        /**
         * The service-account key file.
         *
         * @return its path, or null when unset
         */
        public String getCredentialsFile() {
            return credentialsFile;
        }

        /**
         * Sets the service-account key file.
         *
         * @param credentialsFile its path
         */
        public void setCredentialsFile(String credentialsFile) {
            this.credentialsFile = credentialsFile;
        }

        /**
         * The endpoint override.
         *
         * @return the endpoint, or null when unset
         */
        public String getEndpoint() {
            return endpoint;
        }

        /**
         * Sets the endpoint override.
         *
         * @param endpoint for example {@code http://127.0.0.1:9199}
         */
        public void setEndpoint(String endpoint) {
            this.endpoint = endpoint;
        }

        /**
         * Whether no credentials are sent.
         *
         * @return the setting, or null when unset (false)
         */
        public Boolean getAnonymous() {
            return anonymous;
        }

        /**
         * Sets whether no credentials are sent.
         *
         * @param anonymous true for emulators
         */
        public void setAnonymous(Boolean anonymous) {
            this.anonymous = anonymous;
        }
    }

    /**
     * A local directory: {@code checkpointer.filesystem.*}, applied when {@code checkpointer.location} is a
     * {@code file:} URI. Each property sets the checkpointer-store-filesystem option named in its description.
     */
    public static class FileSystem extends StoreGroup {
        private static final String PREFIX = "checkpointer.filesystem.";

        /**
         * Whether every write is forced to disk before it counts as done (store option fsync; the store's default is
         * true).
         */
        private Boolean fsync;

        /**
         * Size of each read from a file, for example 256KB (store option readChunkSize).
         */
        private DataSize readChunkSize;

        /**
         * Threads doing the blocking file I/O (store option threads).
         */
        private Integer threads;

        /**
         * Whether the first write may create a missing directory (store option createRoot; the store's default is true).
         * Set false when the application must find existing state: a mistyped or unmounted path then fails every
         * operation with STORE_LOCATION_NOT_FOUND instead of reading as an empty location.
         */
        private Boolean createRoot;

        /**
         * Permissions of the files and directories the store creates (store option permissions): owner-only (the
         * store's default, 0600/0700), group-read, group-write, world-read, or a file mode such as 640 or rw-r-----.
         */
        private String permissions;

        /** Creates the empty group: nothing set. */
        public FileSystem() {}

        @Override
        String scheme() {
            return "file";
        }

        @Override
        List<StoreGroupSetting> settings() {
            return List.of(
                    new StoreGroupSetting(PREFIX + "fsync", "fsync", fsync, false),
                    new StoreGroupSetting(PREFIX + "read-chunk-size", "readChunkSize", readChunkSize, false),
                    new StoreGroupSetting(PREFIX + "threads", "threads", threads, false),
                    new StoreGroupSetting(PREFIX + "create-root", "createRoot", createRoot, false),
                    new StoreGroupSetting(PREFIX + "permissions", "permissions", permissions, false));
        }

        /**
         * Whether the first write may create a missing directory.
         *
         * @return the setting, or null when unset (the store's default, true)
         */
        public Boolean getCreateRoot() {
            return createRoot;
        }

        /**
         * Sets whether the first write may create a missing directory.
         *
         * @param createRoot false to require an existing directory
         */
        public void setCreateRoot(Boolean createRoot) {
            this.createRoot = createRoot;
        }

        /**
         * The permissions of what the store creates.
         *
         * @return the setting, or null when unset (owner-only)
         */
        public String getPermissions() {
            return permissions;
        }

        /**
         * Sets the permissions of what the store creates.
         *
         * @param permissions owner-only, group-read, group-write, world-read, or a file mode such as 640
         */
        public void setPermissions(String permissions) {
            this.permissions = permissions;
        }

        /**
         * Whether writes are forced to disk.
         *
         * @return the setting, or null when unset (the store's default, true)
         */
        public Boolean getFsync() {
            return fsync;
        }

        /**
         * Sets whether writes are forced to disk.
         *
         * @param fsync false only where losing the latest writes on a crash is acceptable
         */
        public void setFsync(Boolean fsync) {
            this.fsync = fsync;
        }

        /**
         * The read chunk size.
         *
         * @return the size, or null when unset
         */
        public DataSize getReadChunkSize() {
            return readChunkSize;
        }

        /**
         * Sets the read chunk size.
         *
         * @param readChunkSize for example {@code 256KB}
         */
        public void setReadChunkSize(DataSize readChunkSize) {
            this.readChunkSize = readChunkSize;
        }

        /**
         * The I/O threads.
         *
         * @return the count, or null when unset
         */
        public Integer getThreads() {
            return threads;
        }

        /**
         * Sets the I/O threads.
         *
         * @param threads positive
         */
        public void setThreads(Integer threads) {
            this.threads = threads;
        }
    }
}

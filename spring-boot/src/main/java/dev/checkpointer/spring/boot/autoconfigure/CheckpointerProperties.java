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
     * The actuator health indicator.
     */
    private final Health health = new Health();

    /**
     * The actuator endpoint listing checkpoints.
     */
    private final Endpoint endpoint = new Endpoint();

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
         * How long a health check may wait for the store.
         */
        private Duration timeout = Duration.ofSeconds(10);

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
         * Timeout of one health check.
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
}

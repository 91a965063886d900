package dev.checkpointer;

import dev.checkpointer.internal.Engine;
import dev.checkpointer.internal.EngineConfig;
import dev.checkpointer.internal.MicrometerSupport;
import dev.checkpointer.spi.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Configures a {@link Checkpointer}. Every setter validates its argument at once, so a bad setting fails where it
 * is written, not at the first save. Exactly one of {@link #store(ObjectStore)} and {@link #location(String)} is
 * required.
 *
 * <pre>{@code
 * Checkpointer cp = Checkpointer.builder()
 *         .location("s3://my-bucket/jobs/clicks")
 *         .maxConcurrentUploads(16)
 *         .retention(Retention.keepLast(10))
 *         .build();
 * }</pre>
 */
public final class CheckpointerBuilder {
    /** Default cap on concurrent upload requests, shared by all saves of one checkpointer. */
    public static final int DEFAULT_MAX_CONCURRENT_UPLOADS = 8;
    /** Default size below which a partition is inlined in the manifest (64 KiB). */
    public static final int DEFAULT_INLINE_THRESHOLD = 64 * 1024;
    /** Default cap on the bytes inlined in one manifest (1 MiB); further small partitions go to a sidecar. */
    public static final int DEFAULT_MAX_INLINE_BYTES = 1024 * 1024;
    /** Default multipart part size (8 MiB). */
    public static final long DEFAULT_PART_SIZE = 8L * 1024 * 1024;
    /** Default grace period before an unreferenced artifact counts as an orphan (1 hour). */
    public static final Duration DEFAULT_ORPHAN_GRACE = Duration.ofHours(1);
    /**
     * Default {@link #operationTimeout}: a store that accepts connections but never answers, or refuses them, fails
     * an operation after this long instead of after the SDK's read timeouts and every retry.
     */
    public static final Duration DEFAULT_OPERATION_TIMEOUT = Duration.ofSeconds(15);

    private @Nullable ObjectStore store;
    private boolean ownsStore;
    private @Nullable String location;
    private final Map<String, String> options = new LinkedHashMap<>();
    private int maxConcurrentUploads = DEFAULT_MAX_CONCURRENT_UPLOADS;
    private int inlineThreshold = DEFAULT_INLINE_THRESHOLD;
    private int maxInlineBytes = DEFAULT_MAX_INLINE_BYTES;
    private long partSize = DEFAULT_PART_SIZE;
    private long multipartThreshold = -1;
    private RetrySettings retry = RetrySettings.defaults();
    private Retention retention = Retention.keepAll();
    private Chunking chunking = Chunking.off();
    private Duration orphanGracePeriod = DEFAULT_ORPHAN_GRACE;
    private Duration operationTimeout = DEFAULT_OPERATION_TIMEOUT;
    private final List<CheckpointListener> listeners = new ArrayList<>();
    private Clock clock = Clock.systemUTC();
    private @Nullable String writerId;
    private @Nullable String expectedFingerprint;
    private boolean repairPointerOnSave;
    // Typed Object on purpose: io.micrometer is an optional dependency, and this class must load and run without it.
    private @Nullable Object meterRegistry;
    private Object meterTags = List.of();

    CheckpointerBuilder() {}

    /**
     * Uses a store the caller opened. The checkpointer does not close it.
     *
     * @param store the store
     * @return this builder
     */
    public CheckpointerBuilder store(ObjectStore store) {
        this.store = Objects.requireNonNull(store, "store");
        this.ownsStore = false;
        this.location = null;
        return this;
    }

    /**
     * Opens the store for a URI through the store modules on the class path (see {@link Checkpointer#open(String)}).
     * The checkpointer owns and closes that store.
     *
     * @param uri the location
     * @return this builder
     */
    public CheckpointerBuilder location(String uri) {
        return location(uri, Map.of());
    }

    /**
     * Like {@link #location(String)}, with store options that override the URI's query parameters.
     *
     * @param uri the location
     * @param storeOptions the options
     * @return this builder
     */
    public CheckpointerBuilder location(String uri, Map<String, String> storeOptions) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(storeOptions, "storeOptions");
        if (uri.isBlank()) {
            throw new InvalidInputException("store URI is blank");
        }
        storeOptions.forEach((k, v) -> {
            if (k == null || v == null) {
                throw new InvalidInputException("store options must not contain null names or values");
            }
        });
        this.location = uri;
        this.options.clear();
        this.options.putAll(storeOptions);
        this.store = null;
        return this;
    }

    /**
     * Caps the upload requests in flight across every concurrent save of this checkpointer (default 8).
     *
     * @param n at least 1
     * @return this builder
     */
    public CheckpointerBuilder maxConcurrentUploads(int n) {
        if (n < 1 || n > 1024) {
            throw new InvalidInputException("maxConcurrentUploads must be between 1 and 1024, got " + n);
        }
        this.maxConcurrentUploads = n;
        return this;
    }

    /**
     * Partitions smaller than this many bytes travel inside the manifest instead of costing a request each
     * (default 64 KiB; 0 disables inlining).
     *
     * @param bytes between 0 and 16 MiB
     * @return this builder
     */
    public CheckpointerBuilder inlineThreshold(int bytes) {
        if (bytes < 0 || bytes > 16 * 1024 * 1024) {
            throw new InvalidInputException("inlineThreshold must be between 0 and 16 MiB, got " + bytes);
        }
        this.inlineThreshold = bytes;
        return this;
    }

    /**
     * Caps the raw bytes inlined into one manifest (default 1 MiB); small partitions beyond it are packed into one
     * sidecar object.
     *
     * @param bytes between 0 and 64 MiB
     * @return this builder
     */
    public CheckpointerBuilder maxInlineBytes(int bytes) {
        if (bytes < 0 || bytes > 64 * 1024 * 1024) {
            throw new InvalidInputException("maxInlineBytes must be between 0 and 64 MiB, got " + bytes);
        }
        this.maxInlineBytes = bytes;
        return this;
    }

    /**
     * Size of each part of a multipart upload (default 8 MiB). Memory in flight per checkpointer is bounded by
     * {@code maxConcurrentUploads x partSize}.
     *
     * @param bytes between 64 KiB and 5 GiB; raised to the store's minimum part size when below it
     * @return this builder
     */
    public CheckpointerBuilder partSize(long bytes) {
        if (bytes < 64 * 1024 || bytes > 5L * 1024 * 1024 * 1024) {
            throw new InvalidInputException("partSize must be between 64 KiB and 5 GiB, got " + bytes);
        }
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException("partSize must fit one buffer (< 2 GiB), got " + bytes);
        }
        this.partSize = bytes;
        return this;
    }

    /**
     * Payloads of at least this many bytes go multipart where the store supports it (default: twice the part
     * size).
     *
     * @param bytes at least 1
     * @return this builder
     */
    public CheckpointerBuilder multipartThreshold(long bytes) {
        if (bytes < 1) {
            throw new InvalidInputException("multipartThreshold must be positive, got " + bytes);
        }
        this.multipartThreshold = bytes;
        return this;
    }

    /**
     * How transient store failures are retried (default {@link RetrySettings#defaults()}).
     *
     * @param settings the settings
     * @return this builder
     */
    public CheckpointerBuilder retry(RetrySettings settings) {
        this.retry = Objects.requireNonNull(settings, "retry");
        return this;
    }

    /**
     * Deadline of one store operation, all its retries and backoff included (default 15 s,
     * {@link #DEFAULT_OPERATION_TIMEOUT}). When it passes, the operation fails with a transient
     * {@link StoreException} ({@link ErrorCode#STORE_TRANSIENT}) that says the deadline passed and names the last
     * failure seen; retries also stop earlier when {@link RetrySettings#maxAttempts()} or
     * {@link RetrySettings#maxElapsed()} run out. Requests that move a payload (an upload, a part, a whole partition
     * read into memory) get one more second per MiB on top, so large transfers on a slow link are not cut off; a
     * streamed read is bounded only until its response starts (then the store's read timeout watches for stalls),
     * and a listing only until its first object and then between objects. Measured on the engine's scheduler
     * ({@code Schedulers.parallel()}), so virtual time applies.
     *
     * @param timeout positive
     * @return this builder
     */
    public CheckpointerBuilder operationTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "operationTimeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("operationTimeout must be positive, got " + timeout);
        }
        this.operationTimeout = timeout;
        return this;
    }

    /**
     * Incremental checkpoints: large partitions cut into content-defined chunks, and only the chunks the checkpoint
     * saved on does not have uploaded (default {@link Chunking#off()}). Read {@link Chunking} for the format
     * version this writes before turning it on where older library versions read.
     *
     * @param chunking the setting
     * @return this builder
     */
    public CheckpointerBuilder chunking(Chunking chunking) {
        this.chunking = Objects.requireNonNull(chunking, "chunking");
        return this;
    }

    /**
     * Which checkpoints to keep; applied after each save and by {@link Checkpointer#prune()} (default keep all).
     *
     * @param retention the policy
     * @return this builder
     */
    public CheckpointerBuilder retention(Retention retention) {
        this.retention = Objects.requireNonNull(retention, "retention");
        return this;
    }

    /**
     * How old garbage (debris of saves that lost, crashed or were aborted) must be before {@link Checkpointer#prune()}
     * removes it (default 1 hour), measured on the store's clock. Safety never depends on it: a save in progress
     * writes above the head, where prune never deletes; the grace period only keeps recent debris around for
     * inspection.
     *
     * @param grace zero or more
     * @return this builder
     */
    public CheckpointerBuilder orphanGracePeriod(Duration grace) {
        Objects.requireNonNull(grace, "orphanGracePeriod");
        if (grace.isNegative()) {
            throw new InvalidInputException("orphanGracePeriod must not be negative, got " + grace);
        }
        this.orphanGracePeriod = grace;
        return this;
    }

    /**
     * Adds a listener (saves, retries, skipped ticks, failed periodic checkpoints, corrupt checkpoints). Listeners run on the thread that
     * signals and must not block; an exception from a listener is logged and ignored.
     *
     * @param listener the listener
     * @return this builder
     */
    public CheckpointerBuilder listener(CheckpointListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * The clock for manifest timestamps, retention ages and orphan grace (default UTC system clock).
     *
     * @param clock the clock
     * @return this builder
     */
    public CheckpointerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Names this writer in manifests and the pointer (default: host name, process id and a random suffix).
     *
     * @param id 1 to 200 printable characters
     * @return this builder
     */
    public CheckpointerBuilder writerId(String id) {
        Objects.requireNonNull(id, "writerId");
        if (id.isEmpty() || id.length() > 200 || id.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidInputException("writerId must be 1 to 200 printable characters");
        }
        this.writerId = id;
        return this;
    }

    /**
     * Refuses to load checkpoints written for another pipeline: a manifest whose fingerprint differs fails with
     * {@link IncompatibleCheckpointException}; {@link Checkpointer#latest()} passes over such checkpoints.
     *
     * @param fingerprint the pipeline fingerprint saved snapshots carry
     * @return this builder
     */
    public CheckpointerBuilder expectFingerprint(String fingerprint) {
        Objects.requireNonNull(fingerprint, "fingerprint");
        if (fingerprint.isEmpty()) {
            throw new InvalidInputException("fingerprint must not be empty");
        }
        this.expectedFingerprint = fingerprint;
        return this;
    }

    /**
     * Lets the next save repair a missing or corrupt {@code _latest} (as {@link Checkpointer#repairPointer()} does)
     * instead of failing. Off by default: a lost pointer may have held the newest writer epoch, which no manifest
     * records, so repairing it is a decision for the operator (see {@code docs/PROTOCOL.md}).
     *
     * @param repair true to repair on save
     * @return this builder
     */
    public CheckpointerBuilder repairPointerOnSave(boolean repair) {
        this.repairPointerOnSave = repair;
        return this;
    }

    /**
     * Records metrics in a Micrometer registry (see {@code dev.checkpointer.micrometer.CheckpointerMeters} for the
     * meters): saves, loads and partition reads (timers), bytes written and read, store requests per operation,
     * retries, throttles, integrity failures, fencing refusals and corrupt checkpoints, tagged with the store's
     * scheme ({@code store}) and low-cardinality outcomes.
     *
     * <p>Needs {@code io.micrometer:micrometer-core} on the class path, an optional dependency of this library: without
     * it, do not call this method (nothing else in the library touches Micrometer).
     *
     * @param registry the registry
     * @return this builder
     */
    public CheckpointerBuilder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
        return meterRegistry(registry, List.of());
    }

    /**
     * Like {@link #meterRegistry(io.micrometer.core.instrument.MeterRegistry)}, with common tags added to every meter
     * (for instance the name of the job when one application runs several checkpointers). A {@code store} tag given
     * here replaces the store's scheme. Keep the values low-cardinality.
     *
     * @param registry the registry
     * @param tags the common tags, e.g. {@code Tags.of("job", "orders")}
     * @return this builder
     */
    public CheckpointerBuilder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry,
            Iterable<io.micrometer.core.instrument.Tag> tags) {
        this.meterRegistry = Objects.requireNonNull(registry, "registry");
        this.meterTags = Objects.requireNonNull(tags, "tags");
        return this;
    }

    /**
     * Builds the checkpointer, opening the store when a location was given.
     *
     * @return the checkpointer
     * @throws InvalidInputException when neither a store nor a location was given, or the settings conflict
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when no store module handles the URI
     */
    public Checkpointer build() {
        if (store == null && location == null) {
            throw new InvalidInputException("a checkpointer needs a store: call store(ObjectStore) or location(uri)");
        }
        ObjectStore s = store;
        boolean owns = ownsStore;
        if (s == null) {
            s = dev.checkpointer.spi.ObjectStores.open(Objects.requireNonNull(location), options);
            owns = true;
        }
        List<CheckpointListener> all = listeners;
        MicrometerSupport metrics = null;
        if (meterRegistry != null) {
            // only here is a Micrometer class ever loaded
            metrics = MicrometerSupport.bind(meterRegistry, meterTags, s);
            s = metrics.store(s);
            all = new ArrayList<>(listeners);
            all.add(metrics.listener());
        }
        long part = Math.max(partSize, s.capabilities().minPartSize());
        long threshold = multipartThreshold > 0 ? multipartThreshold : 2 * part;
        String writer = writerId != null ? writerId : Engine.defaultWriterId();
        EngineConfig config = new EngineConfig(s, owns, maxConcurrentUploads, inlineThreshold, maxInlineBytes, part, threshold,
                retry, retention, orphanGracePeriod, all, clock, writer, expectedFingerprint, repairPointerOnSave,
                operationTimeout, chunking);
        Checkpointer checkpointer = Engine.open(config);
        return metrics == null ? checkpointer : metrics.checkpointer(checkpointer);
    }
}

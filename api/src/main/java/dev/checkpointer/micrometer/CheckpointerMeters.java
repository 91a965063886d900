package dev.checkpointer.micrometer;

import dev.checkpointer.spi.ObjectStore;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Names and tag keys of every meter this package registers, and the tag values kept low-cardinality. The meters are
 * registered by {@link dev.checkpointer.CheckpointerBuilder#meterRegistry}; every tag value comes from a small fixed
 * set (store scheme, operation name, outcome, {@link dev.checkpointer.ErrorCode}), never a key, id or path.
 */
public final class CheckpointerMeters {
    /** Timer of saves; tags {@code store}, {@code outcome}, {@code error}. */
    public static final String SAVE = "checkpointer.save";
    /**
     * Timer of finding and verifying a checkpoint ({@code latest()} and {@code load(id)}: pointer, manifest, digest);
     * tags {@code store}, {@code operation} ({@code latest} or {@code load}), {@code outcome} ({@code found},
     * {@code none} when {@code latest()} found no checkpoint, {@code failed}, {@code cancelled}), {@code error}.
     */
    public static final String LOAD = "checkpointer.load";
    /**
     * Timer of reading one partition of a loaded checkpoint, digest check included ({@code Checkpoint.read} and
     * {@code stream}); tags {@code store}, {@code operation} ({@code read} or {@code stream}), {@code outcome}
     * ({@code success}, {@code failed}, {@code cancelled}), {@code error}.
     */
    public static final String READ = "checkpointer.read";
    /** Distribution of the bytes of state in committed checkpoints; tag {@code store}. */
    public static final String SAVE_SIZE = "checkpointer.save.size";
    /** Counter of retried store requests; tags {@code store}, {@code operation}, {@code reason}. */
    public static final String RETRIES = "checkpointer.retries";
    /** Counter of throttled store requests; tags {@code store}, {@code operation}. */
    public static final String THROTTLES = "checkpointer.throttles";
    /** Counter of saves and partition reads that failed an integrity check (digest or size mismatch); tag {@code store}. */
    public static final String INTEGRITY_FAILURES = "checkpointer.integrity.failures";
    /**
     * Counter of saves and {@code commit}s refused by a conflict; tags {@code store}, {@code reason} ({@code fenced}:
     * a newer writer took over, or {@code lost_race}: another writer committed that id first).
     */
    public static final String CONFLICTS = "checkpointer.conflicts";
    /** Counter of checkpoints passed over as corrupt while looking for the latest; tags {@code store}, {@code error}. */
    public static final String CORRUPT_CHECKPOINTS = "checkpointer.corrupt.checkpoints";
    /**
     * Counter: reads that found {@code _latest} missing or corrupt and recovered from the manifests, tagged
     * {@code outcome} = {@code recovered} or {@code nothing}.
     */
    public static final String POINTER_RECOVERIES = "checkpointer.pointer.recoveries";
    /** Counter of periodic ticks skipped because a save was still running; tag {@code store}. */
    public static final String TICKS_SKIPPED = "checkpointer.ticks.skipped";
    /**
     * Counter of failed periodic checkpoints of {@code every(..)} (the snapshot supplier or the save failed); tags
     * {@code store}, {@code error} (an {@link dev.checkpointer.ErrorCode} name, or {@code OTHER} for a failure outside
     * the library, such as the supplier's own exception).
     */
    public static final String EVERY_FAILURES = "checkpointer.every.failures";
    /** Timer of store requests; tags {@code store}, {@code operation}, {@code outcome}. */
    public static final String STORE_REQUESTS = "checkpointer.store.requests";
    /** Counter of bytes written to the store by successful uploads; tags {@code store}, {@code operation}. */
    public static final String STORE_BYTES_WRITTEN = "checkpointer.store.bytes.written";
    /** Counter of bytes read from the store; tags {@code store}, {@code operation}. */
    public static final String STORE_BYTES_READ = "checkpointer.store.bytes.read";

    /** Tag key: the store scheme ({@code file}, {@code s3}, …). */
    public static final String TAG_STORE = "store";
    /** Tag key: how something ended. */
    public static final String TAG_OUTCOME = "outcome";
    /** Tag key: the {@link dev.checkpointer.ErrorCode} of a failure, or {@code none}. */
    public static final String TAG_ERROR = "error";
    /** Tag key: the store operation. */
    public static final String TAG_OPERATION = "operation";
    /** Tag key: why. */
    public static final String TAG_REASON = "reason";

    private CheckpointerMeters() {}

    /**
     * The low-cardinality store tag of a store: the scheme of its {@link ObjectStore#describe()} ({@code s3},
     * {@code file}, {@code memory}, …), or {@code custom} when it has none.
     *
     * @param store the store
     * @return the tag value
     */
    public static String storeTag(ObjectStore store) {
        return schemeOf(store.describe());
    }

    /**
     * The scheme of a location or description such as {@code s3://bucket/prefix} or {@code file:/data}.
     *
     * @param location the text, may be null
     * @return the lower-case scheme, or {@code custom}
     */
    public static String schemeOf(@Nullable String location) {
        if (location == null) {
            return "custom";
        }
        int colon = location.indexOf(':');
        if (colon < 1) {
            return "custom";
        }
        String scheme = location.substring(0, colon).toLowerCase(Locale.ROOT);
        return scheme.matches("[a-z][a-z0-9+.-]{0,15}") ? scheme : "custom";
    }
}

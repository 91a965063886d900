package dev.checkpointer;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A store request failed. Stores map their SDK's errors onto this type; the engine retries it when
 * {@link #isTransient()} and never otherwise. Messages name the operation and key, never credentials.
 */
public class StoreException extends CheckpointException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final @Nullable String key;

    /**
     * Creates the exception.
     *
     * @param code one of the {@code STORE_*} codes, or {@link ErrorCode#CLOSED} for a store used after close
     * @param operation the store operation ({@code put}, {@code get}, {@code list}, …)
     * @param key the key concerned, if any
     * @param message what the store said (no secrets)
     * @param cause the SDK's exception, if any
     */
    public StoreException(ErrorCode code, String operation, @Nullable String key, String message, @Nullable Throwable cause) {
        super(code, operation + (key == null ? "" : " '" + key + "'") + " failed: " + message, cause);
        if (!code.name().startsWith("STORE_") && code != ErrorCode.CLOSED) {
            throw new IllegalArgumentException("a StoreException needs a STORE_* code or CLOSED, not " + code);
        }
        this.operation = Objects.requireNonNull(operation, "operation");
        this.key = key;
    }

    /**
     * The bucket or container of the store's location does not exist: {@link ErrorCode#STORE_BUCKET_NOT_FOUND},
     * permanent, with a message that names it and says what to do.
     *
     * @param operation the SPI operation, e.g. {@code get}
     * @param key the key involved, if any
     * @param kind what the provider calls it: {@code "S3 bucket"}, {@code "Azure container"}, {@code "GCS bucket"}
     * @param name the bucket or container name
     * @param cause the SDK's exception, if any
     * @return the exception
     */
    public static StoreException bucketNotFound(String operation, @Nullable String key, String kind, String name, @Nullable Throwable cause) {
        String word = kind.substring(kind.lastIndexOf(' ') + 1);
        return new StoreException(ErrorCode.STORE_BUCKET_NOT_FOUND, operation, key,
                "the " + kind + " '" + name + "' does not exist: create " + word + " '" + name + "' or fix the location", cause);
    }

    /**
     * Transient failure: 5xx, timeout, connection reset.
     *
     * @param operation the SPI operation, e.g. {@code put}
     * @param key the key involved, if any
     * @param message what the store said (never credentials)
     * @param cause the SDK's exception, if any
     * @return the exception
     */
    public static StoreException transientFailure(String operation, @Nullable String key, String message, @Nullable Throwable cause) {
        return new StoreException(ErrorCode.STORE_TRANSIENT, operation, key, message, cause);
    }

    /**
     * The store throttled the request (429, 503 SlowDown, ServerBusy).
     *
     * @param operation the SPI operation, e.g. {@code put}
     * @param key the key involved, if any
     * @param message what the store said (never credentials)
     * @param cause the SDK's exception, if any
     * @return the exception
     */
    public static StoreException throttled(String operation, @Nullable String key, String message, @Nullable Throwable cause) {
        return new StoreException(ErrorCode.STORE_THROTTLED, operation, key, message, cause);
    }

    /**
     * No object under the key.
     *
     * @param operation the SPI operation
     * @param key the key
     * @return the exception
     */
    public static StoreException notFound(String operation, String key) {
        return new StoreException(ErrorCode.STORE_NOT_FOUND, operation, key, "no such object", null);
    }

    /**
     * A create-if-absent or if-match condition did not hold.
     *
     * @param operation the SPI operation, e.g. {@code put}
     * @param key the key involved, if any
     * @param message what the store said (never credentials)
     * @param cause the SDK's exception, if any
     * @return the exception
     */
    public static StoreException preconditionFailed(String operation, String key, String message, @Nullable Throwable cause) {
        return new StoreException(ErrorCode.STORE_PRECONDITION_FAILED, operation, key, message, cause);
    }

    /**
     * A permanent failure of the given code (access denied, bad request, unsupported, other).
     *
     * @param code a {@code STORE_*} code
     * @param operation the SPI operation
     * @param key the key involved, if any
     * @param message what the store said (never credentials)
     * @param cause the SDK's exception, if any
     * @return the exception
     */
    public static StoreException permanent(ErrorCode code, String operation, @Nullable String key, String message, @Nullable Throwable cause) {
        return new StoreException(code, operation, key, message, cause);
    }

    /**
     * Whether retrying the same request may succeed (transient failures and throttling).
     *
     * @return true for {@link ErrorCode#STORE_TRANSIENT} and {@link ErrorCode#STORE_THROTTLED}
     */
    public boolean isTransient() {
        return code() == ErrorCode.STORE_TRANSIENT || code() == ErrorCode.STORE_THROTTLED;
    }

    /**
     * Whether this failure is a lost condition (the object exists, or its ETag moved).
     *
     * @return true for {@link ErrorCode#STORE_PRECONDITION_FAILED}
     */
    public boolean isPreconditionFailed() {
        return code() == ErrorCode.STORE_PRECONDITION_FAILED;
    }

    /**
     * Whether the key does not exist.
     *
     * @return true for {@link ErrorCode#STORE_NOT_FOUND}
     */
    public boolean isNotFound() {
        return code() == ErrorCode.STORE_NOT_FOUND;
    }

    /**
     * The store operation that failed.
     *
     * @return e.g. {@code put}, {@code get}, {@code list}
     */
    public String operation() {
        return operation;
    }

    /**
     * The key concerned, when the operation had one.
     *
     * @return the key or null
     */
    public @Nullable String key() {
        return key;
    }
}

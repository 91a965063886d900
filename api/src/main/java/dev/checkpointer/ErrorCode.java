package dev.checkpointer;

/**
 * Machine-readable classification carried by every {@link CheckpointException}, stable across releases so that
 * callers can branch on it (and metrics can tag with it) without parsing messages.
 */
public enum ErrorCode {
    /** An argument, name, option or URI was refused before anything was written. */
    INVALID_ARGUMENT,
    /**
     * A payload produced more or fewer bytes than its {@link Payload#length()} declared; nothing was written. Raised
     * (as an {@link InvalidInputException}) by the engine and by every store alike, through
     * {@link dev.checkpointer.spi.VerifyingPayload}.
     */
    PAYLOAD_LENGTH_MISMATCH,
    /** No checkpoint with the requested id exists. */
    CHECKPOINT_NOT_FOUND,
    /** Bytes read back do not match the SHA-256 recorded for them, or an object is truncated. */
    INTEGRITY,
    /** A manifest or pointer cannot be parsed, or fails validation. */
    CORRUPT_METADATA,
    /** Another writer committed first, or this writer's epoch has been fenced by a newer one. */
    CONCURRENT_CHECKPOINT,
    /**
     * A save's last request had an outcome that could not be learnt: the checkpoint may or may not have committed
     * (it is then whole), and {@code latest()} tells which.
     */
    OUTCOME_UNKNOWN,
    /** The checkpoint was written by an incompatible format version or for a different pipeline fingerprint. */
    INCOMPATIBLE,
    /** A store request failed transiently (5xx, timeout, reset); retried by the engine. */
    STORE_TRANSIENT,
    /** The store throttled the request (429, 503 SlowDown, ServerBusy); retried by the engine. */
    STORE_THROTTLED,
    /** The store has no object under the requested key. */
    STORE_NOT_FOUND,
    /**
     * The location itself does not exist (a {@code file:} root directory that is missing): nothing was ever written
     * there, or its name is mistyped. Reads fail with it rather than report "no checkpoints"; stores that create a
     * location do so on the first write only.
     */
    STORE_LOCATION_NOT_FOUND,
    /**
     * The bucket or container of the store's location does not exist (S3 {@code NoSuchBucket}, Azure
     * {@code ContainerNotFound}, GCS "bucket does not exist"). Permanent: the message names the bucket and the remedy
     * (create it, or fix the location). Never confused with {@link #STORE_NOT_FOUND}, which means one key is absent.
     */
    STORE_BUCKET_NOT_FOUND,
    /**
     * The TLS handshake with the store's endpoint failed: its certificate is not trusted by this JVM ("PKIX path
     * building failed"), has expired or names another host, or the two sides share no protocol. Permanent: retrying
     * cannot fix a configuration error; the message names the host and the remedy (the JVM's trust store, or the
     * endpoint). See {@link dev.checkpointer.spi.StoreFailures#tlsFailure}.
     */
    STORE_TLS,
    /** A conditional write lost: the object exists (create-if-absent) or its ETag moved (if-match). */
    STORE_PRECONDITION_FAILED,
    /** Authentication or authorisation was refused by the store. */
    STORE_ACCESS_DENIED,
    /** The store rejected the request as malformed, or refused the bytes (checksum mismatch on upload). */
    STORE_BAD_REQUEST,
    /** The store does not support the requested operation. */
    STORE_UNSUPPORTED,
    /** Any other store failure. */
    STORE_FAILURE,
    /**
     * A sink status transition was refused: the sink already reached the other final state for that checkpoint
     * ({@code COMMITTED} versus {@code FAILED}).
     */
    SINK_STATE_CONFLICT,
    /**
     * A pipeline's two-phase-commit sink failed to commit the transaction of a committed checkpoint (the sink was
     * marked {@code FAILED} for it); the cause is the sink's own error.
     */
    SINK_FAILED,
    /** The checkpointer or store was used after {@code close()}. */
    CLOSED,
    /** No store module handles the URI's scheme, or the store's configuration is invalid. */
    CONFIGURATION
}

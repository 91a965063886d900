package dev.checkpointer.store.s3;

import dev.checkpointer.spi.ObjectStore;

/**
 * The S3 store's facade: stores over one S3 bucket and key prefix ({@code s3://bucket/prefix}) are built here and
 * handed out as plain {@link ObjectStore}s. Keys given to a store are relative to the prefix; the location is what
 * {@link ObjectStore#describe()} returns ({@code s3://bucket/prefix}). Build one with {@link #builder()}, or let
 * {@link dev.checkpointer.Checkpointer#open(String)} open it from a URI (through {@link S3StoreProvider}).
 *
 * <p>The store never retries: the checkpointer engine retries transient failures (throttling, 5xx, timeouts,
 * connection resets) with backoff, per request and per multipart part. A client built by the store therefore has
 * the SDK's own retries turned off, except up to two retries (10 ms apart) of a request whose pooled connection was
 * closed under it before any response ({@link S3StoreBuilder#recommendedRetryStrategy()}); a client you supply should be
 * configured the same way (see {@link S3StoreBuilder#client}).
 */
public final class S3Store {
    private S3Store() {}

    /**
     * A builder for a store.
     *
     * @return a new builder
     */
    public static S3StoreBuilder builder() {
        return new S3StoreBuilder();
    }
}

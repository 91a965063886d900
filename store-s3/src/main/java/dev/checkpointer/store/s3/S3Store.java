package dev.checkpointer.store.s3;

import dev.checkpointer.spi.ObjectStore;

/**
 * An {@link ObjectStore} over one S3 bucket and key prefix ({@code s3://bucket/prefix}). Keys given to the store
 * are relative to the prefix. Build one with {@link #builder()}, or let {@link dev.checkpointer.Checkpointer#open(String)}
 * open it from a URI.
 *
 * <p>The store never retries: the checkpointer engine retries transient failures (throttling, 5xx, timeouts,
 * connection resets) with backoff, per request and per multipart part. A client built by the store therefore has
 * the SDK's own retries turned off, except up to two retries (10 ms apart) of a request whose pooled connection was
 * closed under it before any response ({@link S3StoreBuilder#recommendedRetryStrategy()}); a client you supply should be
 * configured the same way (see {@link S3StoreBuilder#client}).
 */
public interface S3Store extends ObjectStore {

    /**
     * A builder for a store.
     *
     * @return a new builder
     */
    static S3StoreBuilder builder() {
        return new S3StoreBuilder();
    }

    /**
     * The bucket this store writes to.
     *
     * @return the bucket name
     */
    String bucket();

    /**
     * The key prefix inside the bucket, without leading or trailing {@code /}.
     *
     * @return the prefix; empty for the bucket's root
     */
    String prefix();
}

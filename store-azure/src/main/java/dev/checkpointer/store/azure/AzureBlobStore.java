package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;

/**
 * An {@link ObjectStore} over one Azure Blob Storage container and key prefix ({@code azblob://container/prefix}),
 * built on the Reactor-native {@code BlobContainerAsyncClient}. Keys given to the store are relative to the prefix.
 * Build one with {@link #builder()}, or let {@link dev.checkpointer.Checkpointer#open(String)} open it from a URI.
 *
 * <p>What the store does with Azure:
 * <ul>
 * <li>{@code put}: one {@code Put Blob} with {@code Content-MD5} up to the block size; larger payloads are staged in
 *     blocks (each with its MD5) and committed with {@code Put Block List}. The condition is sent with the request
 *     that makes the blob visible: {@code If-None-Match: *} for create-if-absent, {@code If-Match} for compare-and-swap.
 *     A declared SHA-256 is checked as the bytes stream, before that request.</li>
 * <li>multipart uploads: parts are staged blocks with deterministic ids, committed under the condition given at start.</li>
 * <li>{@code get}: a (ranged) download streamed as it arrives; {@code list}: pages fetched lazily; {@code deleteAll}:
 *     blob batches of 256 deletes.</li>
 * </ul>
 *
 * <p>The store never retries: the checkpointer engine retries transient failures (throttling, 5xx, timeouts,
 * connection resets) with backoff, per request and per part. A client the store builds therefore makes one attempt
 * per request; a client you supply should be configured the same way (see {@link AzureBlobStoreBuilder#client}).
 */
public interface AzureBlobStore extends ObjectStore {

    /**
     * A builder for a store.
     *
     * @return a new builder
     */
    static AzureBlobStoreBuilder builder() {
        return new AzureBlobStoreBuilder();
    }

    /**
     * The container this store writes to.
     *
     * @return the container name
     */
    String container();

    /**
     * The key prefix inside the container, without leading or trailing {@code /}.
     *
     * @return the prefix; empty for the container's root
     */
    String prefix();
}

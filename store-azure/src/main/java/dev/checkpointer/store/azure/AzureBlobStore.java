package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;

/**
 * The Azure Blob Storage store's facade: stores over one container and key prefix ({@code azblob://container/prefix}),
 * built on the Reactor-native {@code BlobContainerAsyncClient}, are built here and handed out as plain
 * {@link ObjectStore}s. Keys given to a store are relative to the prefix; the location is what
 * {@link ObjectStore#describe()} returns. Build one with {@link #builder()}, or let
 * {@link dev.checkpointer.Checkpointer#open(String)} open it from a URI (through {@link AzureBlobStoreProvider}).
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
public final class AzureBlobStore {
    private AzureBlobStore() {}

    /**
     * A builder for a store.
     *
     * @return a new builder
     */
    public static AzureBlobStoreBuilder builder() {
        return new AzureBlobStoreBuilder();
    }
}

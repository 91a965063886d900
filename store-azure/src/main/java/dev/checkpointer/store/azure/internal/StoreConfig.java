package dev.checkpointer.store.azure.internal;

import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.models.CustomerProvidedKey;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything an {@link AzureObjectStore} needs, checked by the public builder.
 *
 * @param client the container client
 * @param ownsClient whether the store built the client (informational: an async client holds no resources of its own)
 * @param prefix key prefix inside the container, without leading or trailing {@code /}
 * @param blockSize bytes per staged block of a streamed {@code put}, and the largest {@code put} sent in one request
 * @param maxConcurrency blocks staged at once by one {@code put}; batches sent at once by {@code deleteAll}
 * @param listPageSize blobs per list page (the service's maximum is 5000)
 * @param customerProvidedKey the CPK applied to every blob request, or null
 * @param encryptionScope the encryption scope applied to writes, or null
 * @param authDescription how the client authenticates, for {@code describe()} (never a secret)
 * @param redactor removes this store's secrets from error causes
 */
public record StoreConfig(BlobContainerAsyncClient client, boolean ownsClient, String prefix, long blockSize, int maxConcurrency, int listPageSize,
        @Nullable CustomerProvidedKey customerProvidedKey, @Nullable String encryptionScope, String authDescription, Redactor redactor) {

    /** Validates the fields. */
    public StoreConfig {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(authDescription, "authDescription");
        Objects.requireNonNull(redactor, "redactor");
        if (blockSize < 1 || maxConcurrency < 1 || listPageSize < 1) {
            throw new IllegalArgumentException("sizes must be positive");
        }
    }

    @Override
    public String toString() {
        return "StoreConfig[container=" + client.getBlobContainerName() + ", prefix=" + prefix + ", blockSize=" + blockSize + ", maxConcurrency="
                + maxConcurrency + ", listPageSize=" + listPageSize + ", customerProvidedKey=" + (customerProvidedKey == null ? "none" : "****")
                + ", encryptionScope=" + encryptionScope + ", auth=" + authDescription + "]";
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobServiceAsyncClient;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.store.azure.AzureBlobStore;
import java.net.URI;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;

/**
 * {@code azblob://} over the application's {@link BlobContainerAsyncClient} (when it is for the URI's container) or
 * else its {@link BlobServiceAsyncClient} (asked for the URI's container). Account, endpoint and credential are the
 * client's.
 */
final class AzureClientBackedStores implements ClientBackedStores {
    private final ObjectProvider<BlobContainerAsyncClient> containers;
    private final ObjectProvider<BlobServiceAsyncClient> services;

    AzureClientBackedStores(ObjectProvider<BlobContainerAsyncClient> containers, ObjectProvider<BlobServiceAsyncClient> services) {
        this.containers = containers;
        this.services = services;
    }

    @Override
    public String scheme() {
        return "azblob";
    }

    @Override
    public String client() {
        return "the BlobContainerAsyncClient / BlobServiceAsyncClient bean";
    }

    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        String container = StoreLocation.parse(uri).container();
        BlobContainerAsyncClient client = ClientBackedStores.unique(containers, "BlobContainerAsyncClient");
        if (client == null || !container.equals(client.getBlobContainerName())) {
            BlobServiceAsyncClient service = ClientBackedStores.unique(services, "BlobServiceAsyncClient");
            if (service != null) {
                client = service.getBlobContainerAsyncClient(container);
            }
            // else: a container client for another container; the builder refuses it with a message naming both
        }
        if (client == null) {
            return null;
        }
        // client(..): the store does not own the client; Azure clients hold no resources of their own to close anyway
        return AzureBlobStore.builder().location(uri, options).client(client).build();
    }
}

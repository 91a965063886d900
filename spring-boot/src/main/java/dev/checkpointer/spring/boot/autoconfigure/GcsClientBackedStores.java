package dev.checkpointer.spring.boot.autoconfigure;

import com.google.cloud.storage.Storage;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.gcs.GcsStore;
import java.net.URI;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;

/**
 * {@code gs://} over the application's {@link Storage} client. The options are {@code GcsStoreProvider}'s; the
 * client-level ones ({@code project}, {@code credentialsFile}, {@code anonymous}, {@code endpoint}) are refused by the
 * store next to a client of the application.
 */
final class GcsClientBackedStores implements ClientBackedStores {
    private final ObjectProvider<Storage> clients;

    GcsClientBackedStores(ObjectProvider<Storage> clients) {
        this.clients = clients;
    }

    @Override
    public String scheme() {
        return "gs";
    }

    @Override
    public String client() {
        return "the GCS Storage bean";
    }

    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        Storage storage = ClientBackedStores.unique(clients, "Storage");
        if (storage == null) {
            return null;
        }
        // storage(..): the store does not own the client and never closes it
        return GcsStore.builder().location(uri, options).storage(storage).build();
    }
}

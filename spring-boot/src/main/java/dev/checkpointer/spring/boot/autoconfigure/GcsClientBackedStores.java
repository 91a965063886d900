package dev.checkpointer.spring.boot.autoconfigure;

import com.google.cloud.storage.Storage;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import dev.checkpointer.store.gcs.GcsStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.springframework.beans.factory.ObjectProvider;

/**
 * {@code gs://} over the application's {@link Storage} client. The options are {@code GcsStoreProvider}'s; the
 * client-level ones ({@code project}, {@code credentialsFile}, {@code anonymous}, {@code endpoint}) are refused by the
 * store next to a client of the application.
 */
final class GcsClientBackedStores implements ClientBackedStores {
    private static final Set<String> OPTIONS = Set.of("project", "credentialsFile", "anonymous", "endpoint", "chunkSize", "readChunkSize",
            "kmsKeyName", "threads", "listPageSize");

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
        StoreLocation loc = StoreLocation.parse(uri);
        Map<String, String> merged = new LinkedHashMap<>(loc.options());
        merged.putAll(options);
        StoreOptions o = StoreOptions.of("gcs", merged, OPTIONS, Set.of());
        // storage(..): the store does not own the client and never closes it
        GcsStore.Builder b = GcsStore.builder().storage(storage).bucket(loc.container()).prefix(loc.prefix());
        o.string("project").ifPresent(b::projectId);
        o.string("credentialsFile").ifPresent(p -> b.credentialsFile(Path.of(p)));
        if (o.string("anonymous").isPresent()) {
            b.anonymous(o.bool("anonymous", false));
        }
        o.string("endpoint").ifPresent(b::endpoint);
        if (o.string("chunkSize").isPresent()) {
            b.chunkSize(o.size("chunkSize", 0));
        }
        if (o.string("readChunkSize").isPresent()) {
            b.readChunkSize(o.size("readChunkSize", 0));
        }
        o.string("kmsKeyName").ifPresent(b::kmsKeyName);
        if (o.string("threads").isPresent()) {
            b.threads(o.positiveInt("threads", 1));
        }
        if (o.string("listPageSize").isPresent()) {
            b.listPageSize(o.positiveInt("listPageSize", 1000));
        }
        return b.build();
    }
}

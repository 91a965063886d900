package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.s3.S3Store;
import java.net.URI;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** {@code s3://} over the application's {@link S3AsyncClient}: bucket and prefix from the URI, region and credentials from the client. */
final class S3ClientBackedStores implements ClientBackedStores {
    private final ObjectProvider<S3AsyncClient> clients;

    S3ClientBackedStores(ObjectProvider<S3AsyncClient> clients) {
        this.clients = clients;
    }

    @Override
    public String scheme() {
        return "s3";
    }

    @Override
    public String client() {
        return "the S3AsyncClient bean";
    }

    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        S3AsyncClient client = ClientBackedStores.unique(clients, "S3AsyncClient");
        if (client == null) {
            return null;
        }
        // client(..): the store does not own the client and never closes it
        return S3Store.builder().location(uri, options).client(client).build();
    }
}

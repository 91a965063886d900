package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@code azblob://container/prefix?option=value} locations; registered for {@link java.util.ServiceLoader}, so
 * {@code Checkpointer.open("azblob://container/prefix")} finds it. The options are those of
 * {@link AzureBlobStoreBuilder}; unknown ones are refused.
 */
public final class AzureBlobStoreProvider implements ObjectStoreProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public AzureBlobStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(AzureBlobStoreBuilder.SCHEME);
    }

    @Override
    public Set<String> optionNames() {
        return AzureBlobStoreBuilder.OPTIONS;
    }

    @Override
    public Set<String> secretOptionNames() {
        return AzureBlobStoreBuilder.SECRET_OPTIONS;
    }

    /**
     * Opens a store over the URI's container and prefix.
     *
     * @param uri {@code azblob://container/prefix}, query parameters allowed
     * @param options store options, overriding the URI's query parameters
     * @return the store
     */
    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        return AzureBlobStore.builder().location(uri, options).build();
    }
}

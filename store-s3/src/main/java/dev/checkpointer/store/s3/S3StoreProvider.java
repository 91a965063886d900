package dev.checkpointer.store.s3;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@code s3://bucket/prefix?option=value} locations; registered for {@link java.util.ServiceLoader}, so
 * {@code Checkpointer.open("s3://bucket/prefix")} finds it. The options are those of {@link S3StoreBuilder}; unknown
 * ones are refused.
 */
public final class S3StoreProvider implements ObjectStoreProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public S3StoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of(S3StoreBuilder.SCHEME);
    }

    @Override
    public Set<String> optionNames() {
        return S3StoreBuilder.OPTIONS;
    }

    @Override
    public Set<String> secretOptionNames() {
        return S3StoreBuilder.SECRET_OPTIONS;
    }

    /**
     * Opens a store over the URI's bucket and prefix.
     *
     * @param uri {@code s3://bucket/prefix}, query parameters allowed
     * @param options store options, overriding the URI's query parameters
     * @return the store, which owns its S3 client
     */
    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        return S3Store.builder().location(uri, options).build();
    }
}

package dev.checkpointer.store.gcs;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Opens GCS stores for {@code gs://bucket/prefix} URIs (registered for {@link java.util.ServiceLoader}). Options,
 * from the query or the options map (the map wins): {@code project}, {@code credentialsFile} (a path to a JSON
 * key; its contents are never logged), {@code anonymous} (true/false: no credentials, for emulators),
 * {@code endpoint} (override, e.g. {@code http://127.0.0.1:9199}), {@code chunkSize} (e.g. {@code 16MiB}, a
 * multiple of 256 KiB), {@code readChunkSize}, {@code kmsKeyName}, {@code threads}, {@code listPageSize},
 * {@code singleRequestUploads} (true/false, default true; false sends every upload through a resumable session, for
 * emulators without multipart uploads). Unknown options are refused.
 */
public final class GcsStoreProvider implements ObjectStoreProvider {
    /** The options this provider accepts. */
    static final Set<String> OPTIONS = Set.of("project", "credentialsFile", "anonymous", "endpoint", "chunkSize", "readChunkSize",
            "kmsKeyName", "threads", "listPageSize", "singleRequestUploads", "connectTimeout");

    /** Used by {@link java.util.ServiceLoader}. */
    public GcsStoreProvider() {}

    /**
     * The scheme handled.
     *
     * @return {@code gs}
     */
    @Override
    public Set<String> schemes() {
        return Set.of("gs");
    }

    @Override
    public Set<String> optionNames() {
        return OPTIONS;
    }

    /**
     * Opens the store a {@code gs://} URI names.
     *
     * @param uri {@code gs://bucket/prefix}, optionally with a query of options
     * @param options options; they override the query's
     * @return the store, owned by the caller
     */
    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        return GcsStore.builder().location(uri, options).build();
    }
}

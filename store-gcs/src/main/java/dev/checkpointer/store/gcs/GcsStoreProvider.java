package dev.checkpointer.store.gcs;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
            "kmsKeyName", "threads", "listPageSize", "singleRequestUploads");

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
        StoreLocation loc = StoreLocation.parse(uri);
        if (!loc.scheme().equals("gs")) {
            throw new InvalidInputException("the GCS store opens gs:// URIs, not " + loc.scheme() + "://");
        }
        Map<String, String> merged = new LinkedHashMap<>(loc.options());
        merged.putAll(options);
        StoreOptions o = StoreOptions.of("gcs", merged, OPTIONS, Set.of());
        GcsStore.Builder b = GcsStore.builder().bucket(loc.container()).prefix(loc.prefix());
        o.string("project").ifPresent(b::projectId);
        o.string("credentialsFile").ifPresent(p -> b.credentialsFile(Path.of(p)));
        b.anonymous(o.bool("anonymous", false));
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
        b.singleRequestUploads(o.bool("singleRequestUploads", true));
        return b.build();
    }
}

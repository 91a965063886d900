package dev.checkpointer.spi;

import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens stores for URI schemes; found with {@link java.util.ServiceLoader} (register the implementation in
 * {@code META-INF/services/dev.checkpointer.spi.ObjectStoreProvider}).
 */
public interface ObjectStoreProvider {

    /**
     * The URI schemes this provider handles, for error messages and discovery.
     *
     * @return e.g. {@code Set.of("s3")}
     */
    Set<String> schemes();

    /**
     * Whether this provider opens the URI.
     *
     * @param uri the location
     * @return true when the scheme is one of {@link #schemes()}
     */
    default boolean supports(URI uri) {
        return uri.getScheme() != null && schemes().contains(uri.getScheme().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * The option names {@link #open} accepts, as documented (spelling is relaxed: see {@link StoreOptions}). Used by
     * integrations to check, describe and map options without opening a store.
     *
     * @return the names; empty when the provider does not declare them
     */
    default Set<String> optionNames() {
        return Set.of();
    }

    /**
     * The options among {@link #optionNames()} whose values are secret: integrations mask them wherever they show
     * configuration.
     *
     * @return the names; empty when there are none
     */
    default Set<String> secretOptionNames() {
        return Set.of();
    }

    /**
     * Opens a store.
     *
     * @param uri the location (query parameters already merged into {@code options})
     * @param options store options; unknown ones are refused with a clear error
     * @return the store, owned by the caller
     */
    ObjectStore open(URI uri, Map<String, String> options);
}

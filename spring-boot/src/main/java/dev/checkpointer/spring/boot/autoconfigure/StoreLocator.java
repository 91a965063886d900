package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Opens the store for {@code checkpointer.location} through the {@link ObjectStoreProvider}s that the application's
 * class loader can load, and explains every way that can fail in terms of properties and Maven artifacts. When the
 * application has an SDK client bean for the location's provider, the store is built over that client instead.
 */
public final class StoreLocator {
    private static final Map<String, String> MODULES = Map.of(
            "file", "checkpointer-store-filesystem",
            "memory", "checkpointer-store-memory",
            "s3", "checkpointer-store-s3",
            "gs", "checkpointer-store-gcs",
            "azblob", "checkpointer-store-azure");

    private final ClassLoader classLoader;
    private final List<ClientBackedStores> clientStores;

    /**
     * A locator over a class loader.
     *
     * @param classLoader where store modules are looked for
     */
    public StoreLocator(ClassLoader classLoader) {
        this(classLoader, List.of());
    }

    /**
     * A locator that first tries to build the store over an SDK client bean of the application.
     *
     * @param classLoader where store modules are looked for
     * @param clientStores the client-backed builders of the store modules present
     */
    StoreLocator(ClassLoader classLoader, List<ClientBackedStores> clientStores) {
        this.classLoader = classLoader;
        this.clientStores = List.copyOf(clientStores);
    }

    /**
     * Opens the store a location names.
     *
     * @param location the URI from {@code checkpointer.location}; may be null or blank (refused)
     * @param options store options; they override query parameters of the same name, however spelt
     * @return the opened store, owned by the caller
     * @throws CheckpointerConfigurationException when the location is missing or malformed, no module handles its
     *     scheme, or the module refuses the location or options
     */
    public ObjectStore open(String location, Map<String, String> options) {
        if (location == null || location.isBlank()) {
            throw new CheckpointerConfigurationException("checkpointer.location is not set",
                    "Set checkpointer.location to a store URI such as file:./checkpoints, memory://demo, s3://bucket/prefix, "
                            + "gs://bucket/prefix or azblob://container/prefix, or define an ObjectStore or Checkpointer bean, "
                            + "or set checkpointer.enabled=false.", null);
        }
        URI uri;
        try {
            uri = new URI(location.trim());
        } catch (URISyntaxException e) {
            throw badUri("is not a valid URI (" + e.getReason() + " at index " + e.getIndex() + ")", e);
        }
        if (uri.getScheme() == null) {
            throw badUri("has no scheme", null);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        Map<String, String> query;
        try {
            query = StoreLocation.parseQuery(rawQuery(uri));
        } catch (CheckpointException e) {
            throw badUri("has a malformed query: " + e.getMessage(), e);
        }
        // An option overrides the query parameter of the same name however either is spelt (the store modules match
        // names ignoring case, '-', '_' and '.'): it takes the query's spelling, so that a module that reads the query
        // again sees one option, overridden, rather than two spellings of it.
        Map<String, String> merged = StoreOptions.overlay(query, options);
        for (ClientBackedStores clients : clientStores) {
            if (clients.scheme().equals(scheme)) {
                ObjectStore store;
                try {
                    store = clients.open(uri, Map.copyOf(merged));
                } catch (CheckpointerConfigurationException e) {
                    throw e;
                } catch (CheckpointException e) {
                    throw new CheckpointerConfigurationException("the " + scheme + " store over " + clients.client()
                            + " refused checkpointer.location or its options (checkpointer.options.* or the provider's typed group): " + e.getMessage(),
                            "Configure region, endpoint, account and credentials on the client bean rather than in checkpointer.options, "
                                    + "or set checkpointer.use-client-beans=false to let the store module build its own client.", e);
                }
                if (store != null) {
                    return store;
                }
            }
        }
        List<ObjectStoreProvider> providers = providers();
        for (ObjectStoreProvider provider : providers) {
            if (provider.supports(uri)) {
                try {
                    return provider.open(uri, Map.copyOf(merged));
                } catch (CheckpointException e) {
                    throw new CheckpointerConfigurationException("the " + scheme + " store refused checkpointer.location or its options "
                            + "(checkpointer.options.* or the provider's typed group): " + e.getMessage(),
                            "Correct checkpointer.location / checkpointer.options / the provider's checkpointer.<provider>.* properties "
                                    + "(see the store module's documentation).", e);
                }
            }
        }
        TreeSet<String> found = new TreeSet<>();
        providers.forEach(p -> found.addAll(p.schemes()));
        String module = MODULES.get(scheme);
        throw new CheckpointerConfigurationException("no store module on the class path handles scheme '" + scheme + "' of checkpointer.location"
                + " (schemes available: " + (found.isEmpty() ? "none" : String.join(", ", found)) + ")",
                module != null
                        ? "Add the dependency dev.checkpointer:" + module + " to the application, or change checkpointer.location."
                        : "Use one of the supported schemes (file, memory, s3, gs, azblob) in checkpointer.location, or add a store module for '"
                                + scheme + "'.", null);
    }

    /**
     * The store providers that load in this class loader; a provider listed in {@code META-INF/services} whose class
     * cannot be loaded (its module is only partly present) is skipped.
     *
     * @return the providers
     */
    public List<ObjectStoreProvider> providers() {
        List<ObjectStoreProvider> out = new ArrayList<>();
        Iterator<ObjectStoreProvider> it = ServiceLoader.load(ObjectStoreProvider.class, classLoader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError e) {
                // a provider whose class is missing or hidden: that module is not usable here
            }
        }
        return out;
    }

    /** The raw query, also of an opaque URI such as {@code file:relative/dir?fsync=false} (which java.net.URI does not split). */
    private static String rawQuery(URI uri) {
        if (!uri.isOpaque()) {
            return uri.getRawQuery();
        }
        String ssp = uri.getRawSchemeSpecificPart();
        int q = ssp.indexOf('?');
        return q < 0 ? null : ssp.substring(q + 1);
    }

    private static CheckpointerConfigurationException badUri(String problem, Throwable cause) {
        return new CheckpointerConfigurationException("checkpointer.location " + problem,
                "Set checkpointer.location to a store URI such as file:./checkpoints, file:///var/lib/app/checkpoints, memory://demo, "
                        + "s3://bucket/prefix, gs://bucket/prefix or azblob://container/prefix.", cause);
    }
}

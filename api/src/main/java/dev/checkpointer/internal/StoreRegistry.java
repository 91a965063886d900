package dev.checkpointer.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.StoreLocation;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds the store module for a URI through {@link ServiceLoader}. */
public final class StoreRegistry {
    private StoreRegistry() {}

    /**
     * Opens the store for a URI: query parameters become options, explicit options override them.
     *
     * @param uri the location
     * @param options explicit options
     * @return the opened store
     */
    public static ObjectStore open(String uri, Map<String, String> options) {
        URI parsed;
        try {
            parsed = new URI(uri.trim());
        } catch (URISyntaxException e) {
            throw new InvalidInputException("store URI is malformed at index " + e.getIndex() + ": " + e.getReason());
        }
        if (parsed.getScheme() == null) {
            throw new InvalidInputException("store URI has no scheme; expected e.g. s3://bucket/prefix, file:///path or memory://name");
        }
        Map<String, String> merged = new LinkedHashMap<>(StoreLocation.parseQuery(parsed.getRawQuery()));
        merged.putAll(options);
        List<ObjectStoreProvider> providers = providers();
        for (ObjectStoreProvider p : providers) {
            if (p.supports(parsed)) {
                return p.open(parsed, Map.copyOf(merged));
            }
        }
        TreeSet<String> schemes = new TreeSet<>();
        providers.forEach(p -> schemes.addAll(p.schemes()));
        throw new CheckpointException(ErrorCode.CONFIGURATION, "no store module handles scheme '" + parsed.getScheme().toLowerCase(Locale.ROOT)
                + "'; schemes found on the class path: " + (schemes.isEmpty() ? "none" : String.join(", ", schemes))
                + " (add the checkpointer-store-* module for it)");
    }

    /** Every provider on the class path (of this class's loader, then the context loader). */
    static List<ObjectStoreProvider> providers() {
        List<ObjectStoreProvider> out = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        for (ClassLoader cl : new ClassLoader[] {StoreRegistry.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
            if (cl == null) {
                continue;
            }
            try {
                for (ObjectStoreProvider p : ServiceLoader.load(ObjectStoreProvider.class, cl)) {
                    if (seen.add(p.getClass().getName())) {
                        out.add(p);
                    }
                }
            } catch (ServiceConfigurationError e) {
                throw new CheckpointException(ErrorCode.CONFIGURATION, "a store module on the class path cannot be loaded: " + e.getMessage(), e);
            }
        }
        return out;
    }
}

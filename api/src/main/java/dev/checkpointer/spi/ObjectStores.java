package dev.checkpointer.spi;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Opens stores by URI through the store modules on the class path ({@link ObjectStoreProvider}s found with
 * {@link ServiceLoader}), as {@link dev.checkpointer.Checkpointer#open(String)} does: for tools that need the store
 * itself (a copy between locations, a raw look at what is stored) and for integrations that configure locations by
 * URI.
 */
public final class ObjectStores {
    private ObjectStores() {}

    /**
     * Opens the store for a URI such as {@code s3://bucket/prefix}, {@code file:///path} or {@code memory://name}:
     * query parameters become options, and explicit options override them.
     *
     * @param uri the location
     * @param options explicit options
     * @return the opened store, owned by the caller (close it)
     * @throws dev.checkpointer.InvalidInputException when the URI is blank or malformed
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when no store module handles the scheme
     */
    public static ObjectStore open(String uri, Map<String, String> options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        if (uri.isBlank()) {
            throw new InvalidInputException("store URI is blank");
        }
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

    /**
     * Every store provider on the class path (of this library's class loader, then the thread's context loader),
     * each once.
     *
     * @return the providers
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when a store module cannot be loaded
     */
    public static List<ObjectStoreProvider> providers() {
        List<ObjectStoreProvider> out = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        for (ClassLoader cl : new ClassLoader[] {ObjectStores.class.getClassLoader(), Thread.currentThread().getContextClassLoader()}) {
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

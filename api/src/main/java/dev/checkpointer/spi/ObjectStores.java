package dev.checkpointer.spi;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The one registry of store modules: opens stores by URI through the {@link ObjectStoreProvider}s found with
 * {@link ServiceLoader}. {@link dev.checkpointer.Checkpointer#open(String)} and the builder, the CLI and the Spring
 * Boot starter all use it; so can tools that need the store itself (a copy between locations, a raw look at what is
 * stored) and integrations that configure locations by URI.
 *
 * <p>A provider listed in {@code META-INF/services} whose class cannot be loaded (its module is only partly on the
 * class path, or a class loader hides it) is skipped, and named in the error when no other provider handles the
 * scheme.
 */
public final class ObjectStores {
    private static final Map<String, String> MODULES = Map.of(
            "file", "checkpointer-store-filesystem",
            "memory", "checkpointer-store-memory",
            "s3", "checkpointer-store-s3",
            "gs", "checkpointer-store-gcs",
            "azblob", "checkpointer-store-azure");

    private ObjectStores() {}

    /**
     * Opens the store for a URI such as {@code s3://bucket/prefix}, {@code file:///path} or {@code memory://name},
     * through the providers of this library's class loader and of the thread's context class loader: query
     * parameters become options, and explicit options override them.
     *
     * @param uri the location
     * @param options explicit options
     * @return the opened store, owned by the caller (close it)
     * @throws InvalidInputException when the URI is blank or malformed
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when no store module handles the scheme
     */
    public static ObjectStore open(String uri, Map<String, String> options) {
        return open(uri, options, null);
    }

    /**
     * Opens the store for a URI through the providers one class loader sees (an application server's or a
     * framework's, rather than this library's).
     *
     * @param uri the location
     * @param options explicit options; they override the URI's query parameters of the same name, however spelt
     *     ({@link StoreOptions#overlay})
     * @param classLoader where store modules are looked for; null for this library's and the thread's context loader
     * @return the opened store, owned by the caller (close it)
     * @throws InvalidInputException when the URI is blank or malformed
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when no store module handles the scheme, or
     *     the provider's own error when it refuses the location or options
     */
    public static ObjectStore open(String uri, Map<String, String> options, @Nullable ClassLoader classLoader) {
        Objects.requireNonNull(options, "options");
        URI parsed = parse(uri);
        Map<String, String> merged = options(parsed, options);
        return provider(parsed, classLoader).orElseThrow(() -> noProvider(parsed, classLoader)).open(parsed, merged);
    }

    /**
     * Parses a location URI.
     *
     * @param uri e.g. {@code s3://bucket/prefix} or {@code file:relative/dir}
     * @return the URI
     * @throws InvalidInputException when the URI is blank, malformed or has no scheme
     */
    public static URI parse(String uri) {
        Objects.requireNonNull(uri, "uri");
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
        return parsed;
    }

    /**
     * A location's options: its query parameters (also of an opaque URI such as {@code file:dir?fsync=false}),
     * overridden by explicit options of the same name however either is spelt.
     *
     * @param uri the location
     * @param options the explicit options
     * @return the merged options, immutable
     * @throws InvalidInputException when the query is malformed
     */
    public static Map<String, String> options(URI uri, Map<String, String> options) {
        return Map.copyOf(StoreOptions.overlay(StoreLocation.parseQuery(rawQuery(uri)), options));
    }

    /**
     * The provider that handles a URI.
     *
     * @param uri the location
     * @param classLoader where store modules are looked for; null for the default loaders
     * @return the first provider that supports the URI, if any
     */
    public static Optional<ObjectStoreProvider> provider(URI uri, @Nullable ClassLoader classLoader) {
        return providers(classLoader).stream().filter(p -> p.supports(uri)).findFirst();
    }

    /**
     * Every store provider on the class path (of this library's class loader, then the thread's context loader),
     * each once.
     *
     * @return the providers
     */
    public static List<ObjectStoreProvider> providers() {
        return providers(null);
    }

    /**
     * Every store provider one class loader loads, each once; providers that cannot be loaded are skipped.
     *
     * @param classLoader the loader; null for this library's class loader, then the thread's context loader
     * @return the providers
     */
    public static List<ObjectStoreProvider> providers(@Nullable ClassLoader classLoader) {
        return load(classLoader, new ArrayList<>());
    }

    /**
     * The schemes the providers one class loader loads handle, sorted.
     *
     * @param classLoader the loader; null for the default loaders
     * @return e.g. {@code [azblob, file, gs, memory, s3]}
     */
    public static List<String> schemes(@Nullable ClassLoader classLoader) {
        TreeSet<String> schemes = new TreeSet<>();
        providers(classLoader).forEach(p -> schemes.addAll(p.schemes()));
        return List.copyOf(schemes);
    }

    /**
     * The Maven artifact that serves a scheme, for messages that tell a user what to add.
     *
     * @param scheme e.g. {@code s3}
     * @return e.g. {@code dev.checkpointer:checkpointer-store-s3}, when the scheme is one of this project's
     */
    public static Optional<String> moduleFor(String scheme) {
        return Optional.ofNullable(MODULES.get(scheme.toLowerCase(Locale.ROOT))).map(m -> "dev.checkpointer:" + m);
    }

    private static List<ObjectStoreProvider> load(@Nullable ClassLoader classLoader, List<String> broken) {
        List<ObjectStoreProvider> out = new ArrayList<>();
        TreeSet<String> seen = new TreeSet<>();
        ClassLoader[] loaders = classLoader != null ? new ClassLoader[] {classLoader}
                : new ClassLoader[] {ObjectStores.class.getClassLoader(), Thread.currentThread().getContextClassLoader()};
        for (ClassLoader cl : loaders) {
            if (cl == null) {
                continue;
            }
            Iterator<ObjectStoreProvider> it = ServiceLoader.load(ObjectStoreProvider.class, cl).iterator();
            while (true) {
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    ObjectStoreProvider p = it.next();
                    if (seen.add(p.getClass().getName())) {
                        out.add(p);
                    }
                } catch (ServiceConfigurationError e) {
                    broken.add(e.getMessage());
                }
            }
        }
        return out;
    }

    private static CheckpointException noProvider(URI uri, @Nullable ClassLoader classLoader) {
        List<String> broken = new ArrayList<>();
        TreeSet<String> schemes = new TreeSet<>();
        load(classLoader, broken).forEach(p -> schemes.addAll(p.schemes()));
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        return new CheckpointException(ErrorCode.CONFIGURATION, "no store module handles scheme '" + scheme
                + "'; schemes found on the class path: " + (schemes.isEmpty() ? "none" : String.join(", ", schemes))
                + " (add " + moduleFor(scheme).orElse("the checkpointer-store-* module for it") + ")"
                + (broken.isEmpty() ? "" : "; store modules that could not be loaded: " + String.join("; ", broken)));
    }

    /** The raw query, also of an opaque URI such as {@code file:relative/dir?fsync=false} (which java.net.URI does not split). */
    private static @Nullable String rawQuery(URI uri) {
        if (!uri.isOpaque()) {
            return uri.getRawQuery();
        }
        String ssp = uri.getRawSchemeSpecificPart();
        int q = ssp.indexOf('?');
        return q < 0 ? null : ssp.substring(q + 1);
    }
}

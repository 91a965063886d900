package dev.checkpointer.spi;

import dev.checkpointer.InvalidInputException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed store URI of the form {@code scheme://container/prefix?option=value}: the container (bucket, account
 * container, memory name), the key prefix inside it, and options from the query. Shared by every store so that
 * they parse alike. The query never holds secrets that reach {@link #toString()}: it shows only scheme, container
 * and prefix.
 *
 * @param scheme lower-case scheme
 * @param container bucket or container name (the URI's authority)
 * @param prefix the key prefix without leading or trailing {@code /}; empty for the container's root
 * @param options query parameters, decoded
 */
public record StoreLocation(String scheme, String container, String prefix, Map<String, String> options) {

    /** Validates and copies. */
    public StoreLocation {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(container, "container");
        Objects.requireNonNull(prefix, "prefix");
        options = Map.copyOf(options);
    }

    /**
     * Parses {@code scheme://container/prefix?query}.
     *
     * @param uri the URI
     * @return the location
     * @throws InvalidInputException when the URI has no container, a bad prefix or a malformed query
     */
    public static StoreLocation parse(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme();
        if (scheme == null) {
            throw new InvalidInputException("store URI has no scheme: '" + redact(uri) + "'");
        }
        String container = uri.getAuthority();
        if (container == null || container.isEmpty()) {
            throw new InvalidInputException("store URI needs a bucket or container name: expected " + scheme + "://NAME/prefix, got '" + redact(uri) + "'");
        }
        if (container.contains("@")) {
            throw new InvalidInputException("store URI must not carry credentials in its authority; pass them as options");
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.isEmpty()) {
            StoreKeys.validatePrefix(path);
        }
        return new StoreLocation(scheme.toLowerCase(Locale.ROOT), container, path, parseQuery(uri.getRawQuery()));
    }

    /**
     * Decodes a raw query string into a map.
     *
     * @param rawQuery the raw query, may be null
     * @return the options
     */
    public static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return out;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (k.isEmpty()) {
                throw new InvalidInputException("store URI query has an empty option name");
            }
            if (out.put(k, v) != null) {
                throw new InvalidInputException("store URI query sets option '" + k + "' twice");
            }
        }
        return out;
    }

    /**
     * A store key with this location's prefix in front.
     *
     * @param key a key relative to the store
     * @return the full key
     */
    public String resolve(String key) {
        return prefix.isEmpty() ? key : prefix + "/" + key;
    }

    /**
     * The store-relative key of a full key (the inverse of {@link #resolve}).
     *
     * @param fullKey a key that starts with the prefix
     * @return the relative key
     */
    public String relativize(String fullKey) {
        if (prefix.isEmpty()) {
            return fullKey;
        }
        if (!fullKey.startsWith(prefix + "/")) {
            throw new IllegalArgumentException("key '" + fullKey + "' is outside prefix '" + prefix + "'");
        }
        return fullKey.substring(prefix.length() + 1);
    }

    @Override
    public String toString() {
        return scheme + "://" + container + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    private static String redact(URI uri) {
        return uri.getScheme() + ":" + (uri.getRawSchemeSpecificPart() == null ? "" : uri.getRawSchemeSpecificPart().replaceAll("\\?.*$", "?…"));
    }
}

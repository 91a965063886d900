package dev.checkpointer.store.filesystem;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Opens filesystem stores ({@link FileSystemStore}) for {@code file:} URIs (registered for {@link java.util.ServiceLoader}).
 *
 * <ul>
 *   <li>{@code file:///abs/path} (also {@code file:/abs/path} and {@code file://localhost/abs/path}): an absolute
 *       directory; other hosts are refused.</li>
 *   <li>{@code file:relative/path}: a directory relative to the working directory ({@code java.net.URI} calls this
 *       form opaque; its query is parsed here too).</li>
 * </ul>
 * Percent-escapes in the path are decoded ({@code %20} is a space; {@code +} stays a plus). Options, from the query
 * or the options map (the map wins): {@code fsync} (true/false, default true), {@code threads} (positive integer),
 * {@code readChunkSize} (a size such as {@code 256KiB}), {@code createRoot} (true/false, default true: the first
 * write creates a missing root; false: every operation on a missing root fails with {@code STORE_LOCATION_NOT_FOUND}),
 * {@code extendedAttributes} (true/false, default true), {@code permissions} (of every file and directory the store
 * creates: {@code owner-only}, the default, {@code group-read}, {@code group-write}, {@code world-read}, or a file mode
 * such as {@code 640} or {@code rw-r-----}; see {@link FileSystemStore.Builder#permissions}). Unknown options
 * are refused, naming only the option, never its value; messages never repeat the query. A URI with user-info ({@code file://user:password@host/…}) is refused
 * without quoting it: a local directory needs no credentials, and messages never repeat them.
 */
public final class FileSystemStoreProvider implements ObjectStoreProvider {
    /** The options this provider accepts. */
    static final Set<String> OPTIONS = Set.of("fsync", "threads", "readChunkSize", "createRoot", "extendedAttributes", "permissions");

    /** Used by {@link java.util.ServiceLoader}. */
    public FileSystemStoreProvider() {}

    /**
     * The scheme handled.
     *
     * @return {@code file}
     */
    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public Set<String> optionNames() {
        return OPTIONS;
    }

    /**
     * Opens the directory a {@code file:} URI names.
     *
     * @param uri {@code file:///abs/path} or {@code file:relative/path}, optionally with a query of options
     * @param options options; they override the query's
     * @return the store, owned by the caller
     * @throws InvalidInputException for another scheme, user-info, a remote host, an empty path, a fragment or unknown
     *     options
     */
    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        Location location = parse(uri);
        Map<String, String> merged = StoreOptions.overlay(StoreLocation.parseQuery(location.rawQuery()), options);
        StoreOptions o = StoreOptions.of("filesystem", merged, OPTIONS, Set.of());
        FileSystemStore.Builder b = FileSystemStore.builder(location.root());
        o.ifBool("fsync", b::fsync).ifBool("createRoot", b::createRoot).ifBool("extendedAttributes", b::extendedAttributes)
                .ifPositiveInt("threads", b::threads).ifSet("permissions", b::permissions).ifSize("readChunkSize", b::readChunkSize);
        return b.build();
    }

    /**
     * A parsed {@code file:} URI.
     *
     * @param root the directory, absolute
     * @param rawQuery the undecoded query, or null
     */
    record Location(Path root, @Nullable String rawQuery) {}

    /**
     * Parses a {@code file:} URI into a directory and its query.
     *
     * @param uri the URI
     * @return the location
     * @throws InvalidInputException when the URI does not name a local directory
     */
    static Location parse(URI uri) {
        String scheme = uri.getScheme();
        if (scheme == null || !scheme.toLowerCase(Locale.ROOT).equals("file")) {
            throw new InvalidInputException("the filesystem store opens file: URIs, not '" + redact(uri) + "'");
        }
        String authority = uri.getRawAuthority();
        if (authority != null && authority.indexOf('@') >= 0) {
            // never quote the authority: its user-info may hold a password
            throw new InvalidInputException("a file: store URI must not carry credentials in its authority; use file:///abs/dir or file:relative/dir");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidInputException("a file: store URI must not have a fragment: '" + redact(uri) + "'");
        }
        try {
            if (uri.isOpaque()) {
                String ssp = uri.getRawSchemeSpecificPart();
                int q = ssp.indexOf('?');
                String rawPath = q < 0 ? ssp : ssp.substring(0, q);
                String path = decode(rawPath, uri);
                if (path.isEmpty()) {
                    throw new InvalidInputException("a file: store URI needs a path, e.g. file:relative/dir or file:///abs/dir");
                }
                return new Location(Path.of(path).toAbsolutePath().normalize(), q < 0 ? null : ssp.substring(q + 1));
            }
            String host = authority; // holds no user-info: refused above
            if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
                throw new InvalidInputException("a file: store URI must name a local directory, not one on host '" + host
                        + "'; use file:///abs/dir or file:relative/dir");
            }
            String path = uri.getPath();
            if (path == null || path.isEmpty()) {
                throw new InvalidInputException("a file: store URI needs a path, e.g. file:///abs/dir or file:relative/dir");
            }
            Path root = Path.of(new URI("file", null, path, null, null));
            return new Location(root.toAbsolutePath().normalize(), uri.getRawQuery());
        } catch (URISyntaxException | IllegalArgumentException e) { // InvalidPathException is an IllegalArgumentException
            throw new InvalidInputException("a file: store URI does not name a directory here: '" + redact(uri) + "' (" + e.getMessage() + ")");
        }
    }

    /** Decodes percent-escapes as UTF-8; unlike URLDecoder, leaves '+' alone. */
    private static String decode(String raw, URI uri) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length(); ) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    throw new InvalidInputException("a file: store URI has a truncated %-escape: '" + redact(uri) + "'");
                }
                try {
                    out.write(Integer.parseInt(raw.substring(i + 1, i + 3), 16));
                } catch (NumberFormatException e) {
                    throw new InvalidInputException("a file: store URI has a malformed %-escape: '" + redact(uri) + "'");
                }
                i += 3;
            } else {
                int cp = raw.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * The URI as messages may show it: without user-info (shown as {@code …@}), query ({@code ?…}) or fragment
     * ({@code #…}), so that neither credentials nor option values (which may be secrets elsewhere) reach a message.
     *
     * @param uri the URI
     * @return the redacted form
     */
    static String redact(URI uri) {
        StringBuilder sb = new StringBuilder().append(uri.getScheme()).append(':');
        String ssp = uri.getRawSchemeSpecificPart() == null ? "" : uri.getRawSchemeSpecificPart();
        if (uri.isOpaque()) {
            int q = ssp.indexOf('?');
            sb.append(q < 0 ? ssp : ssp.substring(0, q) + "?…");
        } else {
            String authority = uri.getRawAuthority();
            if (authority != null) {
                int at = authority.lastIndexOf('@');
                sb.append("//").append(at < 0 ? authority : "…@" + authority.substring(at + 1));
            } else if (ssp.startsWith("//")) {
                sb.append("//");
            }
            sb.append(uri.getRawPath() == null ? "" : uri.getRawPath());
            if (uri.getRawQuery() != null) {
                sb.append("?…");
            }
        }
        if (uri.getRawFragment() != null) {
            sb.append("#…");
        }
        return sb.toString();
    }
}

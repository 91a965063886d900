package dev.checkpointer.cli;

import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.ObjectStores;
import dev.checkpointer.spi.StoreLocation;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A command line the tool prints for people to run next (the demo's "look inside" hints): the location without its
 * query, then every store option the run used (the URI's query parameters and {@code -o} options, the latter
 * winning) as {@code -o key=value}, each token quoted for a POSIX shell where it needs to be, so that it can be
 * copied and pasted as is. A secret option (as its store module declares, e.g. {@code accountKey}) is never
 * printed: its value is replaced by {@code <key>}, which the reader fills in.
 */
final class Hint {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

    private Hint() {}

    /**
     * The command line.
     *
     * @param invocation how the tool is run, e.g. {@code java -jar checkpointer.jar}
     * @param command the subcommand, e.g. {@code list}
     * @param uri the location as the run was given it (query included)
     * @param options the run's {@code -o} options
     * @param rest arguments after the location, e.g. {@code latest}
     * @return the line
     */
    static String command(String invocation, String command, String uri, Map<String, String> options, String... rest) {
        List<String> tokens = new ArrayList<>();
        tokens.add(command);
        tokens.add(Format.location(uri));
        tokens.addAll(List.of(rest));
        Set<String> secrets = secretNames(uri);
        used(uri, options).forEach((k, v) -> {
            tokens.add("-o");
            tokens.add(k + "=" + (isSecret(secrets, k) ? "<" + k + ">" : v));
        });
        StringBuilder b = new StringBuilder(invocation);
        tokens.forEach(t -> b.append(' ').append(quote(t)));
        return b.toString();
    }

    /**
     * Whether {@link #command} masks a secret for this location and these options (so the reader must fill it in).
     *
     * @param uri the location
     * @param options the options
     * @return true when some option is masked
     */
    static boolean masksSecrets(String uri, Map<String, String> options) {
        Set<String> secrets = secretNames(uri);
        return used(uri, options).keySet().stream().anyMatch(k -> isSecret(secrets, k));
    }

    /** The options a run used: the URI's query parameters, overridden by the {@code -o} options. */
    private static Map<String, String> used(String uri, Map<String, String> options) {
        return dev.checkpointer.spi.StoreOptions.overlay(query(uri), options);
    }

    /** {@code secrets} null means the store module is unknown: every value is treated as secret. */
    private static boolean isSecret(@org.jspecify.annotations.Nullable Set<String> secrets, String name) {
        return secrets == null || secrets.contains(dev.checkpointer.spi.StoreOptions.canonicalName(name));
    }

    /** A token for a POSIX shell: as is when plain, else in single quotes. */
    static String quote(String token) {
        if (!token.isEmpty() && PLAIN.matcher(token).matches()) {
            return token;
        }
        return "'" + token.replace("'", "'\\''") + "'";
    }

    private static Map<String, String> query(String uri) {
        try {
            return StoreLocation.parseQuery(new URI(uri.strip()).getRawQuery());
        } catch (URISyntaxException | RuntimeException e) {
            return Map.of();
        }
    }

    /** The canonical names of the secret options of the store module for the URI's scheme; null when unknown. */
    private static @org.jspecify.annotations.Nullable Set<String> secretNames(String uri) {
        Set<String> out = new HashSet<>();
        try {
            URI parsed = new URI(uri.strip());
            Optional<ObjectStoreProvider> provider = ObjectStores.provider(parsed, null);
            if (provider.isPresent()) {
                provider.get().secretOptionNames().forEach(n -> out.add(dev.checkpointer.spi.StoreOptions.canonicalName(n)));
                return out;
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through: nothing is known, so no value is printed
        }
        return null;
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.StoreOptions;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.lang.Nullable;

/**
 * Turns {@code checkpointer.options.*} and the typed provider group of the location's scheme
 * ({@code checkpointer.s3.*}, {@code checkpointer.azure.*}, {@code checkpointer.gcs.*}, {@code checkpointer.filesystem.*})
 * into the one options map the store module receives. Option names are compared the way the store modules compare
 * them ({@code dev.checkpointer.spi.StoreOptions}: case and the separators {@code -}, {@code _}, {@code .} ignored), so
 * that a group property and an option entry that set the same store option are found however either is spelt.
 */
final class StoreOptionsResolver {
    /**
     * The secret options of this project's store modules ({@code S3StoreBuilder.SECRET_OPTIONS},
     * {@code AzureBlobStoreBuilder.SECRET_OPTIONS}; the GCS and local-disk stores have none). Listed here so that they are
     * masked even when a module is not on the class path (a misconfigured application may still hold the values); a test
     * keeps the list in step with the modules.
     */
    static final Set<String> KNOWN_SECRET_OPTIONS = Set.of("accessKeyId", "secretAccessKey", "sessionToken", "sseCustomerKey",
            "connectionString", "accountKey", "sasToken", "customerProvidedKey");

    /** {@link #KNOWN_SECRET_OPTIONS} and what every store provider on the class path declares secret (third-party stores too). */
    static final Set<String> SECRET_OPTIONS = secretOptions();

    private static Set<String> secretOptions() {
        Set<String> all = new java.util.HashSet<>(KNOWN_SECRET_OPTIONS);
        for (ObjectStoreProvider p : java.util.ServiceLoader.load(ObjectStoreProvider.class, StoreOptionsResolver.class.getClassLoader())) {
            all.addAll(p.secretOptionNames());
        }
        return Set.copyOf(all);
    }

    private static final Pattern SCHEME = Pattern.compile("^\\s*([A-Za-z][A-Za-z0-9+.-]*):");

    private StoreOptionsResolver() {}

    /**
     * The options for the store of {@code checkpointer.location}: {@code checkpointer.options.*} plus the settings of
     * the group whose scheme is the location's. Groups of other schemes are ignored.
     *
     * @param properties the bound settings
     * @return the options, in a new map
     * @throws CheckpointerConfigurationException when a group property and an options entry set the same store option;
     *     the message names both properties, never the values
     */
    static Map<String, String> resolve(CheckpointerProperties properties) {
        Map<String, String> options = new LinkedHashMap<>(properties.getOptions());
        String scheme = scheme(properties.getLocation());
        if (scheme == null) {
            return options;
        }
        for (CheckpointerProperties.StoreGroup group : properties.storeGroups()) {
            if (!group.scheme().equals(scheme)) {
                continue;
            }
            for (StoreGroupSetting setting : group.settings()) {
                if (setting.value() == null) {
                    continue;
                }
                String clash = keyFor(properties.getOptions(), setting.option());
                if (clash != null) {
                    throw new CheckpointerConfigurationException(setting.property() + " and checkpointer.options." + clash
                            + " both set the " + scheme + " store option '" + setting.option() + "'",
                            "Set it in one place only: remove " + setting.property() + " or checkpointer.options." + clash
                                    + " (check environment variables such as " + envName(setting.property()) + " too).", null);
                }
                options.put(setting.option(), setting.optionValue());
            }
        }
        return options;
    }

    /**
     * The key of {@code map} that names the same option as {@code name}, however spelt.
     *
     * @return the key, or null when none does
     */
    static @Nullable String keyFor(Map<String, ?> map, String name) {
        String wanted = canonical(name);
        for (String key : map.keySet()) {
            if (canonical(key).equals(wanted)) {
                return key;
            }
        }
        return null;
    }

    /** Whether an option name, however spelt, is one of a store's secret options. */
    static boolean isSecretOption(String name) {
        String c = canonical(name);
        return SECRET_OPTIONS.stream().anyMatch(s -> canonical(s).equals(c));
    }

    /** {@link StoreOptions#canonicalName}: how the store modules match option names. */
    static String canonical(String name) {
        return StoreOptions.canonicalName(name);
    }

    /** The lower-case scheme of a location, or null when it has none. */
    static @Nullable String scheme(@Nullable String location) {
        if (location == null) {
            return null;
        }
        Matcher m = SCHEME.matcher(location);
        return m.find() ? m.group(1).toLowerCase(Locale.ROOT) : null;
    }

    /** The environment variable Spring Boot binds to a property, for messages. */
    private static String envName(String property) {
        return property.replace("-", "").replace('.', '_').toUpperCase(Locale.ROOT);
    }
}

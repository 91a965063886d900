package dev.checkpointer.spring.boot.autoconfigure;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.lang.Nullable;

/**
 * Masks checkpointer secrets in {@code /actuator/configprops} and {@code /actuator/env}, also when the application
 * shows values ({@code management.endpoint.*.show-values=always}), which since Spring Boot 3 masks nothing by key on
 * its own. {@link SanitizingFunction} and {@link SanitizableData} are in the same package in Boot 3 and 4.
 *
 * <p>Masked by name, however the name is spelt (property, environment variable, relaxed form; compared ignoring case
 * and {@code -}, {@code _}, {@code .}, {@code [}, {@code ]}):
 * <ul>
 *   <li>the secret properties of the typed groups, such as {@code checkpointer.s3.secret-access-key} or
 *       {@code CHECKPOINTER_AZURE_SASTOKEN};</li>
 *   <li>{@code checkpointer.options.*} entries that name a store's secret option, such as
 *       {@code checkpointer.options.accountKey} or {@code CHECKPOINTER_OPTIONS_SECRET_ACCESS_KEY};</li>
 *   <li>{@code checkpointer.location} when its query carries a secret option.</li>
 * </ul>
 * And by value: any entry whose value contains a secret the checkpointer is configured with (at least
 * {@value #MIN_SECRET_LENGTH} characters long), wherever it appears, for example in {@code sun.java.command} when the
 * secret was passed as a command-line argument.
 */
final class CheckpointerSanitizingFunction implements SanitizingFunction {
    /** Shorter configured secrets are masked by name only: matching them inside other values would mask at random. */
    static final int MIN_SECRET_LENGTH = 8;

    private static final String PREFIX = "checkpointer";
    private static final String OPTIONS = StoreOptionsResolver.canonical("checkpointer.options.");
    private static final String LOCATION = StoreOptionsResolver.canonical("checkpointer.location");
    private static final Set<String> GROUP_SECRETS = groupSecretNames();

    private final Supplier<CheckpointerProperties> properties;

    /**
     * @param properties the bound settings, whose secret values are masked wherever they appear; supplies null when
     *     the checkpointer is not auto-configured (names are masked all the same)
     */
    CheckpointerSanitizingFunction(Supplier<CheckpointerProperties> properties) {
        this.properties = properties;
    }

    @Override
    public SanitizableData apply(SanitizableData data) {
        Object value = data.getValue();
        if (value == null) {
            return data;
        }
        if (isSecretName(data.getKey(), value) || containsConfiguredSecret(String.valueOf(value))) {
            return data.withSanitizedValue();
        }
        return data;
    }

    private static boolean isSecretName(@Nullable String key, Object value) {
        if (key == null) {
            return false;
        }
        String name = StoreOptionsResolver.canonical(key.replace("[", "").replace("]", ""));
        if (!name.startsWith(PREFIX)) {
            return false;
        }
        if (GROUP_SECRETS.contains(name)) {
            return true;
        }
        if (name.startsWith(OPTIONS) && name.length() > OPTIONS.length()) {
            return StoreOptionsResolver.isSecretOption(name.substring(OPTIONS.length()));
        }
        return name.equals(LOCATION) && locationCarriesSecret(String.valueOf(value));
    }

    /** Whether a location's query names a secret option. */
    static boolean locationCarriesSecret(@Nullable String location) {
        if (location == null) {
            return false;
        }
        int q = location.indexOf('?');
        if (q < 0) {
            return false;
        }
        for (String pair : location.substring(q + 1).split("[&#]")) {
            int eq = pair.indexOf('=');
            if (StoreOptionsResolver.isSecretOption(eq < 0 ? pair : pair.substring(0, eq))) {
                return true;
            }
        }
        return false;
    }

    private boolean containsConfiguredSecret(String value) {
        if (value.length() < MIN_SECRET_LENGTH) {
            return false;
        }
        for (String secret : configuredSecrets()) {
            if (value.contains(secret)) {
                return true;
            }
        }
        return false;
    }

    /** The secret values the checkpointer is configured with, long enough to be recognised inside other values. */
    private Set<String> configuredSecrets() {
        CheckpointerProperties p = properties.get();
        Set<String> out = new HashSet<>();
        if (p == null) {
            return out;
        }
        for (CheckpointerProperties.StoreGroup group : p.storeGroups()) {
            for (StoreGroupSetting s : group.settings()) {
                if (s.secret() && s.value() != null) {
                    addSecret(out, s.optionValue());
                }
            }
        }
        for (Map.Entry<String, String> e : p.getOptions().entrySet()) {
            if (StoreOptionsResolver.isSecretOption(e.getKey())) {
                addSecret(out, e.getValue());
            }
        }
        if (locationCarriesSecret(p.getLocation())) {
            addSecret(out, p.getLocation());
        }
        return out;
    }

    private static void addSecret(Set<String> out, @Nullable String secret) {
        if (secret != null && secret.length() >= MIN_SECRET_LENGTH) {
            out.add(secret);
        }
    }

    private static Set<String> groupSecretNames() {
        Set<String> names = new HashSet<>();
        for (CheckpointerProperties.StoreGroup group : new CheckpointerProperties().storeGroups()) {
            for (StoreGroupSetting s : group.settings()) {
                if (s.secret()) {
                    names.add(StoreOptionsResolver.canonical(s.property()));
                }
            }
        }
        return Set.copyOf(names);
    }
}

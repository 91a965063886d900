package dev.checkpointer.spi;

import dev.checkpointer.InvalidInputException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * Typed, validated access to a store's options (URI query parameters merged with an options map). Unknown option
 * names are refused, so a typo is an error rather than a silently ignored setting. Values of options named in
 * {@code secrets} never appear in messages or {@link #toString()}.
 *
 * <p>Names match loosely, the way Spring Boot's relaxed binding and environment variables spell them: case, and
 * the separators {@code -}, {@code _} and {@code .}, are ignored. {@code readChunkSize}, {@code read-chunk-size},
 * {@code READ_CHUNK_SIZE} and {@code readchunksize} all set the option {@code readChunkSize}. Two spellings of one
 * option in the same map are refused, since neither can be said to win.
 */
public final class StoreOptions {
    private final String store;
    private final Map<String, String> values;
    private final Set<String> secrets;

    private StoreOptions(String store, Map<String, String> values, Set<String> secrets) {
        this.store = store;
        this.values = values;
        this.secrets = secrets;
    }

    /**
     * Checks option names against what the store knows.
     *
     * @param store the store's name, for messages
     * @param values the options
     * @param known every option the store accepts
     * @param secrets the options whose values are secret
     * @return the options
     * @throws InvalidInputException naming the unknown options and listing the known ones
     */
    public static StoreOptions of(String store, Map<String, String> values, Set<String> known, Set<String> secrets) {
        Map<String, String> byCanonical = new HashMap<>();
        for (String name : known) {
            byCanonical.put(canonicalName(name), name);
        }
        Set<String> unknown = new TreeSet<>();
        Map<String, String> resolved = new HashMap<>();
        Map<String, String> spelledAs = new TreeMap<>();
        for (Map.Entry<String, String> e : values.entrySet()) {
            String name = byCanonical.get(canonicalName(e.getKey()));
            if (name == null) {
                unknown.add(e.getKey());
                continue;
            }
            String earlier = spelledAs.put(name, e.getKey());
            if (earlier != null) {
                throw new InvalidInputException(store + " store option '" + name + "' is given twice, as '" + earlier + "' and as '"
                        + e.getKey() + "'; keep one");
            }
            resolved.put(name, e.getValue());
        }
        if (!unknown.isEmpty()) {
            throw new InvalidInputException("unknown " + store + " store option(s) " + unknown + "; known options are " + new TreeSet<>(known)
                    + " (case and the separators - _ . are ignored)");
        }
        return new StoreOptions(store, Map.copyOf(resolved), Set.copyOf(secrets));
    }

    /**
     * Options given in two places, such as a location's query parameters and an options map: an override replaces the
     * base entry that names the same option however either is spelt (keeping the base's spelling), so the result
     * holds one entry per option and {@link #of} never sees two spellings of it.
     *
     * @param base the weaker options (for example the URI's query parameters)
     * @param overrides the stronger options
     * @return a new map, in insertion order
     */
    public static Map<String, String> overlay(Map<String, String> base, Map<String, String> overrides) {
        Map<String, String> merged = new java.util.LinkedHashMap<>(base);
        Map<String, String> spelling = new HashMap<>();
        base.keySet().forEach(k -> spelling.put(canonicalName(k), k));
        overrides.forEach((k, v) -> merged.put(spelling.getOrDefault(canonicalName(k), k), v));
        return merged;
    }

    /**
     * The spelling-free form of an option name, by which names are matched: lower case, without {@code -}, {@code _}
     * and {@code .} ({@code read-chunk-size}, {@code READ_CHUNK_SIZE} and {@code readChunkSize} all give
     * {@code readchunksize}).
     *
     * @param name an option name, however spelt
     * @return its canonical form
     */
    public static String canonicalName(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c != '-' && c != '_' && c != '.') {
                b.append(Character.toLowerCase(c));
            }
        }
        return b.toString();
    }

    /**
     * A string option.
     *
     * @param name the option
     * @return the value, when set
     */
    public Optional<String> string(String name) {
        return Optional.ofNullable(values.get(name));
    }

    /**
     * Passes a string option to {@code setter} when it is set; does nothing otherwise. With the other {@code ifSet}
     * methods this is how a provider or builder applies options: only those given reach the builder, so the
     * builder's own defaults and checks stay the only ones.
     *
     * @param name the option
     * @param setter receives the value
     * @return these options, to chain further calls
     */
    public StoreOptions ifSet(String name, Consumer<String> setter) {
        string(name).ifPresent(setter);
        return this;
    }

    /**
     * Passes a boolean option ({@link #bool}) to {@code setter} when it is set.
     *
     * @param name the option
     * @param setter receives the value
     * @return these options
     * @throws InvalidInputException when the value is not a boolean
     */
    public StoreOptions ifBool(String name, Consumer<Boolean> setter) {
        if (values.containsKey(name)) {
            setter.accept(bool(name, false));
        }
        return this;
    }

    /**
     * Passes a positive integer option ({@link #positiveInt}) to {@code setter} when it is set.
     *
     * @param name the option
     * @param setter receives the value
     * @return these options
     * @throws InvalidInputException when the value is not a positive integer
     */
    public StoreOptions ifPositiveInt(String name, IntConsumer setter) {
        if (values.containsKey(name)) {
            setter.accept(positiveInt(name, 1));
        }
        return this;
    }

    /**
     * Passes a size option ({@link #size}) in bytes to {@code setter} when it is set.
     *
     * @param name the option
     * @param setter receives the value
     * @return these options
     * @throws InvalidInputException when the value is not a size
     */
    public StoreOptions ifSize(String name, LongConsumer setter) {
        if (values.containsKey(name)) {
            setter.accept(size(name, 1));
        }
        return this;
    }

    /**
     * Passes a duration option ({@link #duration}) to {@code setter} when it is set.
     *
     * @param name the option
     * @param setter receives the value
     * @return these options
     * @throws InvalidInputException when the value is not a duration
     */
    public StoreOptions ifDuration(String name, Consumer<Duration> setter) {
        if (values.containsKey(name)) {
            setter.accept(duration(name, Duration.ZERO));
        }
        return this;
    }

    /**
     * A positive integer option.
     *
     * @param name the option
     * @param defaultValue used when unset
     * @return the value
     */
    public int positiveInt(String name, int defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw bad(name, v, "a positive integer");
        }
    }

    /**
     * A boolean option ({@code true}/{@code false}).
     *
     * @param name the option
     * @param defaultValue used when unset
     * @return the value
     */
    public boolean bool(String name, boolean defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw bad(name, v, "true or false");
        };
    }

    /**
     * A size option: bytes, or with a unit {@code KiB}, {@code MiB}, {@code GiB} (also {@code k}, {@code m}, {@code g}).
     *
     * @param name the option
     * @param defaultValue used when unset
     * @return the size in bytes, positive
     */
    public long size(String name, long defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            return parseSize(v);
        } catch (IllegalArgumentException e) {
            throw bad(name, v, "a size such as 8388608, 8MiB or 512KiB");
        }
    }

    /**
     * Checks a timeout given to a store builder: at least 1 ms.
     *
     * @param store the store's name in messages, e.g. {@code s3}
     * @param option the option, e.g. {@code connectTimeout}
     * @param value the value
     * @return the value
     * @throws InvalidInputException naming the store and option when shorter than 1 ms
     */
    public static Duration timeout(String store, String option, Duration value) {
        java.util.Objects.requireNonNull(value, option);
        if (value.toMillis() < 1) {
            throw new InvalidInputException(store + " store option '" + option + "' must be at least 1 ms, got " + value);
        }
        return value;
    }

    /**
     * A duration option, ISO-8601 ({@code PT30S}) or a number with {@code ms}, {@code s}, {@code m}, {@code h}.
     *
     * @param name the option
     * @param defaultValue used when unset
     * @return the duration
     */
    public Duration duration(String name, Duration defaultValue) {
        String v = values.get(name);
        if (v == null) {
            return defaultValue;
        }
        try {
            return parseDuration(v);
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw bad(name, v, "a duration such as 30s, 500ms or PT1M");
        }
    }

    /**
     * Parses a size such as {@code 8MiB}.
     *
     * @param text the text
     * @return bytes, positive
     * @throws IllegalArgumentException when malformed, not positive, or beyond {@link Long#MAX_VALUE} bytes
     */
    public static long parseSize(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT).replace("ib", "").replace("b", "");
        long mult = 1;
        if (t.endsWith("k")) {
            mult = 1024;
        } else if (t.endsWith("m")) {
            mult = 1024 * 1024;
        } else if (t.endsWith("g")) {
            mult = 1024L * 1024 * 1024;
        }
        if (mult > 1) {
            t = t.substring(0, t.length() - 1).trim();
        }
        long n = Long.parseLong(t);
        if (n < 1) {
            throw new IllegalArgumentException("size must be positive");
        }
        try {
            return Math.multiplyExact(n, mult);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("size overflows a long: " + text, e);
        }
    }

    /**
     * Parses a duration such as {@code 30s} or {@code PT30S}.
     *
     * @param text the text
     * @return the duration, not negative
     * @throws IllegalArgumentException when malformed
     */
    public static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Duration d;
        if (t.startsWith("p")) {
            d = Duration.parse(t.toUpperCase(Locale.ROOT));
        } else if (t.endsWith("ms")) {
            d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
        } else if (t.endsWith("s")) {
            d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()));
        } else if (t.endsWith("m")) {
            d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim()));
        } else if (t.endsWith("h")) {
            d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1).trim()));
        } else if (t.endsWith("d")) {
            d = Duration.ofDays(Long.parseLong(t.substring(0, t.length() - 1).trim()));
        } else {
            throw new IllegalArgumentException("no unit");
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative");
        }
        return d;
    }

    private InvalidInputException bad(String name, String value, String expected) {
        String shown = secrets.contains(name) ? "(secret, not shown)" : "'" + value + "'";
        return new InvalidInputException(store + " store option '" + name + "' must be " + expected + ", got " + shown);
    }

    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        values.forEach((k, v) -> shown.put(k, secrets.contains(k) ? "****" : v));
        return store + " options " + shown;
    }
}

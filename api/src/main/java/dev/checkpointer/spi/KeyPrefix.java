package dev.checkpointer.spi;

import java.util.Objects;

/**
 * A store's root prefix inside its bucket or container, and the one implementation of joining a key onto it and
 * stripping it off a listed name, shared by every store (and by {@link PrefixedObjectStore}). The prefix is held
 * normalised ({@link StoreKeys#normalizePrefix}): no leading or trailing {@code /}, empty for the root.
 */
public final class KeyPrefix {
    /** The root: keys are names. */
    public static final KeyPrefix ROOT = new KeyPrefix("");

    private final String value;

    private KeyPrefix(String value) {
        this.value = value;
    }

    /**
     * A prefix, normalised and checked.
     *
     * @param prefix e.g. {@code "team/app"} or {@code "/team/app/"}; empty for the root
     * @return the prefix
     * @throws dev.checkpointer.InvalidInputException when the prefix breaks a key rule
     */
    public static KeyPrefix of(String prefix) {
        String normalized = StoreKeys.normalizePrefix(prefix);
        return normalized.isEmpty() ? ROOT : new KeyPrefix(normalized);
    }

    /**
     * The normalised prefix.
     *
     * @return the prefix, empty for the root
     */
    public String value() {
        return value;
    }

    /**
     * Whether this is the root.
     *
     * @return true when empty
     */
    public boolean isRoot() {
        return value.isEmpty();
    }

    /**
     * The full name of a key (or of a list prefix).
     *
     * @param key a key relative to this prefix
     * @return {@code prefix/key}, or the key itself at the root
     */
    public String join(String key) {
        return value.isEmpty() ? key : value + "/" + key;
    }

    /**
     * The key of a full name that lies below this prefix.
     *
     * @param name a full name, as a listing returns it
     * @return the key relative to this prefix
     * @throws IllegalStateException when the name is not below the prefix (a listing went outside it)
     */
    public String strip(String name) {
        if (value.isEmpty()) {
            return name;
        }
        if (!name.startsWith(value + "/")) {
            throw new IllegalStateException("listed name '" + name + "' is outside prefix '" + value + "'");
        }
        return name.substring(value.length() + 1);
    }

    /**
     * The key of a full name below this prefix, or the name unchanged when it is not below it (for messages).
     *
     * @param name a full name
     * @return the relative key, or the name
     */
    public String stripIfBelow(String name) {
        return !value.isEmpty() && name.startsWith(value + "/") ? name.substring(value.length() + 1) : name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyPrefix other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value);
    }

    @Override
    public String toString() {
        return value.isEmpty() ? "KeyPrefix[root]" : "KeyPrefix[" + value + "]";
    }
}

package dev.checkpointer.spi;

import dev.checkpointer.InvalidInputException;
import java.nio.charset.StandardCharsets;

/**
 * The key rules every store enforces, so that a key is portable across providers and can never escape a store's
 * root: 1 to {@value #MAX_KEY_BYTES} UTF-8 bytes, {@code /}-separated non-empty segments, no {@code .} or
 * {@code ..} segment, no leading or trailing {@code /}, no backslash, no control character.
 */
public final class StoreKeys {
    /** Longest key accepted, in UTF-8 bytes (S3's limit, leaving room for a prefix). */
    public static final int MAX_KEY_BYTES = 900;

    private StoreKeys() {}

    /**
     * Checks a key.
     *
     * @param key the key
     * @return the key
     * @throws InvalidInputException naming the rule broken
     */
    public static String validate(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidInputException("object key must not be empty");
        }
        checkPath("object key", key);
        return key;
    }

    /**
     * Checks a list prefix: empty, or a key-like string that may end with {@code /}.
     *
     * @param prefix the prefix
     * @return the prefix
     * @throws InvalidInputException naming the rule broken
     */
    public static String validatePrefix(String prefix) {
        if (prefix == null) {
            throw new InvalidInputException("prefix must not be null");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        checkPath("prefix", prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
        return prefix;
    }

    /**
     * A store's root prefix as builders take it: leading and trailing {@code /} dropped, the rest checked like a key.
     *
     * @param prefix the prefix as given, empty for the container's root
     * @return the normalised prefix, without leading or trailing {@code /} (empty for the root)
     * @throws InvalidInputException naming the rule broken
     */
    public static String normalizePrefix(String prefix) {
        if (prefix == null) {
            throw new InvalidInputException("prefix must not be null");
        }
        int start = 0;
        int end = prefix.length();
        while (start < end && prefix.charAt(start) == '/') {
            start++;
        }
        while (end > start && prefix.charAt(end - 1) == '/') {
            end--;
        }
        return validatePrefix(prefix.substring(start, end));
    }

    private static void checkPath(String what, String path) {
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
            throw new InvalidInputException(what + " is longer than " + MAX_KEY_BYTES + " UTF-8 bytes");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (Character.isISOControl(c)) {
                throw new InvalidInputException(what + " contains a control character at index " + i);
            }
            if (c == '\\') {
                throw new InvalidInputException(what + " contains a backslash: '" + path + "'");
            }
        }
        if (path.startsWith("/")) {
            throw new InvalidInputException(what + " must not start with '/': '" + path + "'");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                throw new InvalidInputException(what + " has an empty segment: '" + path + "'");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new InvalidInputException(what + " has a '" + segment + "' segment: '" + path + "'");
            }
        }
    }
}

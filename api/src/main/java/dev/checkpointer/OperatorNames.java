package dev.checkpointer;

import java.nio.charset.StandardCharsets;

/**
 * Rules for operator names, which become part of store keys. A name is 1 to {@value #MAX_LENGTH} characters,
 * has no control characters, no {@code /} or {@code \\} (a name is one key segment, never a path), is not
 * {@code .} or {@code ..}, and is valid UTF-16 (no lone surrogates). Any other character is allowed: it is
 * percent-encoded in keys, and the encoded segment may be at most {@value #MAX_ENCODED_BYTES} bytes (the longest
 * file name local disks accept), so that every key a checkpoint writes fits every store. All of this is checked
 * when a name is given, before anything is written.
 */
public final class OperatorNames {
    /** The longest operator name accepted, in characters. */
    public static final int MAX_LENGTH = 200;
    /** The longest encoded key segment of a name, in bytes (a file name on local disks). */
    public static final int MAX_ENCODED_BYTES = 255;

    private OperatorNames() {}

    /**
     * Checks an operator name.
     *
     * @param name the name
     * @return the name
     * @throws InvalidInputException naming the rule it breaks
     */
    public static String validate(String name) {
        if (name == null) {
            throw new InvalidInputException("operator name must not be null");
        }
        if (name.isEmpty()) {
            throw new InvalidInputException("operator name must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw new InvalidInputException("operator name is " + name.length() + " characters long; the limit is " + MAX_LENGTH);
        }
        if (name.equals(".") || name.equals("..")) {
            throw new InvalidInputException("operator name must not be '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == '\\') {
                throw new InvalidInputException("operator name must not contain '" + c + "' (at index " + i + "): a name is one key segment, not a path");
            }
            if (Character.isISOControl(c)) {
                throw new InvalidInputException(
                        "operator name contains a control character (U+" + String.format("%04X", (int) c) + ") at index " + i);
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= name.length() || !Character.isLowSurrogate(name.charAt(i + 1))) {
                    throw new InvalidInputException("operator name contains a lone surrogate at index " + i);
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new InvalidInputException("operator name contains a lone surrogate at index " + i);
            }
        }
        int encoded = encodedLength(name);
        if (encoded > MAX_ENCODED_BYTES) {
            throw new InvalidInputException("operator name '" + name.substring(0, Math.min(40, name.length())) + (name.length() > 40 ? "…" : "")
                    + "' is " + encoded + " bytes once percent-encoded for store keys; the limit is " + MAX_ENCODED_BYTES
                    + " (non-ASCII characters take up to 12 bytes each)");
        }
        return name;
    }

    private static int encodedLength(String name) {
        int n = 0;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
            n += plain ? 1 : 3;
        }
        return n;
    }

    /**
     * The key segment for a (valid) operator name: unreserved URI characters ({@code A-Z a-z 0-9 - _ . ~}) kept,
     * every other UTF-8 byte percent-encoded. Reversible with {@link #decode(String)}.
     *
     * @param name a valid name
     * @return the encoded segment
     */
    public static String encode(String name) {
        validate(name);
        StringBuilder out = new StringBuilder(name.length() + 8);
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /**
     * Reverses {@link #encode(String)}.
     *
     * @param segment an encoded segment
     * @return the operator name
     * @throws InvalidInputException when the segment is not a valid encoding
     */
    public static String decode(String segment) {
        byte[] out = new byte[segment.length()];
        int n = 0;
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c == '%') {
                if (i + 2 >= segment.length()) {
                    throw new InvalidInputException("bad percent-encoding in key segment '" + segment + "'");
                }
                int hi = Character.digit(segment.charAt(i + 1), 16);
                int lo = Character.digit(segment.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw new InvalidInputException("bad percent-encoding in key segment '" + segment + "'");
                }
                out[n++] = (byte) ((hi << 4) | lo);
                i += 2;
            } else {
                out[n++] = (byte) c;
            }
        }
        return validate(new String(out, 0, n, StandardCharsets.UTF_8));
    }
}

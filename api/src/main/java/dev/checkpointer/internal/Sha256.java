package dev.checkpointer.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers. */
final class Sha256 {
    private static final HexFormat HEX = HexFormat.of();

    private Sha256() {}

    /** A new SHA-256 digest (every JVM has it). */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    /** Hex SHA-256 of an array. */
    public static String hex(byte[] bytes) {
        return HEX.formatHex(newDigest().digest(bytes));
    }

    /** Hex SHA-256 of a range of an array. */
    public static String hex(byte[] bytes, int offset, int length) {
        MessageDigest md = newDigest();
        md.update(bytes, offset, length);
        return HEX.formatHex(md.digest());
    }

    /** Hex SHA-256 of the remaining bytes of a buffer (position unchanged). */
    public static String hex(ByteBuffer buffer) {
        MessageDigest md = newDigest();
        md.update(buffer.duplicate());
        return HEX.formatHex(md.digest());
    }

    /** Hex of a finished digest. */
    public static String hex(MessageDigest md) {
        return HEX.formatHex(md.digest());
    }
}

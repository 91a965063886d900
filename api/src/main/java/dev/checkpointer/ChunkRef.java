package dev.checkpointer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One chunk of a chunked partition entry: the SHA-256 and size of its bytes, how they are stored, and where. Its
 * object is {@code chunks/{firstId:020d}/{sha256}.{token}}: the checkpoint that first wrote it (so that garbage
 * collection by reachability applies to chunks as to every other object) and a token unique to that save attempt
 * (so that two writers racing for one id never share, or delete, each other's objects). Later checkpoints reference
 * the same object for as long as their content has the chunk.
 *
 * @param sha256 lower-case hex SHA-256 of the chunk's bytes (uncompressed: what a reader gets)
 * @param size its length in bytes
 * @param codec how it is stored: {@code none} or {@code zstd}
 * @param storedSize the stored object's length ({@code size} when uncompressed)
 * @param firstId the checkpoint whose save wrote the object
 * @param token the token of that save attempt (lower-case hex)
 */
public record ChunkRef(String sha256, long size, String codec, long storedSize, CheckpointId firstId, String token) {

    /** The key prefix of every chunk object. */
    public static final String AREA = "chunks/";

    /**
     * Checks that no component is null.
     *
     * @throws NullPointerException naming the null component
     */
    public ChunkRef {
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(codec, "codec");
        Objects.requireNonNull(firstId, "firstId");
        Objects.requireNonNull(token, "token");
    }

    /**
     * The key of the chunk's object (relative to the location).
     *
     * @return {@code chunks/{firstId:020d}/{sha256}.{token}}
     */
    public String key() {
        return keyOf(firstId, sha256, token);
    }

    /**
     * Whether the chunk is stored compressed.
     *
     * @return true unless the codec is {@code none}
     */
    public boolean compressed() {
        return !"none".equals(codec);
    }

    /**
     * The key of a chunk object.
     *
     * @param firstId the checkpoint that wrote it
     * @param sha256 its bytes' SHA-256
     * @param token the save attempt's token
     * @return the key
     */
    public static String keyOf(CheckpointId firstId, String sha256, String token) {
        return AREA + firstId.padded() + "/" + sha256 + "." + token;
    }

    /**
     * The {@code sha256} of a chunked entry: the SHA-256 of its chunks' SHA-256 digests (32 bytes each, in order).
     * Verifying every chunk against its digest then verifies the whole partition, without a second pass over its
     * bytes.
     *
     * @param chunks the chunks in order
     * @return lower-case hex
     * @throws IllegalArgumentException when a chunk's sha256 is not 64 hex digits
     */
    public static String listDigest(List<ChunkRef> chunks) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
        HexFormat hex = HexFormat.of();
        for (ChunkRef c : chunks) {
            md.update(hex.parseHex(c.sha256()));
        }
        return hex.formatHex(md.digest());
    }
}

package dev.checkpointer.store.azure.internal;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

/**
 * Block ids of one staged upload. Azure wants every block id of a blob to have the same length (at most 64 bytes
 * before base64), so an id here is 36 characters, like the UUIDs the SDK's own chunked uploads use: the first 23
 * characters of a random UUID, unique to the upload, then {@code -} and the part number in 12 digits. The id of a
 * part is therefore a pure function of the upload and the part number: staging a part number again replaces that
 * block, and two uploads to the same key never touch each other's blocks.
 */
final class BlockIds {
    /** Most blocks a block blob may commit. */
    public static final int MAX_BLOCKS = 50_000;

    private final String token;

    private BlockIds(String token) {
        this.token = token;
    }

    /**
     * Ids for a new upload.
     *
     * @return the ids
     */
    public static BlockIds random() {
        return new BlockIds(UUID.randomUUID().toString().substring(0, 23));
    }

    /**
     * Ids for an upload with a given token (tests).
     *
     * @param token 23 characters
     * @return the ids
     */
    static BlockIds of(String token) {
        if (token.length() != 23) {
            throw new IllegalArgumentException("token must have 23 characters");
        }
        return new BlockIds(token);
    }

    /**
     * The base64 block id of a part.
     *
     * @param partNumber from 1 to {@link #MAX_BLOCKS}
     * @return the id, as the service wants it
     */
    public String id(int partNumber) {
        if (partNumber < 1 || partNumber > MAX_BLOCKS) {
            throw new IllegalArgumentException("part number must be between 1 and " + MAX_BLOCKS + ", got " + partNumber);
        }
        String raw = token + "-" + String.format("%012d", partNumber);
        return Base64.getEncoder().encodeToString(raw.getBytes(StandardCharsets.US_ASCII));
    }
}

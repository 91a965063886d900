package dev.checkpointer.spi;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How to write an object.
 *
 * @param condition the write condition
 * @param sha256 lower-case hex SHA-256 of the whole object when known before the upload, so that a store with
 *     native SHA-256 checksums can have the server refuse corrupted bytes; null when unknown (the store then
 *     sends whatever checksum its SDK computes while streaming)
 */
public record PutOptions(Condition condition, @Nullable String sha256) {

    private static final PutOptions NONE = new PutOptions(Condition.NONE, null);
    private static final PutOptions IF_ABSENT = new PutOptions(Condition.IF_ABSENT, null);

    /** Validates the options. */
    public PutOptions {
        Objects.requireNonNull(condition, "condition");
        if (sha256 != null && !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits");
        }
    }

    /**
     * An unconditional write.
     *
     * @return the options
     */
    public static PutOptions none() {
        return NONE;
    }

    /**
     * Create-if-absent.
     *
     * @return the options
     */
    public static PutOptions ifAbsent() {
        return IF_ABSENT;
    }

    /**
     * Compare-and-swap on the ETag.
     *
     * @param etag the expected current ETag
     * @return the options
     */
    public static PutOptions ifMatch(String etag) {
        return new PutOptions(Condition.ifMatch(etag), null);
    }

    /**
     * A copy that declares the content's SHA-256.
     *
     * @param sha256Hex lower-case hex
     * @return new options
     */
    public PutOptions withSha256(String sha256Hex) {
        return new PutOptions(condition, sha256Hex);
    }

    /**
     * The declared SHA-256.
     *
     * @return present when known before the upload
     */
    public Optional<String> declaredSha256() {
        return Optional.ofNullable(sha256);
    }
}

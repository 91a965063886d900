package dev.checkpointer.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * What a store knows of one object.
 *
 * @param key the key, relative to the store's root
 * @param size size in bytes
 * @param etag an opaque version tag that changes on every write (ETag, generation, …)
 * @param lastModified when the object was last written
 */
public record ObjectInfo(String key, long size, String etag, Instant lastModified) {
    /** Validates the fields. */
    public ObjectInfo {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
    }
}

package dev.checkpointer.spi;

import java.util.Objects;

/**
 * One uploaded part of a multipart upload.
 *
 * @param number part number, from 1
 * @param etag the store's tag for the part (block id, part ETag)
 * @param size bytes in the part
 */
public record PartInfo(int number, String etag, long size) {
    /** Validates the fields. */
    public PartInfo {
        if (number < 1) {
            throw new IllegalArgumentException("part number must be >= 1, got " + number);
        }
        Objects.requireNonNull(etag, "etag");
        if (size < 0) {
            throw new IllegalArgumentException("part size must be >= 0");
        }
    }
}

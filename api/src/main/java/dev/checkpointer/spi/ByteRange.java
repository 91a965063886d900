package dev.checkpointer.spi;

/**
 * A range of bytes to read.
 *
 * @param offset first byte, at least 0
 * @param length number of bytes, or -1 for "to the end"
 */
public record ByteRange(long offset, long length) {
    /** The whole object. */
    public static final ByteRange ALL = new ByteRange(0, -1);

    /** Validates the range. */
    public ByteRange {
        if (offset < 0) {
            throw new IllegalArgumentException("range offset must be >= 0, got " + offset);
        }
        if (length < -1) {
            throw new IllegalArgumentException("range length must be >= 0 or -1 (to the end), got " + length);
        }
    }

    /**
     * {@code length} bytes from {@code offset}.
     *
     * @param offset first byte
     * @param length number of bytes
     * @return the range
     */
    public static ByteRange of(long offset, long length) {
        return new ByteRange(offset, length);
    }

    /**
     * Whether this is the whole object.
     *
     * @return true for offset 0 and length -1
     */
    public boolean isAll() {
        return offset == 0 && length == -1;
    }

    /**
     * The number of bytes this range selects from an object of the given size.
     *
     * @param objectSize the object's size
     * @return the length, clipped to the object
     */
    public long lengthWithin(long objectSize) {
        if (offset >= objectSize) {
            return 0;
        }
        long rest = objectSize - offset;
        return length < 0 ? rest : Math.min(length, rest);
    }
}

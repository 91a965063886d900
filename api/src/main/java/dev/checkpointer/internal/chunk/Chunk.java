package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * One chunk cut by {@link FastCdc}: where it starts in the stream, its bytes and their SHA-256. Owns its array
 * (never shared with the input or another chunk).
 */
public final class Chunk {
    private static final HexFormat HEX = HexFormat.of();

    private final long offset;
    private final byte[] bytes;
    private final byte[] sha256;

    /**
     * A chunk owning {@code bytes}.
     *
     * @param offset where it starts in its stream
     * @param bytes its bytes (owned, not copied)
     * @param sha256 their SHA-256
     */
    public Chunk(long offset, byte[] bytes, byte[] sha256) {
        this.offset = offset;
        this.bytes = bytes;
        this.sha256 = sha256;
    }

    /** Offset of the first byte in the chunked stream. */
    /** @return where the chunk starts in its stream */
    public long offset() {
        return offset;
    }

    /** Length in bytes. */
    /** @return its length in bytes */
    public int length() {
        return bytes.length;
    }

    /** The bytes, as a read-only view (no copy). */
    /** @return a read-only view of its bytes (not a copy) */
    public ByteBuffer data() {
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    /** SHA-256 of the bytes, lower-case hex: the chunk's name. */
    /** @return lower-case hex SHA-256 of its bytes */
    public String sha256() {
        return HEX.formatHex(sha256);
    }

    @Override
    public String toString() {
        return "Chunk[offset=" + offset + ", length=" + bytes.length + ", sha256=" + sha256() + "]";
    }
}

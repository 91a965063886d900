package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * One chunk cut by {@link FastCdc}: where it starts in the stream, its bytes and their SHA-256. Cut from a stream, it
 * owns its array (never shared with the input or another chunk); cut from a whole array the caller keeps unchanged
 * for the save ({@link Chunker#cutReusing(byte[], int, int, java.util.List)}), it is a view of its range of that array.
 */
public final class Chunk {
    private static final HexFormat HEX = HexFormat.of();

    private final long offset;
    /** Null for a chunk matched from a hint and handed on without its bytes ({@link Chunker#cutReusing}). */
    private final byte @org.jspecify.annotations.Nullable [] bytes;
    /** Where the chunk starts in {@code bytes}. */
    private final int from;
    private final int length;
    private final byte[] sha256;

    /**
     * A chunk owning {@code bytes}.
     *
     * @param offset where it starts in its stream
     * @param bytes its bytes (owned, not copied)
     * @param sha256 their SHA-256
     */
    public Chunk(long offset, byte[] bytes, byte[] sha256) {
        this(offset, bytes, 0, bytes.length, sha256);
    }

    private Chunk(long offset, byte @org.jspecify.annotations.Nullable [] bytes, int from, int length, byte[] sha256) {
        this.offset = offset;
        this.bytes = bytes;
        this.from = from;
        this.length = length;
        this.sha256 = sha256;
    }

    /** A chunk that is {@code bytes[from, from + length)} of an array its owner keeps unchanged while the chunk is used. */
    static Chunk view(long offset, byte[] bytes, int from, int length, byte[] sha256) {
        return new Chunk(offset, bytes, from, length, sha256);
    }

    /** A chunk known by its place, length and digest, whose bytes the caller already has elsewhere. */
    static Chunk withoutBytes(long offset, int length, byte[] sha256) {
        return new Chunk(offset, null, 0, length, sha256);
    }

    /** @return whether the chunk carries its bytes (false only for a chunk a hint matched, from {@link Chunker#cutReusing}) */
    public boolean hasBytes() {
        return bytes != null;
    }

    private byte[] bytes() {
        if (bytes == null) {
            throw new IllegalStateException("chunk " + sha256() + " matched a hint and carries no bytes: the caller has them already");
        }
        return bytes;
    }

    /** Offset of the first byte in the chunked stream. */
    /** @return where the chunk starts in its stream */
    public long offset() {
        return offset;
    }

    /** Length in bytes. */
    /** @return its length in bytes */
    public int length() {
        return length;
    }

    /** The bytes, as a read-only view (no copy). */
    /** @return a read-only view of its bytes (not a copy) */
    public ByteBuffer data() {
        return ByteBuffer.wrap(bytes(), from, length).slice().asReadOnlyBuffer();
    }

    /** SHA-256 of the bytes, lower-case hex: the chunk's name. */
    /** @return lower-case hex SHA-256 of its bytes */
    public String sha256() {
        return HEX.formatHex(sha256);
    }

    /**
     * The chunk's stored form under {@code codec}, as a read-only buffer (the chunk's own bytes, not a copy, when
     * the codec stores them as they are).
     *
     * @param codec how to store it
     * @return the stored bytes
     */
    public ByteBuffer encodeWith(ChunkCodec codec) {
        return codec.encode(bytes(), from, length).asReadOnlyBuffer();
    }

    /**
     * Decodes a stored chunk and checks it against its digest.
     *
     * @param key the object it was read from, for messages
     * @param codec its codec's name
     * @param stored its stored bytes
     * @param size its length when decoded
     * @param sha256 the digest it must have
     * @return its bytes, verified
     * @throws dev.checkpointer.IntegrityException when it does not decode to {@code size} bytes with that digest
     * @throws dev.checkpointer.InvalidInputException for an unknown codec, or zstd without zstd-jni
     */
    public static byte[] decode(String key, String codec, byte[] stored, int size, String sha256) {
        byte[] bytes = new byte[size];
        decodeInto(key, codec, stored, bytes, 0, size, sha256);
        return bytes;
    }

    /**
     * Decodes a stored chunk into {@code dest[at, at + size)} and checks it against its digest there; nothing outside
     * that range is written.
     *
     * @param key the object it was read from, for messages
     * @param codec its codec's name
     * @param stored its stored bytes
     * @param dest where it goes
     * @param at where it starts in {@code dest}
     * @param size its length when decoded
     * @param sha256 the digest it must have
     * @throws dev.checkpointer.IntegrityException when it does not decode to {@code size} bytes with that digest
     * @throws dev.checkpointer.InvalidInputException for an unknown codec, or zstd without zstd-jni
     */
    public static void decodeInto(String key, String codec, byte[] stored, byte[] dest, int at, int size, String sha256) {
        ChunkCodec.forReading(codec).decode(key, stored, dest, at, size);
        java.security.MessageDigest md = digest();
        md.update(dest, at, size);
        String actual = HEX.formatHex(md.digest());
        if (!actual.equals(sha256)) {
            throw new dev.checkpointer.IntegrityException(key, sha256, actual);
        }
    }

    private static java.security.MessageDigest digest() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256, which every Java platform must provide", e);
        }
    }

    @Override
    public String toString() {
        return "Chunk[offset=" + offset + ", length=" + length + ", sha256=" + sha256() + "]";
    }
}

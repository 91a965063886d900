package dev.checkpointer.internal.chunk;

import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How a chunk's bytes are stored: as they are, or compressed. Recorded per entry by name ({@link #name()}), so a
 * reader decodes what each writer chose. The SHA-256 that names and verifies a chunk is always of the decoded bytes.
 */
public sealed interface ChunkCodec permits ChunkCodec.Identity, ZstdCodec {
    /** Stores bytes as they are. */
    ChunkCodec NONE = new Identity();

    /** The name recorded with an entry: {@code "none"} or {@code "zstd"}. */
    String name();

    /** The stored form of {@code bytes[0, length)} (a new array, or {@code bytes} itself for {@link #NONE}). */
    default byte[] encode(byte[] bytes, int length) {
        ByteBuffer b = encode(bytes, 0, length);
        return b.hasArray() && b.arrayOffset() == 0 && b.position() == 0 && b.array().length == b.remaining() ? b.array()
                : Arrays.copyOfRange(b.array(), b.arrayOffset() + b.position(), b.arrayOffset() + b.limit());
    }

    /**
     * The stored form of {@code bytes[from, from + length)}, without a copy where it can: a view of {@code bytes} for
     * {@link #NONE}, of the encoder's output array (as long as the encoding needed) otherwise.
     */
    ByteBuffer encode(byte[] bytes, int from, int length);

    /**
     * The original bytes of a stored form that decodes to exactly {@code size} bytes.
     *
     * @throws IntegrityException when the stored bytes do not decode to {@code size} bytes
     */
    byte[] decode(String key, byte[] stored, int size);

    /**
     * Decodes a stored form into {@code dest[at, at + size)}, writing nothing outside that range.
     *
     * @throws IntegrityException when the stored bytes do not decode to exactly {@code size} bytes
     */
    void decode(String key, byte[] stored, byte[] dest, int at, int size);

    /**
     * The codec to decode chunks recorded as {@code name}.
     *
     * @param name the recorded name
     * @return the codec
     * @throws InvalidInputException for an unknown name, or zstd without zstd-jni on the class path
     */
    static ChunkCodec forReading(String name) {
        return switch (name) {
            case "none" -> NONE;
            case "zstd" -> zstd(3); // the level plays no part in decoding
            default -> throw new InvalidInputException("unknown chunk codec '" + name + "': expected none or zstd");
        };
    }

    /**
     * The codec recorded as {@code name}; zstd at {@code level} (ignored for {@code none}). The same instance for the
     * same name and level: its native contexts are pooled for the life of the JVM, not per save.
     *
     * @throws InvalidInputException for an unknown name, or zstd without zstd-jni on the class path
     */
    static ChunkCodec of(String name, int level) {
        return switch (name) {
            case "none" -> NONE;
            case "zstd" -> zstd(level);
            default -> throw new InvalidInputException("unknown chunk codec '" + name + "': expected none or zstd");
        };
    }

    /**
     * zstd at {@code level} (1 to 22; 3 is zstd's default). Only this method loads zstd-jni, an optional dependency.
     *
     * @throws InvalidInputException when zstd-jni is not on the class path, naming the artifact to add
     */
    static ChunkCodec zstd(int level) {
        try {
            Class.forName("com.github.luben.zstd.Zstd", false, ChunkCodec.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new InvalidInputException("zstd compression needs com.github.luben:zstd-jni on the class path (an optional"
                    + " dependency of checkpointer-api): add it, or configure no compression");
        }
        return ZstdCodec.at(level);
    }

    /** No compression. */
    final class Identity implements ChunkCodec {
        private Identity() {}

        @Override
        public String name() {
            return "none";
        }

        @Override
        public ByteBuffer encode(byte[] bytes, int from, int length) {
            return ByteBuffer.wrap(bytes, from, length).slice();
        }

        @Override
        public byte[] decode(String key, byte[] stored, int size) {
            if (stored.length != size) {
                throw new IntegrityException(key, "size=" + size, "size=" + stored.length);
            }
            return stored;
        }

        @Override
        public void decode(String key, byte[] stored, byte[] dest, int at, int size) {
            System.arraycopy(decode(key, stored, size), 0, dest, at, size);
        }

        @Override
        public String toString() {
            return "none";
        }
    }
}

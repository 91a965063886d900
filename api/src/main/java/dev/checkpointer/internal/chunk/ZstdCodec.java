package dev.checkpointer.internal.chunk;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import java.nio.ByteBuffer;

/**
 * zstd (zstd-jni) per chunk: one frame per chunk, with its content size, so a chunk decodes on its own. A native
 * compression and decompression context is kept per thread and reused (creating one per chunk would cost more than
 * compressing a small chunk). Loaded only through {@link ChunkCodec#zstd(int)}.
 */
final class ZstdCodec implements ChunkCodec {
    private final int level;
    private final ThreadLocal<ZstdCompressCtx> compress;
    private final ThreadLocal<ZstdDecompressCtx> decompress = ThreadLocal.withInitial(ZstdDecompressCtx::new);

    ZstdCodec(int level) {
        if (level < 1 || level > Zstd.maxCompressionLevel()) {
            throw new InvalidInputException("zstd level must be between 1 and " + Zstd.maxCompressionLevel() + ", got " + level);
        }
        this.level = level;
        this.compress = ThreadLocal.withInitial(() -> new ZstdCompressCtx().setLevel(level).setContentSize(true).setChecksum(false));
    }

    int level() {
        return level;
    }

    @Override
    public String name() {
        return "zstd";
    }

    @Override
    public ByteBuffer encode(byte[] bytes, int from, int length) {
        // Handed out as a view of the bound-sized output (no copy to trim it): held only while its upload runs.
        byte[] out = new byte[(int) Zstd.compressBound(length)];
        int n = compress.get().compressByteArray(out, 0, out.length, bytes, from, length);
        return ByteBuffer.wrap(out, 0, n);
    }

    @Override
    public byte[] decode(String key, byte[] stored, int size) {
        byte[] out = new byte[size];
        decode(key, stored, out, 0, size);
        return out;
    }

    @Override
    public void decode(String key, byte[] stored, byte[] dest, int at, int size) {
        int n;
        try {
            // zstd writes at most size bytes from at: a frame that holds more fails ("destination buffer too small").
            n = decompress.get().decompressByteArray(dest, at, size, stored, 0, stored.length);
        } catch (ZstdException e) {
            throw new IntegrityException(key, "a zstd frame of " + size + " bytes", "undecodable (" + e.getMessage() + ")");
        }
        if (n != size) {
            throw new IntegrityException(key, "size=" + size, "size=" + n);
        }
    }

    @Override
    public String toString() {
        return "zstd(" + level + ")";
    }
}

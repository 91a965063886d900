package dev.checkpointer.spi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Byte-buffer helpers shared by stores and the engine. */
public final class Buffers {
    private Buffers() {}

    /**
     * Concatenates a body into one array.
     *
     * @param body the buffers
     * @return the bytes
     */
    public static Mono<byte[]> join(Flux<ByteBuffer> body) {
        return body.collect(ByteArrayOutputStream::new, Buffers::write).map(ByteArrayOutputStream::toByteArray);
    }

    /**
     * Copies the remaining bytes of a buffer into an array without moving its position.
     *
     * @param buffer the buffer
     * @return a new array
     */
    public static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static void write(ByteArrayOutputStream out, ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        if (b.hasArray()) {
            out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        } else {
            byte[] tmp = toArray(b);
            out.write(tmp, 0, tmp.length);
        }
    }
}

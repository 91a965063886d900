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
     * Concatenates a body whose size is known into one array, copying each byte once (the array is allocated up
     * front). A body longer or shorter than announced still yields exactly its bytes, so the caller can report the
     * difference.
     *
     * @param body the buffers
     * @param expectedSize the announced size
     * @return the bytes
     */
    public static Mono<byte[]> join(Flux<ByteBuffer> body, long expectedSize) {
        if (expectedSize < 0 || expectedSize > Integer.MAX_VALUE - 16) {
            return join(body);
        }
        return Mono.defer(() -> {
            byte[][] out = {new byte[(int) expectedSize]};
            int[] at = {0};
            return body.doOnNext(buffer -> {
                ByteBuffer b = buffer.duplicate();
                int n = b.remaining();
                if (at[0] + n > out[0].length) {
                    out[0] = java.util.Arrays.copyOf(out[0], Math.max(at[0] + n, out[0].length * 2));
                }
                b.get(out[0], at[0], n);
                at[0] += n;
            }).then(Mono.fromSupplier(() -> at[0] == out[0].length ? out[0] : java.util.Arrays.copyOf(out[0], at[0])));
        });
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
            byte[] tmp = new byte[Math.min(b.remaining(), 64 * 1024)];
            while (b.hasRemaining()) {
                int n = Math.min(tmp.length, b.remaining());
                b.get(tmp, 0, n);
                out.write(tmp, 0, n);
            }
        }
    }
}

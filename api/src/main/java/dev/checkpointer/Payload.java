package dev.checkpointer;

import dev.checkpointer.internal.payload.Payloads;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;

/**
 * The bytes of one partition (or one part of a multipart upload). A payload is <em>replayable</em>: every
 * subscription to {@link #content()} emits the same bytes from the start, so a retried upload re-reads it.
 * Buffers emitted are read-only views; consumers must not rely on them after {@code onNext} returns.
 */
public interface Payload {

    /**
     * The exact number of bytes {@link #content()} emits. A payload that emits a different number is refused.
     *
     * @return the length in bytes, at least 0
     */
    long length();

    /**
     * The bytes, from the start, on every subscription. Cold and lazy: nothing is read before subscription.
     *
     * @return the content
     */
    Flux<ByteBuffer> content();

    /**
     * A payload over an array. The array is not copied: do not modify it until the save that uses it completes.
     *
     * @param bytes the bytes
     * @return the payload
     */
    static Payload of(byte[] bytes) {
        return Payloads.ofBytes(bytes);
    }

    /**
     * A payload over the remaining bytes of a buffer (from its position to its limit). Not copied: do not modify
     * the buffer's content until the save that uses it completes. The buffer's position is not changed.
     *
     * @param buffer the bytes
     * @return the payload
     */
    static Payload of(ByteBuffer buffer) {
        return Payloads.ofBuffer(buffer);
    }

    /**
     * A payload over a regular file, read off the caller's thread on each subscription. Its length is taken now;
     * a file that changes size before it is read fails the upload.
     *
     * @param file the file
     * @return the payload
     * @throws InvalidInputException when the file does not exist or is not a regular file
     */
    static Payload of(Path file) {
        return Payloads.ofFile(file);
    }

    /**
     * A payload produced by a supplier that returns a fresh {@code Flux} each time (for example a new read of a
     * state backend). The flux must emit exactly {@code length} bytes; otherwise the upload fails.
     *
     * @param content a supplier of the content, called once per subscription
     * @param length the exact length
     * @return the payload
     */
    static Payload of(Supplier<Flux<ByteBuffer>> content, long length) {
        return Payloads.ofSupplier(content, length);
    }
}

package dev.checkpointer.spi;

import java.nio.ByteBuffer;
import java.util.Objects;
import reactor.core.publisher.Flux;

/**
 * The result of a get: what the object is, and a body that can be subscribed to once. A caller that does not
 * want the bytes must still subscribe and cancel, so the store can release its connection.
 *
 * <p>The body's buffers stay valid after {@code onNext} (a store never reuses one), and they are the store's: a
 * consumer reads their bytes and never writes into them. A store may therefore serve memory it keeps (the memory
 * store's stored arrays) as writable heap buffers, so that a consumer can reach the array behind them
 * ({@link ByteBuffer#hasArray()}) and hash it without the copy a read-only buffer costs. A consumer that hands the
 * bytes on to code outside its control hands out {@link ByteBuffer#asReadOnlyBuffer() read-only views} or a copy.
 *
 * @param info the object's metadata (size is the whole object's size, not the range's)
 * @param body the bytes of the requested range; subscribe once
 */
public record ObjectContent(ObjectInfo info, Flux<ByteBuffer> body) {
    /** Validates the fields. */
    public ObjectContent {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(body, "body");
    }
}

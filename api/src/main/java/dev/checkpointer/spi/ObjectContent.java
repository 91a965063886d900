package dev.checkpointer.spi;

import java.nio.ByteBuffer;
import java.util.Objects;
import reactor.core.publisher.Flux;

/**
 * The result of a get: what the object is, and a body that can be subscribed to once. A caller that does not
 * want the bytes must still subscribe and cancel, so the store can release its connection.
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

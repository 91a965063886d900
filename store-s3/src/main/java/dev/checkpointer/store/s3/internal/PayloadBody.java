package dev.checkpointer.store.s3.internal;

import dev.checkpointer.Payload;
import dev.checkpointer.spi.VerifyingPayload;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.reactivestreams.Subscriber;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * A request body streamed from a {@link Payload}, for one request attempt: the SDK's view of the shared
 * {@link VerifyingPayload}. It declares the payload's length (so the SDK sends {@code Content-Length} and never
 * buffers the body), copies each buffer as it passes (a payload may reuse its buffers once {@code onNext} returns,
 * while the HTTP client writes asynchronously), refuses a payload that produces more or fewer bytes than it declared
 * before the excess is sent, and remembers the payload's own error so that it can be reported as such rather than as
 * whatever the HTTP client made of it.
 */
final class PayloadBody implements AsyncRequestBody {
    private final VerifyingPayload payload;

    PayloadBody(Payload payload, String key) {
        this.payload = VerifyingPayload.builder(payload, key).copying().build();
    }

    @Override
    public Optional<Long> contentLength() {
        return Optional.of(payload.length());
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
        payload.content().subscribe(subscriber);
    }

    /**
     * The error the payload (or its length check) raised, if any.
     *
     * @return the error, when the body failed
     */
    Optional<Throwable> failure() {
        return payload.failure();
    }
}

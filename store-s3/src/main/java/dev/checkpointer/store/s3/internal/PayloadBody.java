package dev.checkpointer.store.s3.internal;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.async.AsyncRequestBody;

/**
 * A request body streamed from a {@link Payload}, for one request attempt. It declares the payload's length (so the
 * SDK sends {@code Content-Length} and never buffers the body), copies each buffer as it passes (a payload may reuse
 * its buffers once {@code onNext} returns, while the HTTP client writes asynchronously), refuses a payload that
 * produces more or fewer bytes than it declared before the excess is sent, and remembers the payload's own error
 * so that it can be reported as such rather than as whatever the HTTP client made of it.
 */
final class PayloadBody implements AsyncRequestBody {
    private final Payload payload;
    private final String key;
    private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();

    PayloadBody(Payload payload, String key) {
        this.payload = payload;
        this.key = key;
    }

    @Override
    public Optional<Long> contentLength() {
        return Optional.of(payload.length());
    }

    @Override
    public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
        long declared = payload.length();
        Flux.defer(() -> {
            long[] seen = {0};
            return Flux.defer(payload::content)
                    .<ByteBuffer>handle((buffer, sink) -> {
                        int n = buffer.remaining();
                        if (seen[0] + n > declared) {
                            sink.error(mismatch(declared, "more than " + declared + " (at least " + (seen[0] + n) + ")"));
                            return;
                        }
                        seen[0] += n;
                        if (n > 0) {
                            ByteBuffer copy = ByteBuffer.allocate(n);
                            copy.put(buffer.duplicate()).flip();
                            sink.next(copy);
                        }
                    })
                    .concatWith(Mono.defer(() -> seen[0] == declared ? Mono.<ByteBuffer>empty() : Mono.error(mismatch(declared, String.valueOf(seen[0])))));
        }).doOnError(e -> failure.compareAndSet(null, e)).subscribe(subscriber);
    }

    /**
     * The error the payload (or its length check) raised, if any.
     *
     * @return the error, when the body failed
     */
    Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    private InvalidInputException mismatch(long declared, String produced) {
        return new InvalidInputException("payload for '" + key + "' declared " + declared + " bytes but produced " + produced);
    }
}

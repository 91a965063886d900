package dev.checkpointer.store.s3.internal;

import dev.checkpointer.StoreException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Guards a streamed response body so that it always ends: with the bytes its {@code Content-Length} announced, or
 * with a transient {@link StoreException}. The Netty client can lose the terminal signal of a body whose connection
 * closes part way (aws-sdk-java-v2 issue 6949: the subscriber then waits forever); the guard fails such a body once
 * the reader has wanted bytes for {@code idle} and none came, and fails a body that completes short. A reader that
 * requests nothing is never timed out.
 */
final class BodyGuard {
    private BodyGuard() {}

    static Flux<ByteBuffer> guard(Flux<ByteBuffer> body, long expected, Duration idle, String key) {
        return Flux.defer(() -> {
            AtomicLong wanted = new AtomicLong(); // requested and not yet delivered
            AtomicLong lastProgress = new AtomicLong(System.nanoTime());
            AtomicLong received = new AtomicLong();
            long tick = Math.max(1, idle.toMillis() / 4);
            // Fires once the reader has been waiting (demand outstanding, nothing delivered) for at least `idle`.
            Flux<Long> stalled = Flux.interval(Duration.ofMillis(tick), Schedulers.parallel())
                    .filter(t -> wanted.get() > 0 && System.nanoTime() - lastProgress.get() >= idle.toNanos())
                    .take(1);
            return body
                    .doOnRequest(n -> {
                        if (wanted.get() == 0) {
                            lastProgress.set(System.nanoTime()); // the wait starts when the reader asks again
                        }
                        wanted.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                    })
                    .doOnNext(b -> {
                        received.addAndGet(b.remaining());
                        lastProgress.set(System.nanoTime());
                        wanted.updateAndGet(w -> w == Long.MAX_VALUE ? w : w - 1);
                    })
                    .timeout(stalled, b -> stalled, Flux.error(() -> StoreException.transientFailure("get", key,
                            "the response body stalled: no bytes for " + idle.toMillis() + " ms after " + received.get() + " of "
                                    + (expected < 0 ? "?" : String.valueOf(expected)) + " bytes", null)))
                    .concatWith(Mono.defer(() -> expected >= 0 && received.get() != expected
                            ? Mono.error(StoreException.transientFailure("get", key, "the response body ended after " + received.get()
                                    + " of " + expected + " bytes", null))
                            : Mono.empty()));
        });
    }
}

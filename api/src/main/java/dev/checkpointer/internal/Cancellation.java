package dev.checkpointer.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Mono;

/**
 * Clean-up on cancellation that only happens when the value was not handed over. Reactor operators may call
 * {@code cancel()} on an upstream that has already delivered its value (a {@code flatMap} that is disposed later
 * cancels its finished source too), so a bare {@code doOnCancel} would undo work whose result is in use: delete
 * an artifact a manifest names, abort a multipart upload that completed, free a permit still held by an upload.
 */
final class Cancellation {
    private Cancellation() {}

    /**
     * Runs {@code undo} when the subscriber cancels before this Mono delivered a value or terminated.
     *
     * @param mono the work
     * @param undo what a cancellation before the value undoes
     * @param <T> the value
     * @return the guarded Mono
     */
    static <T> Mono<T> beforeValue(Mono<T> mono, Runnable undo) {
        return Mono.defer(() -> {
            AtomicBoolean settled = new AtomicBoolean();
            return mono
                    .doOnEach(signal -> {
                        if (signal.isOnNext() || signal.isOnComplete() || signal.isOnError()) {
                            settled.set(true);
                        }
                    })
                    .doOnCancel(() -> {
                        if (settled.compareAndSet(false, true)) {
                            undo.run();
                        }
                    });
        });
    }
}

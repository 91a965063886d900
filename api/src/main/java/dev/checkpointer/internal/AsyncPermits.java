package dev.checkpointer.internal;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A non-blocking counting semaphore: callers wait for a permit as a pending {@code Mono}, never a blocked thread.
 * Fair (FIFO). A waiter that is cancelled leaves the queue; a permit granted to a waiter that was cancelled at the
 * same moment is given back, so permits never leak.
 */
final class AsyncPermits {
    private final int max;
    private int available;
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final AtomicInteger inUse = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();

    AsyncPermits(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("permits must be >= 1");
        }
        this.max = permits;
        this.available = permits;
    }

    /** Runs the Mono while holding a permit; the permit is returned on success, error and cancellation. */
    <T> Mono<T> withPermit(Supplier<Mono<T>> work) {
        return Mono.usingWhen(acquire(), p -> work.get(), Permit::releaseMono, (p, e) -> p.releaseMono(), Permit::releaseMono);
    }

    /** Permits currently held. */
    int inUse() {
        return inUse.get();
    }

    /** Highest number of permits held at once so far. */
    int peak() {
        return peak.get();
    }

    int max() {
        return max;
    }

    /**
     * Waits for a permit. The caller must {@link Permit#release()} it exactly once (extra calls are ignored); a
     * permit granted to a subscriber that cancels at that moment is returned automatically.
     */
    Mono<Permit> acquire() {
        return Mono.<Permit>create(sink -> {
            Waiter w = new Waiter(sink);
            boolean grantNow;
            synchronized (this) {
                grantNow = available > 0;
                if (grantNow) {
                    available--;
                } else {
                    waiters.add(w);
                }
            }
            if (grantNow) {
                w.grant(new Permit());
            } else {
                sink.onCancel(w::cancel);
            }
        }).doOnDiscard(Permit.class, Permit::releaseNow); // granted to a subscriber that cancelled at that moment
    }

    /** Gives a returned permit to the first waiter, or back to the pool. */
    private void handOff() {
        while (true) {
            Waiter next;
            synchronized (this) {
                next = waiters.poll();
                if (next == null) {
                    available++;
                    return;
                }
            }
            if (next.grant(new Permit())) {
                return;
            }
            // that waiter was cancelled concurrently: try the next one
        }
    }

    private final class Waiter {
        private final MonoSink<Permit> sink;
        private final AtomicInteger state = new AtomicInteger(); // 0 waiting, 1 granted, 2 cancelled

        Waiter(MonoSink<Permit> sink) {
            this.sink = sink;
        }

        boolean grant(Permit permit) {
            if (!state.compareAndSet(0, 1)) {
                return false;
            }
            int now = inUse.incrementAndGet();
            peak.accumulateAndGet(now, Math::max);
            sink.success(permit);
            return true;
        }

        void cancel() {
            if (state.compareAndSet(0, 2)) {
                synchronized (AsyncPermits.this) {
                    waiters.remove(this);
                }
            }
            // if already granted, usingWhen owns the permit and releases it
        }
    }

    /** One unit of the budget. */
    final class Permit {
        private final AtomicBoolean released = new AtomicBoolean();

        Mono<Void> releaseMono() {
            return Mono.fromRunnable(this::releaseNow);
        }

        /** Returns the permit; idempotent. */
        void release() {
            releaseNow();
        }

        void releaseNow() {
            if (released.compareAndSet(false, true)) {
                inUse.decrementAndGet();
                handOff();
            }
        }
    }
}

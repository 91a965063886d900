package dev.checkpointer.engine;

import dev.checkpointer.Payload;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Mono;

/**
 * A store that knows when its writes have settled. A save that fails or is cancelled removes what it wrote, but a
 * write already sent may land afterwards on another thread and is deleted then; a test asserting "nothing is left"
 * must wait for that without sleeping. This store counts puts and deletes in flight and wakes waiters on every end.
 */
final class Quiescing extends ForwardingObjectStore {
    private final Object monitor = new Object();
    private int inFlight;

    Quiescing(ObjectStore delegate) {
        super(delegate);
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return tracked(super.put(key, payload, options));
    }

    @Override
    public Mono<Void> delete(String key) {
        return tracked(super.delete(key));
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return tracked(super.deleteAll(keys));
    }

    private <T> Mono<T> tracked(Mono<T> request) {
        return Mono.defer(() -> {
            change(1);
            return request.doFinally(s -> change(-1));
        });
    }

    private void change(int by) {
        synchronized (monitor) {
            inFlight += by;
            monitor.notifyAll();
        }
    }

    /**
     * Waits until no write is in flight and {@code condition} holds, re-checking after every write ends.
     *
     * @return whether that happened within {@code limit} (false: the test should fail on its own assertion)
     */
    boolean awaitSettled(BooleanSupplier condition, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (monitor) {
            while (inFlight > 0 || !condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    monitor.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }
}

package dev.checkpointer.engine;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PutOptions;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import reactor.core.publisher.Mono;

/**
 * A {@link MapStore} wrapper that crashes one store call among those on matching keys: the {@code at}-th such call
 * (1-based) either fails before reaching the store ({@link Mode#BEFORE}: no effect) or reaches it and then loses its
 * response ({@link Mode#AFTER}: the effect happened, the caller sees a failure). The failure is permanent, so the
 * engine does not retry it: it stands for the process dying at that point.
 */
final class FaultingStore extends ForwardingObjectStore {
    enum Mode { BEFORE, AFTER }

    private final Predicate<String> keys;
    private final AtomicInteger seen = new AtomicInteger();
    volatile int at;
    volatile Mode mode = Mode.BEFORE;

    FaultingStore(MapStore delegate, Predicate<String> keys) {
        super(delegate);
        this.keys = keys;
    }

    /** Arms the fault for the {@code at}-th matching call from now on (0 disarms). */
    void arm(int at, Mode mode) {
        seen.set(0);
        this.at = at;
        this.mode = mode;
    }

    int matchingCalls() {
        return seen.get();
    }

    private <T> Mono<T> call(String op, String key, Mono<T> real) {
        if (!keys.test(key)) {
            return real;
        }
        return Mono.defer(() -> {
            int n = seen.incrementAndGet();
            if (n != at) {
                return real;
            }
            StoreException crash = StoreException.permanent(ErrorCode.STORE_FAILURE, op, key, "crashed " + mode + " call " + n, null);
            return mode == Mode.BEFORE ? Mono.error(crash) : real.onErrorResume(e -> Mono.empty()).then(Mono.error(crash));
        });
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return call("put", key, super.put(key, payload, options));
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return call("get", key, super.get(key, range));
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return call("head", key, super.head(key));
    }

    @Override
    public Mono<Void> delete(String key) {
        return call("delete", key, super.delete(key));
    }

    @Override
    public String describe() {
        return "faulting " + super.describe();
    }
}

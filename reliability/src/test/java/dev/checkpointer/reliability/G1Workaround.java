package dev.checkpointer.reliability;

import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.ForwardingObjectStore;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Works around G1 ({@link KnownIssues#G1}) so that the races of R3 on GCS test the engine, not that store defect: a
 * read that reports STORE_NOT_FOUND is made again (at most three times in all), and a read that then finds the object
 * is counted ({@link #masked()}): each is a read of an object that existed, which the GCS store reported missing. An
 * object that is really absent is still reported absent. The body is read whole before it is handed over, so that a
 * not-found met while reading it is retried too (R3's objects are small).
 */
final class G1Workaround extends ForwardingObjectStore {
    private static final int ATTEMPTS = 3;
    private final AtomicLong masked;

    private G1Workaround(ObjectStore delegate, AtomicLong masked) {
        super(delegate);
        this.masked = masked;
    }

    /**
     * The store to race on: wrapped on GCS, as it is elsewhere.
     *
     * @param target the target
     * @param store a store of it
     * @param masked counts the reads made good
     * @return the store
     */
    static ObjectStore on(StoreTarget target, ObjectStore store, AtomicLong masked) {
        return "gcs".equals(target.name()) ? new G1Workaround(store, masked) : store;
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return attempt(key, range, 1);
    }

    private Mono<ObjectContent> attempt(String key, ByteRange range, int n) {
        return super.get(key, range)
                .flatMap(c -> Buffers.join(c.body()).map(bytes -> new ObjectContent(c.info(), Flux.just(ByteBuffer.wrap(bytes)))))
                .map(c -> {
                    if (n > 1) {
                        masked.incrementAndGet();
                    }
                    return c;
                })
                .onErrorResume(e -> e instanceof StoreException se && se.isNotFound() && n < ATTEMPTS, e -> attempt(key, range, n + 1));
    }
}

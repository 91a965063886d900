package dev.checkpointer.spi;

import dev.checkpointer.Payload;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An {@link ObjectStore} that forwards every SPI method to another one. Decorators (metering, dry runs, key
 * prefixes, fault injection in tests) extend it and override only the methods they change, so that a method added
 * to the SPI is forwarded by all of them at once.
 */
public abstract class ForwardingObjectStore implements ObjectStore {
    private final ObjectStore delegate;

    /**
     * Wraps a store.
     *
     * @param delegate the store that does the work
     */
    protected ForwardingObjectStore(ObjectStore delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * The wrapped store.
     *
     * @return the delegate
     */
    protected ObjectStore delegate() {
        return delegate;
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return delegate.put(key, payload, options);
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return delegate.get(key, range);
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return delegate.head(key);
    }

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public Mono<Void> delete(String key) {
        return delegate.delete(key);
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return delegate.deleteAll(keys);
    }

    @Override
    public Capabilities capabilities() {
        return delegate.capabilities();
    }

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return delegate.startMultipart(key, options);
    }

    @Override
    public Flux<String> cleanupIncomplete(String prefix, Instant olderThan) {
        return delegate.cleanupIncomplete(prefix, olderThan);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}

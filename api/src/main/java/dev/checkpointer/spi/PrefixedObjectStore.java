package dev.checkpointer.spi;

import dev.checkpointer.Payload;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A view of another store below a key prefix: every key is joined onto the prefix on the way in and stripped off
 * listed keys and returned infos on the way out (through {@link KeyPrefix}), so that several locations can share one
 * store or one client. Closing the view closes the store below.
 */
public final class PrefixedObjectStore extends ForwardingObjectStore {
    private final KeyPrefix prefix;

    private PrefixedObjectStore(ObjectStore delegate, KeyPrefix prefix) {
        super(delegate);
        this.prefix = prefix;
    }

    /**
     * A view of a store below a prefix.
     *
     * @param store the store holding full names
     * @param prefix the prefix, e.g. {@code "team/app"}; empty for the whole store (the store itself is returned)
     * @return the view
     * @throws dev.checkpointer.InvalidInputException when the prefix breaks a key rule
     */
    public static ObjectStore of(ObjectStore store, String prefix) {
        Objects.requireNonNull(store, "store");
        KeyPrefix p = KeyPrefix.of(prefix);
        return p.isRoot() ? store : new PrefixedObjectStore(store, p);
    }

    /**
     * The prefix of this view.
     *
     * @return the prefix
     */
    public KeyPrefix prefix() {
        return prefix;
    }

    private ObjectInfo relative(ObjectInfo info) {
        return new ObjectInfo(prefix.strip(info.key()), info.size(), info.etag(), info.lastModified());
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return Mono.defer(() -> delegate().put(prefix.join(StoreKeys.validate(key)), payload, options)).map(this::relative);
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return Mono.defer(() -> delegate().get(prefix.join(StoreKeys.validate(key)), range))
                .map(c -> new ObjectContent(relative(c.info()), c.body()));
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> delegate().head(prefix.join(StoreKeys.validate(key)))).map(this::relative);
    }

    @Override
    public Flux<ObjectInfo> list(String listPrefix) {
        return Flux.defer(() -> delegate().list(prefix.join(StoreKeys.validatePrefix(listPrefix)))).map(this::relative);
    }

    @Override
    public Mono<Void> delete(String key) {
        return Mono.defer(() -> delegate().delete(prefix.join(StoreKeys.validate(key))));
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return Mono.defer(() -> delegate().deleteAll(keys.stream().map(k -> prefix.join(StoreKeys.validate(k))).toList()));
    }

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return Mono.defer(() -> delegate().startMultipart(prefix.join(StoreKeys.validate(key)), options)).map(upload -> new MultipartUpload() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public Mono<PartInfo> uploadPart(int number, Payload part) {
                return upload.uploadPart(number, part);
            }

            @Override
            public Mono<ObjectInfo> complete(List<PartInfo> parts) {
                return upload.complete(parts).map(PrefixedObjectStore.this::relative);
            }

            @Override
            public Mono<Void> abort() {
                return upload.abort();
            }
        });
    }

    @Override
    public Flux<String> cleanupIncomplete(String cleanupPrefix, Instant olderThan) {
        return Flux.defer(() -> delegate().cleanupIncomplete(prefix.join(StoreKeys.validatePrefix(cleanupPrefix)), olderThan));
    }

    @Override
    public String describe() {
        return delegate().describe() + " below '" + prefix.value() + "/'";
    }
}

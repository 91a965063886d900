package dev.checkpointer.cli;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A copy-on-write view of a store for {@code --dry-run}: reads go to the real store, writes and deletes only to this
 * view (and are recorded), so that the library's own prune runs unchanged and says what it would do while the
 * store is left exactly as it was. Conditions are checked against the view. Store-level debris
 * ({@link #cleanupIncomplete}) is not previewed (that call would delete it): it reports nothing. The view's state is
 * guarded by its own monitor. The real store is not owned.
 */
final class DryRunStore extends ForwardingObjectStore {
    private final Map<String, Written> written = new TreeMap<>();
    private final Set<String> deleted = new TreeSet<>();
    private final AtomicLong versions = new AtomicLong();

    private record Written(byte[] bytes, ObjectInfo info) {}

    DryRunStore(ObjectStore real) {
        super(real);
    }

    /** The keys the run deleted that exist in the real store, ascending. */
    synchronized Set<String> deletedKeys() {
        return new TreeSet<>(deleted);
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return Buffers.join(payload.content()).flatMap(bytes -> head(key).map(i -> java.util.Optional.of(i))
                .onErrorResume(Location::isNotFound, e -> Mono.just(java.util.Optional.empty()))
                .flatMap(current -> {
                    Condition c = options.condition();
                    if (c instanceof Condition.IfAbsent && current.isPresent()
                            || c instanceof Condition.IfMatch m && (current.isEmpty() || !current.get().etag().equals(m.etag()))) {
                        return Mono.error(StoreException.preconditionFailed("put", key, "condition not met (dry run)", null));
                    }
                    ObjectInfo info = new ObjectInfo(key, bytes.length, "dry-run-" + versions.incrementAndGet(), Instant.now());
                    synchronized (this) {
                        written.put(key, new Written(bytes, info));
                    }
                    return Mono.just(info);
                }));
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return Mono.defer(() -> {
            Written w;
            synchronized (this) {
                w = written.get(key);
                if (w == null && deleted.contains(key)) {
                    return Mono.error(StoreException.notFound("get", key));
                }
            }
            if (w == null) {
                return delegate().get(key, range);
            }
            int from = (int) Math.min(range.offset(), w.bytes().length);
            int length = (int) range.lengthWithin(w.bytes().length);
            return Mono.just(new ObjectContent(w.info(), Flux.just(ByteBuffer.wrap(w.bytes(), from, length).slice())));
        });
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> {
            synchronized (this) {
                Written w = written.get(key);
                if (w != null) {
                    return Mono.just(w.info());
                }
                if (deleted.contains(key)) {
                    return Mono.error(StoreException.notFound("head", key));
                }
            }
            return delegate().head(key);
        });
    }

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return delegate().list(prefix).collectList().flatMapMany(listed -> {
            Map<String, ObjectInfo> view = new TreeMap<>();
            synchronized (this) {
                listed.stream().filter(i -> !deleted.contains(i.key())).forEach(i -> view.put(i.key(), i));
                written.forEach((k, w) -> {
                    if (k.startsWith(prefix)) {
                        view.put(k, w.info());
                    }
                });
            }
            return Flux.fromIterable(view.values());
        });
    }

    @Override
    public Mono<Void> delete(String key) {
        return deleteAll(List.of(key));
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return Flux.fromIterable(keys)
                .concatMap(k -> delegate().head(k).map(i -> true).onErrorResume(Location::isNotFound, e -> Mono.just(false))
                        .doOnNext(exists -> {
                            synchronized (this) {
                                written.remove(k);
                                if (exists) {
                                    deleted.add(k);
                                }
                            }
                        }))
                .then();
    }

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return Mono.error(StoreException.permanent(ErrorCode.STORE_UNSUPPORTED, "startMultipart", key, "not in a dry run", null));
    }

    @Override
    public Flux<String> cleanupIncomplete(String prefix, Instant olderThan) {
        return Flux.empty();
    }

    @Override
    public String describe() {
        return delegate().describe() + " (dry run)";
    }

    @Override
    public void close() {
        // the real store is not owned
    }
}

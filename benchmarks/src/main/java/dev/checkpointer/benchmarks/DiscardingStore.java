package dev.checkpointer.benchmarks;

import dev.checkpointer.ChunkRef;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A store that reads every byte it is given and keeps only small objects (manifests, the pointer): large artifacts
 * and every chunk object (under {@code chunks/}, whatever its size) are counted and dropped, so a benchmark can
 * stream more state than the heap holds and measure the engine's own memory, not the store's. A chunk cannot be read
 * back from it (saves never read chunks).
 */
final class DiscardingStore implements ObjectStore {
    private static final int KEEP_BELOW = 1024 * 1024;
    private final ConcurrentHashMap<String, Stored> kept = new ConcurrentHashMap<>();
    private final AtomicLong etags = new AtomicLong();
    final AtomicLong bytesReceived = new AtomicLong();
    /** The part of {@link #bytesReceived} put under {@code chunks/}. */
    final AtomicLong chunkBytesReceived = new AtomicLong();
    /** The number of objects put under {@code chunks/}. */
    final AtomicLong chunksReceived = new AtomicLong();

    private record Stored(byte[] bytes, ObjectInfo info) {}

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        boolean chunk = key.startsWith(ChunkRef.AREA);
        return consume(payload.content(), !chunk).flatMap(pair -> {
            if (chunk) {
                chunkBytesReceived.addAndGet(pair.size);
                chunksReceived.incrementAndGet();
                return Mono.just(new ObjectInfo(key, pair.size, "e" + etags.incrementAndGet(), Instant.now()));
            }
            synchronized (this) {
                Stored cur = kept.get(key);
                if (options.condition() instanceof Condition.IfAbsent && cur != null
                        || options.condition() instanceof Condition.IfMatch m && (cur == null || !cur.info.etag().equals(m.etag()))) {
                    return Mono.error(StoreException.preconditionFailed("put", key, "condition failed", null));
                }
                ObjectInfo info = new ObjectInfo(key, pair.size, "e" + etags.incrementAndGet(), Instant.now());
                kept.put(key, new Stored(pair.bytes, info));
                return Mono.just(info);
            }
        });
    }

    private record Consumed(long size, byte[] bytes) {}

    private Mono<Consumed> consume(Flux<ByteBuffer> content) {
        return consume(content, true);
    }

    private Mono<Consumed> consume(Flux<ByteBuffer> content, boolean keepSmall) {
        long[] size = {0};
        java.io.ByteArrayOutputStream small = new java.io.ByteArrayOutputStream();
        return content.doOnNext(b -> {
                    int n = b.remaining();
                    size[0] += n;
                    bytesReceived.addAndGet(n);
                    if (keepSmall && size[0] <= KEEP_BELOW) {
                        byte[] copy = new byte[n];
                        b.duplicate().get(copy);
                        small.writeBytes(copy);
                    }
                })
                .then(Mono.fromCallable(() -> new Consumed(size[0], keepSmall && size[0] <= KEEP_BELOW ? small.toByteArray() : new byte[0])));
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        Stored s = kept.get(key);
        if (s == null) {
            return Mono.error(StoreException.notFound("get", key));
        }
        return Mono.just(new ObjectContent(s.info, Flux.just(ByteBuffer.wrap(s.bytes))));
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        Stored s = kept.get(key);
        return s == null ? Mono.error(StoreException.notFound("head", key)) : Mono.just(s.info);
    }

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return Flux.fromIterable(new java.util.TreeMap<>(kept).values()).map(Stored::info).filter(i -> i.key().startsWith(prefix));
    }

    @Override
    public Mono<Void> delete(String key) {
        kept.remove(key);
        return Mono.empty();
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        keys.forEach(kept::remove);
        return Mono.empty();
    }

    @Override
    public Capabilities capabilities() {
        return new Capabilities(true, false, true, 5L * 1024 * 1024, 10_000, true);
    }

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        AtomicLong total = new AtomicLong();
        return Mono.just(new MultipartUpload() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public Mono<PartInfo> uploadPart(int number, Payload part) {
                return consume(part.content()).map(c -> {
                    total.addAndGet(c.size);
                    return new PartInfo(number, "p" + number, c.size);
                });
            }

            @Override
            public Mono<ObjectInfo> complete(List<PartInfo> parts) {
                ObjectInfo info = new ObjectInfo(key, parts.stream().mapToLong(PartInfo::size).sum(), "e" + etags.incrementAndGet(), Instant.now());
                kept.put(key, new Stored(new byte[0], info));
                return Mono.just(info);
            }

            @Override
            public Mono<Void> abort() {
                return Mono.empty();
            }
        });
    }

    @Override
    public String describe() {
        return "discard://";
    }

    @Override
    public void close() {}

    static StoreException unsupported(String op) {
        return StoreException.permanent(ErrorCode.STORE_UNSUPPORTED, op, null, "not in a benchmark store", null);
    }

    static Mono<byte[]> join(Flux<ByteBuffer> body) {
        return Buffers.join(body);
    }
}

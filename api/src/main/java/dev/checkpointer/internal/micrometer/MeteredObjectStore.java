package dev.checkpointer.internal.micrometer;

import dev.checkpointer.micrometer.CheckpointerMeters;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;

/**
 * An {@link ObjectStore} that forwards to another and records, per store operation, every request (a timer tagged
 * with the outcome: {@code success}, the {@link dev.checkpointer.ErrorCode} of a failure, or {@code cancelled}),
 * the bytes successfully uploaded and the bytes read. Each subscription is one request, so retries by the engine
 * count as the requests they are. Names are in {@link CheckpointerMeters}.
 */
public final class MeteredObjectStore extends ForwardingObjectStore {
    private final MeterRegistry registry;
    private final Tags tags;

    /**
     * Wraps a store.
     *
     * @param delegate the store doing the work
     * @param registry where to record
     * @param store the store tag value, e.g. from {@link CheckpointerMeters#storeTag}
     * @param extraTags more common tags; keep them low-cardinality
     */
    public MeteredObjectStore(ObjectStore delegate, MeterRegistry registry, String store, Iterable<Tag> extraTags) {
        super(delegate);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(CheckpointerMeters.TAG_STORE, Objects.requireNonNull(store, "store")).and(extraTags);
    }

    /**
     * Wraps a store, tagging with its scheme.
     *
     * @param delegate the store doing the work
     * @param registry where to record
     */
    public MeteredObjectStore(ObjectStore delegate, MeterRegistry registry) {
        this(delegate, registry, CheckpointerMeters.storeTag(delegate), Tags.empty());
    }

    /**
     * The wrapped store.
     *
     * @return the delegate
     */
    @Override
    public ObjectStore delegate() {
        return super.delegate();
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return timed("put", delegate().put(key, payload, options)).doOnNext(info -> written("put", payload.length()));
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return timed("get", delegate().get(key, range))
                .map(c -> new ObjectContent(c.info(), c.body().doOnNext(b -> read("get", b.remaining()))));
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return timed("head", delegate().head(key));
    }

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return Flux.defer(() -> {
            long start = System.nanoTime();
            AtomicBoolean done = new AtomicBoolean();
            return delegate().list(prefix)
                    .doOnError(e -> { if (done.compareAndSet(false, true)) { record("list", start, outcome(e)); } })
                    .doOnComplete(() -> { if (done.compareAndSet(false, true)) { record("list", start, "success"); } })
                    .doOnCancel(() -> { if (done.compareAndSet(false, true)) { record("list", start, "cancelled"); } });
        });
    }

    @Override
    public Mono<Void> delete(String key) {
        return timed("delete", delegate().delete(key));
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return timed("deleteAll", delegate().deleteAll(keys));
    }

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return timed("startMultipart", delegate().startMultipart(key, options)).map(MeteredUpload::new);
    }

    private <T> Mono<T> timed(String operation, Mono<T> call) {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            AtomicBoolean done = new AtomicBoolean();
            return call.doFinally(signal -> {
                if (signal == SignalType.CANCEL && done.compareAndSet(false, true)) {
                    record(operation, start, "cancelled");
                }
            }).doOnSuccess(v -> {
                if (done.compareAndSet(false, true)) {
                    record(operation, start, "success");
                }
            }).doOnError(e -> {
                if (done.compareAndSet(false, true)) {
                    record(operation, start, outcome(e));
                }
            });
        });
    }

    private void record(String operation, long startNanos, String outcome) {
        Timer.builder(CheckpointerMeters.STORE_REQUESTS)
                .description("Store requests by operation and outcome")
                .tags(tags)
                .tag(CheckpointerMeters.TAG_OPERATION, operation)
                .tag(CheckpointerMeters.TAG_OUTCOME, outcome)
                .register(registry)
                .record(System.nanoTime() - startNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void written(String operation, long bytes) {
        Counter.builder(CheckpointerMeters.STORE_BYTES_WRITTEN).description("Bytes uploaded to the store by successful requests")
                .baseUnit("bytes").tags(tags).tag(CheckpointerMeters.TAG_OPERATION, operation).register(registry).increment(bytes);
    }

    private void read(String operation, long bytes) {
        Counter.builder(CheckpointerMeters.STORE_BYTES_READ).description("Bytes read from the store")
                .baseUnit("bytes").tags(tags).tag(CheckpointerMeters.TAG_OPERATION, operation).register(registry).increment(bytes);
    }

    private static String outcome(Throwable e) {
        return e instanceof CheckpointException ce ? ce.code().name() : "OTHER";
    }

    /** A multipart upload whose part uploads, completion and abort are metered. */
    private final class MeteredUpload implements MultipartUpload {
        private final MultipartUpload upload;

        MeteredUpload(MultipartUpload upload) {
            this.upload = upload;
        }

        @Override
        public String key() {
            return upload.key();
        }

        @Override
        public Mono<PartInfo> uploadPart(int number, Payload part) {
            return timed("uploadPart", upload.uploadPart(number, part)).doOnNext(info -> written("uploadPart", part.length()));
        }

        @Override
        public Mono<ObjectInfo> complete(List<PartInfo> parts) {
            return timed("completeMultipart", upload.complete(parts));
        }

        @Override
        public Mono<Void> abort() {
            return timed("abortMultipart", upload.abort());
        }
    }
}

package dev.checkpointer.internal;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.internal.payload.Payloads;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Uploads partitions: SHA-256 computed while the bytes stream, one request per partition (or per part for
 * multipart), each request holding one permit of the checkpointer-wide upload budget.
 */
final class Uploader {
    private static final Logger log = LoggerFactory.getLogger(Uploader.class);
    private static final int RUNNING = 0;
    private static final int LANDED = 1;
    private static final int CANCELLED = 2;

    private final StoreCalls calls;
    private final AsyncPermits permits;
    private final EngineConfig config;

    Uploader(StoreCalls calls, AsyncPermits permits, EngineConfig config) {
        this.calls = calls;
        this.permits = permits;
        this.config = config;
    }

    /** Whether a partition is small enough to travel in the manifest. */
    boolean isSmall(Payload payload) {
        return payload.length() < config.inlineThreshold();
    }

    /**
     * Uploads one large partition to its own object.
     *
     * @param uploaded receives each key written, so a failed save can remove them
     */
    Mono<PartitionEntry> upload(CheckpointId id, Snapshot.Partition p, String token, UploadLog uploaded) {
        String key = Layout.artifact(id, p.operator(), p.partition(), p.kind(), token);
        Payload payload = p.payload();
        boolean multipart = config.store().capabilities().multipart() && payload.length() >= config.multipartThreshold();
        Payload checked = Payload.of(() -> source(payload, p.operator() + "/" + p.partition()), payload.length());
        if (payload instanceof Payloads.BufferPayload) {
            checked = payload; // cannot fail, and keeps the fast in-memory path
        }
        Mono<Digested> result = multipart ? multipart(key, checked, uploaded) : single(key, checked, uploaded);
        return result.map(d -> PartitionEntry.stored(p.operator(), p.partition(), p.kind(), key, 0, d.size, d.sha256));
    }

    /** Reads a small partition into memory and hashes it. */
    Mono<Small> readSmall(Snapshot.Partition p) {
        return Mono.defer(() -> {
                    if (p.payload() instanceof Payloads.BufferPayload bp) {
                        return Mono.just(dev.checkpointer.spi.Buffers.toArray(bp.buffer()));
                    }
                    return dev.checkpointer.spi.Buffers.join(source(p.payload(), p.operator() + "/" + p.partition()));
                })
                .map(bytes -> {
                    if (bytes.length != p.payload().length()) {
                        throw lengthMismatch(p.operator() + "/" + p.partition(), p.payload().length(), bytes.length);
                    }
                    return new Small(p, bytes, Sha256.hex(bytes));
                });
    }

    /** Writes the sidecar holding packed small partitions, returning their entries. */
    Mono<List<PartitionEntry>> pack(CheckpointId id, List<Small> smalls, String token, UploadLog uploaded) {
        if (smalls.isEmpty()) {
            return Mono.just(List.of());
        }
        String key = Layout.sidecar(id, token);
        long total = smalls.stream().mapToLong(s -> s.bytes.length).sum();
        if (total > Integer.MAX_VALUE - 16) {
            return Mono.error(new InvalidInputException("small partitions add up to more than 2 GiB; raise inlineThreshold's counterpart or split the snapshot"));
        }
        byte[] all = new byte[(int) total];
        List<PartitionEntry> entries = new ArrayList<>(smalls.size());
        int off = 0;
        for (Small s : smalls) {
            System.arraycopy(s.bytes, 0, all, off, s.bytes.length);
            Snapshot.Partition p = s.partition;
            entries.add(PartitionEntry.stored(p.operator(), p.partition(), p.kind(), key, off, s.bytes.length, s.sha256));
            off += s.bytes.length;
        }
        String sha = Sha256.hex(all);
        return permits.withPermit(() -> landing(key, () -> calls.put(key, all.length, () -> Payload.of(all), PutOptions.none().withSha256(sha)), uploaded))
                .flatMap(info -> checkStored(key, info, total))
                .thenReturn(entries);
    }

    private Mono<Digested> single(String key, Payload payload, UploadLog uploaded) {
        if (payload instanceof Payloads.BufferPayload bp) {
            // In memory: hash once up front so the store can send the provider's SHA-256 checksum header.
            return Mono.fromCallable(() -> Sha256.hex(bp.buffer()))
                    .flatMap(sha -> permits.withPermit(() -> landing(key, () -> calls.put(key, payload.length(), () -> payload, PutOptions.none().withSha256(sha)), uploaded))
                            .flatMap(info -> checkStored(key, info, payload.length()))
                            .thenReturn(new Digested(sha, payload.length())));
        }
        AtomicReference<Digested> last = new AtomicReference<>();
        AtomicReference<InvalidInputException> lie = new AtomicReference<>();
        return permits.withPermit(() -> landing(key, () -> calls.put(key, payload.length(), () -> hashing(key, payload, last, lie), PutOptions.none()), uploaded))
                // The caller's payload broke its length: say so, however the store reported the aborted body.
                .onErrorMap(e -> lie.get() != null && e != lie.get(), e -> lie.get())
                .flatMap(info -> {
                    Digested d = last.get();
                    if (d == null) {
                        return Mono.error(new IllegalStateException("store '" + config.store().describe() + "' did not read the payload of " + key));
                    }
                    if (d.size != payload.length()) {
                        return Mono.error(lengthMismatch(key, payload.length(), d.size));
                    }
                    return checkStored(key, info, payload.length()).thenReturn(d);
                });
    }

    /**
     * Uploads parts as they are read, each part read only once an upload permit is held, so memory in flight is
     * bounded by {@code permits x partSize} however many partitions are saved at once. Each part is retried on its
     * own; the upload is aborted on error or cancellation.
     */
    private Mono<Digested> multipart(String key, Payload payload, UploadLog uploaded) {
        int partSize = (int) config.partSize();
        // An upload started after its save was cancelled is aborted as soon as it exists, or it would stay pending.
        return detached(() -> calls.<MultipartUpload>retried("startMultipart", key, 0, () -> config.store().startMultipart(key, PutOptions.none())),
                        upload -> { }, upload -> abort(upload).subscribe())
                .flatMap(upload -> {
                    MessageDigest md = Sha256.newDigest();
                    long[] count = {0};
                    PartReader reader = new PartReader(payload.content().doOnNext(b -> {
                        count[0] += b.remaining();
                        md.update(b.duplicate());
                    }), partSize);
                    int[] number = {0};
                    Mono<Optional<Part>> nextPart = permits.acquire().flatMap(permit -> Cancellation.beforeValue(reader.next()
                            .map(bytes -> Optional.of(new Part(++number[0], bytes, permit)))
                            .defaultIfEmpty(Optional.empty())
                            .doOnNext(p -> {
                                if (p.isEmpty()) {
                                    permit.release();
                                }
                            })
                            .doOnError(e -> permit.release()), permit::release));
                    return Cancellation.beforeValue(nextPart.repeat()
                            .takeWhile(Optional::isPresent)
                            .map(Optional::get)
                            .flatMap(part -> calls.retried("uploadPart", key, part.bytes.remaining(), () -> upload.uploadPart(part.number, Payload.of(part.bytes)))
                                    .doFinally(s -> part.permit.release()), config.maxConcurrentUploads(), 1)
                            .doOnDiscard(Part.class, part -> part.permit.release())
                            .collectList()
                            .flatMap(infos -> {
                                if (count[0] != payload.length()) {
                                    return Mono.error(lengthMismatch(key, payload.length(), count[0]));
                                }
                                infos.sort(Comparator.comparingInt(PartInfo::number));
                                // A retry after a lost response may find the upload already completed: the key
                                // is unique to this attempt, so an object of the right size there is ours (and
                                // its bytes are verified against the manifest on every read).
                                return landing(key, () -> calls.<ObjectInfo>retried("completeMultipart", key, 0, () -> upload.complete(infos))
                                        .onErrorResume(Context::isNotFound, e -> calls.head(key)
                                                .filter(info -> info.size() == payload.length())
                                                .onErrorResume(Context::isNotFound, absent -> Mono.<ObjectInfo>empty())
                                                .switchIfEmpty(Mono.error(e))), uploaded);
                            })
                            .flatMap(info -> checkStored(key, info, payload.length()))
                            .map(info -> new Digested(Sha256.hex(md), count[0]))
                            .onErrorResume(e -> abort(upload).then(Mono.error(e))), () -> abort(upload).subscribe())
                            .doFinally(s -> reader.cancel());
                });
    }

    /**
     * A write whose object must not outlive a cancelled save. Once sent, a request may still complete on the store
     * after the save is cancelled (nothing can take it back), so it runs to its end detached from cancellation: its key
     * is recorded for clean-up as soon as it lands (before the save goes on), and if the save was cancelled first,
     * the object is deleted then.
     */
    private Mono<ObjectInfo> landing(String key, Supplier<Mono<ObjectInfo>> write, UploadLog uploaded) {
        return detached(write, info -> uploaded.landed(key), info -> deleteLate(key));
    }

    /**
     * Runs a store request to its end even if the subscriber cancels, and undoes its effect when it lands after the
     * cancel (or was cancelled after landing but before the result was taken). Whichever of landing and cancelling
     * comes second runs {@code undo}, so the effect is undone exactly when the result was not handed over.
     *
     * @param request the request
     * @param landed runs first when the request succeeds, whatever happens to the subscriber
     * @param undo runs when the request succeeded but its subscriber cancelled
     */
    private static <T> Mono<T> detached(Supplier<Mono<T>> request, Consumer<T> landed, Consumer<T> undo) {
        return Mono.defer(() -> {
            AtomicInteger state = new AtomicInteger(RUNNING);
            AtomicReference<T> result = new AtomicReference<>();
            CompletableFuture<T> done = request.get().toFuture().whenComplete((value, error) -> {
                if (value != null) {
                    result.set(value);
                    landed.accept(value);
                    if (!state.compareAndSet(RUNNING, LANDED)) {
                        undo.accept(value);
                    }
                }
            });
            // Only a cancellation before the result was handed over undoes it (a disposed downstream may cancel a
            // source that already delivered).
            return Cancellation.beforeValue(Mono.fromFuture(done, true), () -> {
                if (!state.compareAndSet(RUNNING, CANCELLED) && state.get() == LANDED) {
                    undo.accept(result.get());
                }
            });
        });
    }

    private void deleteLate(String key) {
        calls.delete(key).subscribe(null, e -> log.warn("could not remove {}, written after its save was cancelled; prune() will: {}", key, e.toString()));
    }

    private Mono<Void> abort(MultipartUpload upload) {
        return upload.abort()
                .doOnError(e -> log.warn("could not abort multipart upload of {}: {}", upload.key(), e.toString()))
                .onErrorResume(e -> Mono.empty());
    }

    private Mono<ObjectInfo> checkStored(String key, ObjectInfo info, long expected) {
        if (info.size() != expected) {
            return Mono.error(new dev.checkpointer.IntegrityException(key, "size=" + expected, "size=" + info.size() + " reported by the store after upload"));
        }
        return Mono.just(info);
    }

    /**
     * The payload's bytes, hashed as the store reads them; a payload that produces more or fewer bytes than it
     * declared fails the body with an {@link InvalidInputException} (also left in {@code lie}) before the store can
     * mistake it for a failure of its own.
     */
    private static Payload hashing(String key, Payload payload, AtomicReference<Digested> last, AtomicReference<InvalidInputException> lie) {
        long declared = payload.length();
        return Payload.of(() -> Flux.defer(() -> {
            MessageDigest md = Sha256.newDigest();
            long[] count = {0};
            return payload.content()
                    .<ByteBuffer>handle((b, sink) -> {
                        count[0] += b.remaining();
                        if (count[0] > declared) {
                            InvalidInputException e = new InvalidInputException("payload of " + key + " declared " + declared
                                    + " bytes but produced more (at least " + count[0] + ")");
                            lie.set(e);
                            sink.error(e);
                            return;
                        }
                        md.update(b.duplicate());
                        sink.next(b);
                    })
                    .concatWith(Mono.defer(() -> {
                        if (count[0] < declared) {
                            InvalidInputException e = lengthMismatch(key, declared, count[0]);
                            lie.set(e);
                            return Mono.error(e);
                        }
                        last.set(new Digested(Sha256.hex(md), count[0]));
                        return Mono.empty();
                    }));
        }), declared);
    }

    /** The payload's bytes, with a failure of the caller's source reported as such (and never retried). */
    static Flux<ByteBuffer> source(Payload payload, String what) {
        return Flux.defer(payload::content).onErrorMap(e -> !(e instanceof dev.checkpointer.CheckpointException),
                e -> new InvalidInputException("the payload of partition " + what + " failed while being read: " + e, e));
    }

    static InvalidInputException lengthMismatch(String what, long declared, long actual) {
        return new InvalidInputException("payload of " + what + " declared " + declared + " bytes but produced " + actual);
    }

    /** Result of hashing an upload. */
    record Digested(String sha256, long size) {}

    /** A small partition read into memory. */
    record Small(Snapshot.Partition partition, byte[] bytes, String sha256) {}

    private record Part(int number, ByteBuffer bytes, AsyncPermits.Permit permit) {}

    /** Subscribes the upload of one partition on the parallel scheduler so that hashing uses every core. */
    static <T> Mono<T> onWorker(Mono<T> work) {
        return work.subscribeOn(Schedulers.parallel());
    }
}

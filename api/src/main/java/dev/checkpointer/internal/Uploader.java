package dev.checkpointer.internal;

import dev.checkpointer.internal.chunk.Chunker;
import dev.checkpointer.internal.chunk.ChunkSizes;
import dev.checkpointer.internal.chunk.ChunkCodec;
import dev.checkpointer.internal.chunk.Chunk;
import dev.checkpointer.Chunking;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.internal.payload.Payloads;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.VerifyingPayload;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Uploads partitions: SHA-256 computed while the bytes stream, one request per partition (or per part for
 * multipart), each request holding one permit of the checkpointer-wide upload budget.
 */
final class Uploader {
    private static final Logger log = LoggerFactory.getLogger(Uploader.class);
    private static final int RUNNING = 0;
    private static final int LANDED = 1;
    private static final int CANCELLED = 2;
    /** Chunks of one partition being stored at once (each also holds an upload permit while it is sent). */
    private static final int CHUNKS_IN_FLIGHT = 4;

    private final StoreCalls calls;
    private final AsyncPermits permits;
    private final EngineConfig config;
    private final CpuWork cpu;

    Uploader(StoreCalls calls, AsyncPermits permits, EngineConfig config, CpuWork cpu) {
        this.calls = calls;
        this.permits = permits;
        this.config = config;
        this.cpu = cpu;
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
        String what = "partition " + p.operator() + "/" + p.partition();
        Mono<Digested> result = multipart ? multipart(key, payload, what, uploaded) : single(key, payload, what, uploaded);
        return result.map(d -> PartitionEntry.stored(p.operator(), p.partition(), p.kind(), key, 0, d.size, d.sha256));
    }

    /** The chunker new chunks are cut with. */
    Chunker chunker() {
        return new Chunker(ChunkSizes.ofAverage(config.chunking().averageChunkSize()));
    }

    /** Whether a partition is cut into chunks (chunking is on and it is at least the threshold). */
    boolean isChunked(Payload payload) {
        Chunking c = config.chunking();
        return c.enabled() && payload.length() >= c.threshold() && !isSmall(payload);
    }

    /**
     * Uploads one partition as content-defined chunks: a chunk the index knows is referenced, not uploaded; a new one
     * is stored (compressed when configured) under {@code chunks/{id}/{sha256}.{token}}. Memory: the chunker's one
     * working array (none for bytes in an array: they are cut where they lie and each chunk is a view of them) plus
     * the chunks in flight ({@value #CHUNKS_IN_FLIGHT} per partition), each upload holding a permit.
     */
    Mono<PartitionEntry> uploadChunked(CheckpointId id, Snapshot.Partition p, String token, UploadLog uploaded, ChunkIndex index) {
        return Mono.defer(() -> {
            Chunking cfg = config.chunking();
            ChunkCodec codec = ChunkCodec.of(cfg.codec(), cfg.level());
            Chunker chunker = chunker();
            List<Chunker.Hint> hints = index.hints(p.operator(), p.partition());
            // A chunk a hint matched is the base's chunk: reused, so the chunker need not copy its bytes. Bytes the
            // caller holds in an array are cut where they lie (the chunks are views of it), a stream is copied in.
            Optional<Payloads.ArrayRange> whole = p.payload() instanceof Payloads.BufferPayload bp ? bp.array() : Optional.empty();
            Flux<Chunk> chunks = whole.map(a -> chunker.cutReusing(a.array(), a.from(), a.to(), hints))
                    .orElseGet(() -> chunker.cutReusing(VerifyingPayload.of(p.payload(), "partition " + p.operator() + "/" + p.partition()).content(), hints));
            return chunks
                    .flatMapSequential(chunk -> index.reusable(chunk.sha256(), chunk.length()).map(Mono::just)
                            .orElseGet(() -> index.once(chunk.sha256(), () -> putChunk(id, token, chunk, codec, uploaded))), CHUNKS_IN_FLIGHT, 1)
                    .onErrorMap(FirstFailure::of)
                    .collectList()
                    .map(refs -> PartitionEntry.chunked(p.operator(), p.partition(), p.kind(), refs.stream().mapToLong(ChunkRef::size).sum(),
                            ChunkRef.listDigest(refs), refs));
        });
    }

    private Mono<ChunkRef> putChunk(CheckpointId id, String token, Chunk chunk, ChunkCodec codec, UploadLog uploaded) {
        String key = ChunkRef.keyOf(id, chunk.sha256(), token);
        Mono<ByteBuffer> stored = codec == ChunkCodec.NONE ? Mono.just(chunk.data())
                : cpu.on(Mono.fromCallable(() -> chunk.encodeWith(codec)));
        return stored.flatMap(bytes -> {
            // The manifest's digest is of the chunk itself, checked on every read after decoding. The stored bytes are
            // covered on the way by a checksum too: the chunk's SHA-256 when stored as is, else the store's native
            // one (S3 CRC32C, GCS crc32c, Azure Content-MD5), which the store's client computes as it sends; a second
            // SHA-256 pass over the compressed bytes would cost a fifth of a compressed save for no reader's benefit.
            PutOptions options = codec == ChunkCodec.NONE ? PutOptions.none().withSha256(chunk.sha256()) : PutOptions.none();
            long n = bytes.remaining();
            return permits.withPermit(() -> landing(key, () -> calls.put(key, n, () -> Payload.of(bytes.duplicate()), options), uploaded))
                    .flatMap(info -> checkStored(key, info, n))
                    .thenReturn(new ChunkRef(chunk.sha256(), chunk.length(), codec.name(), n, id, token));
        });
    }

    /** Reads a small partition into memory and hashes it. */
    Mono<Small> readSmall(Snapshot.Partition p) {
        return Mono.defer(() -> {
                    if (p.payload() instanceof Payloads.BufferPayload bp) {
                        return Mono.just(Buffers.toArray(bp.buffer()));
                    }
                    return Buffers.join(VerifyingPayload.of(p.payload(), "partition " + p.operator() + "/" + p.partition()).content(), p.payload().length());
                })
                .map(bytes -> new Small(p, bytes, Sha256.hex(bytes)));
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

    private Mono<Digested> single(String key, Payload payload, String what, UploadLog uploaded) {
        if (payload instanceof Payloads.BufferPayload bp) {
            // In memory: hash once up front so the store can send the provider's SHA-256 checksum header.
            return Mono.fromCallable(() -> Sha256.hex(bp.buffer()))
                    .flatMap(sha -> permits.withPermit(() -> landing(key, () -> calls.put(key, payload.length(), () -> payload, PutOptions.none().withSha256(sha)), uploaded))
                            .flatMap(info -> checkStored(key, info, payload.length()))
                            .thenReturn(new Digested(sha, payload.length())));
        }
        // Counted and hashed as the store reads it; a fresh verifier per attempt, so that a failure is this attempt's.
        AtomicReference<VerifyingPayload> last = new AtomicReference<>();
        Supplier<Payload> attempt = () -> {
            VerifyingPayload v = VerifyingPayload.builder(payload, what).digest("SHA-256").build();
            last.set(v);
            return v;
        };
        return permits.withPermit(() -> landing(key, () -> calls.put(key, payload.length(), attempt, PutOptions.none()), uploaded))
                // The caller's payload failed or broke its length: say so, however the store reported the aborted body.
                .onErrorMap(e -> payloadFailure(last, e) != null, e -> payloadFailure(last, e))
                .flatMap(info -> {
                    VerifyingPayload.Pass d = Optional.ofNullable(last.get()).flatMap(VerifyingPayload::lastPass).orElse(null);
                    if (d == null) {
                        return Mono.error(new IllegalStateException("store '" + config.store().describe() + "' did not read the payload of " + key));
                    }
                    return checkStored(key, info, payload.length()).thenReturn(new Digested(d.hex("SHA-256"), d.count()));
                });
    }

    /**
     * Uploads parts as they are read, each part read only once an upload permit is held, so memory in flight is
     * bounded by {@code permits x partSize} however many partitions are saved at once. Each part is retried on its
     * own; the upload is aborted on error or cancellation.
     */
    private Mono<Digested> multipart(String key, Payload payload, String what, UploadLog uploaded) {
        int partSize = (int) config.partSize();
        // An upload started after its save was cancelled is aborted as soon as it exists, or it would stay pending.
        return detached(() -> calls.<MultipartUpload>retried("startMultipart", key, 0, () -> config.store().startMultipart(key, PutOptions.none())),
                        upload -> { }, upload -> abort(upload).subscribe())
                .flatMap(upload -> {
                    VerifyingPayload verified = VerifyingPayload.builder(payload, what).digest("SHA-256").build();
                    PartReader reader = new PartReader(verified.content(), partSize);
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
                                // The reader has ended, so the verifier has seen exactly the declared bytes.
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
                            .map(info -> {
                                VerifyingPayload.Pass pass = verified.lastPass().orElseThrow();
                                return new Digested(pass.hex("SHA-256"), pass.count());
                            })
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

    /** The error the caller's payload raised in the attempt that ended with {@code e}, if that was its cause. */
    private static @Nullable Throwable payloadFailure(AtomicReference<VerifyingPayload> last, Throwable e) {
        VerifyingPayload v = last.get();
        Throwable f = v == null ? null : v.failure().orElse(null);
        return f == null || f == e ? null : f;
    }

    /** Result of hashing an upload. */
    record Digested(String sha256, long size) {}

    /** A small partition read into memory. */
    record Small(Snapshot.Partition partition, byte[] bytes, String sha256) {}

    private record Part(int number, ByteBuffer bytes, AsyncPermits.Permit permit) {}
}

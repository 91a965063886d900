package dev.checkpointer.store.gcs.internal;

import com.google.api.gax.paging.Page;
import com.google.cloud.ReadChannel;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.BlobInfo;
import com.google.cloud.storage.BlobWriteSession;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.Storage.BlobListOption;
import com.google.cloud.storage.Storage.BlobTargetOption;
import com.google.cloud.storage.Storage.BlobWriteOption;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreFailures;
import dev.checkpointer.spi.KeyPrefix;
import dev.checkpointer.spi.StoreKeys;
import dev.checkpointer.spi.VerifyingPayload;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * An {@link ObjectStore} over the blocking google-cloud-storage client. Every client call runs on a bounded
 * scheduler owned by this store (never on the caller's thread) and the scheduler is disposed on {@link #close()}.
 *
 * <ul>
 *   <li>ETag = the object's generation (decimal). {@code IF_ABSENT} = {@code ifGenerationMatch=0};
 *       {@code ifMatch(etag)} = {@code ifGenerationMatch=etag} (a non-numeric ETag can match no object and fails
 *       with a precondition error without a request).</li>
 *   <li>Payloads up to the chunk size are buffered and sent in one request ({@code uploadType=multipart}) with their
 *       crc32c in the object resource, so the server refuses corrupted bytes (unless
 *       {@link GcsConfig#singleRequestUploads()} is off: then they take the resumable path too, in one chunk). Larger ones stream through a
 *       resumable upload session in chunks of the chunk size; the client sends the cumulative crc32c in
 *       {@code x-goog-hash} with the final chunk, and the store compares the crc32c of the stored object with the
 *       one it computed. A declared SHA-256 is verified by the store before the object is finalised (a mismatch
 *       finalises nothing) and recorded as the custom metadata {@code checkpointer-sha256}.</li>
 *   <li>A failed, cancelled or lying payload never finalises the upload: nothing becomes visible (an abandoned
 *       resumable session expires on the server after a week and holds no object).</li>
 *   <li>Reads are ranged and chunked: one ranged download pinned to the generation that the metadata request saw.</li>
 *   <li>Lists fetch one page per demand.</li>
 *   <li>{@code deleteAll} deletes per key, with at most {@code threads} in flight, and reports every failed key.</li>
 *   <li>No multipart SPI: the engine streams large payloads through one {@link #put}.</li>
 * </ul>
 */
public final class GcsObjectStore implements ObjectStore {
    private static final Logger LOG = LoggerFactory.getLogger(GcsObjectStore.class);

    /** Custom metadata holding the declared SHA-256 of an object's bytes. */
    public static final String SHA256_METADATA = "checkpointer-sha256";

    private static final Capabilities CAPABILITIES = new Capabilities(true, true, false, 1, 1, false);
    private static final int WRITE_PREFETCH = 2;
    private static final String CRC32C_NAME = "CRC32C";

    private final Storage storage;
    private final boolean ownsStorage;
    private final GcsConfig config;
    private final KeyPrefix rootKeys;
    private final Scheduler scheduler;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates the store.
     *
     * @param storage the client
     * @param ownsStorage whether {@link #close()} closes the client too
     * @param config bucket, prefix and tuning
     */
    public GcsObjectStore(Storage storage, boolean ownsStorage, GcsConfig config) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.ownsStorage = ownsStorage;
        this.config = Objects.requireNonNull(config, "config");
        this.rootKeys = KeyPrefix.of(config.prefix());
        this.scheduler = Schedulers.newBoundedElastic(config.threads(), 100_000, "checkpointer-gcs-" + config.bucket(), 60, true);
    }

    /**
     * The configuration.
     *
     * @return the configuration (no secrets in it)
     */
    public GcsConfig config() {
        return config;
    }

    // ============================================================================================ put

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(options, "options");
            if (closed.get()) {
                return Mono.error(GcsErrors.closed("put", key));
            }
            long expected = 0;
            if (options.condition() instanceof Condition.IfMatch m) {
                Long g = parseGeneration(m.etag());
                if (g == null) {
                    return Mono.error(StoreException.preconditionFailed("put", key, "ETag '" + m.etag() + "' is no GCS generation", null));
                }
                expected = g;
            }
            long generation = expected;
            long length = payload.length();
            Mono<ObjectInfo> upload = length <= config.chunkSize() && config.singleRequestUploads()
                    ? putInOneRequest(key, payload, options, generation)
                    : putResumable(key, payload, options, generation);
            return upload.onErrorMap(e -> map("put", key, e));
        });
    }

    private Mono<ObjectInfo> putInOneRequest(String key, Payload payload, PutOptions options, long generation) {
        long length = payload.length();
        return Mono.defer(() -> {
            VerifyingPayload verified = verifying(key, payload, options);
            return Buffers.join(verified.content(), length)
                    .publishOn(scheduler)
                    .map(bytes -> {
                        VerifyingPayload.Pass pass = verified.lastPass().orElseThrow();
                        BlobInfo info = blobInfo(key, options, pass.base64(CRC32C_NAME));
                        List<BlobTargetOption> opts = new ArrayList<>();
                        opts.add(BlobTargetOption.disableGzipContent());
                        condition(options.condition(), generation, BlobTargetOption::doesNotExist, BlobTargetOption::generationMatch, opts);
                        if (config.kmsKeyName() != null) {
                            opts.add(BlobTargetOption.kmsKeyName(config.kmsKeyName()));
                        }
                        Blob blob = storage.create(info, bytes, opts.toArray(BlobTargetOption[]::new));
                        return checkStored(key, blob, pass);
                    });
        });
    }

    /**
     * The payload through the shared verifier: counted, CRC32C-summed (sent to GCS, which refuses a mismatch) and,
     * when declared, checked against its SHA-256 before the stream completes, so nothing is finalised for refused
     * bytes.
     */
    private static VerifyingPayload verifying(String key, Payload payload, PutOptions options) {
        return VerifyingPayload.builder(payload, key)
                .copying() // the producer may reuse its buffer once onNext returns
                .checksum(CRC32C_NAME, CRC32C::new)
                .expectingSha256(options.sha256(), "put")
                .build();
    }

    private Mono<ObjectInfo> putResumable(String key, Payload payload, PutOptions options, long generation) {
        long length = payload.length();
        return Mono.usingWhen(
                Mono.fromCallable(() -> openUpload(key, payload, options, generation, length)).subscribeOn(scheduler),
                up -> up.verified.content()
                        .publishOn(scheduler, WRITE_PREFETCH)
                        .doOnNext(up::write)
                        .then(Mono.fromCallable(up::finish).subscribeOn(scheduler)),
                up -> Mono.empty(),
                (up, error) -> Mono.fromRunnable(up::abandon),
                up -> Mono.fromRunnable(up::abandon));
    }

    private Upload openUpload(String key, Payload payload, PutOptions options, long generation, long length) throws Exception {
        BlobInfo info = blobInfo(key, options, null);
        List<BlobWriteOption> opts = new ArrayList<>();
        opts.add(BlobWriteOption.disableGzipContent());
        opts.add(BlobWriteOption.expectedObjectSize(length));
        condition(options.condition(), generation, BlobWriteOption::doesNotExist, BlobWriteOption::generationMatch, opts);
        if (config.kmsKeyName() != null) {
            opts.add(BlobWriteOption.kmsKeyName(config.kmsKeyName()));
        }
        BlobWriteSession session = storage.blobWriteSession(info, opts.toArray(BlobWriteOption[]::new));
        return new Upload(key, verifying(key, payload, options), session, session.open());
    }

    private static <O> void condition(Condition condition, long generation, java.util.function.Supplier<O> absent,
            java.util.function.LongFunction<O> match, List<O> out) {
        if (condition instanceof Condition.IfAbsent) {
            out.add(absent.get());
        } else if (condition instanceof Condition.IfMatch) {
            out.add(match.apply(generation));
        }
    }

    private BlobInfo blobInfo(String key, PutOptions options, @Nullable String crc32c) {
        BlobInfo.Builder b = BlobInfo.newBuilder(BlobId.of(config.bucket(), fullName(key))).setContentType("application/octet-stream");
        if (crc32c != null) {
            b.setCrc32c(crc32c);
        }
        if (options.sha256() != null) {
            b.setMetadata(Map.of(SHA256_METADATA, options.sha256()));
        }
        return b.build();
    }

    private ObjectInfo checkStored(String key, @Nullable BlobInfo blob, VerifyingPayload.Pass sent) {
        if (blob == null) {
            throw StoreException.permanent(ErrorCode.STORE_FAILURE, "put", key, "the service returned no object", null);
        }
        String stored = blob.getCrc32c();
        String crc32c = sent.base64(CRC32C_NAME);
        if (stored != null && !stored.equals(crc32c)) {
            throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "put", key,
                    "the stored object's crc32c " + stored + " differs from the bytes sent (" + crc32c + ")", null);
        }
        ObjectInfo info = info(key, blob);
        // A service that echoes the resource without its size (google-cloud-nio's fake does) gets the size sent.
        return blob.getSize() == null ? new ObjectInfo(key, sent.count(), info.etag(), info.lastModified()) : info;
    }

    /** One resumable upload in flight. */
    private final class Upload {
        final String key;
        final VerifyingPayload verified;
        final BlobWriteSession session;
        final WritableByteChannel channel;
        long written;

        Upload(String key, VerifyingPayload verified, BlobWriteSession session, WritableByteChannel channel) {
            this.key = key;
            this.verified = verified;
            this.session = session;
            this.channel = channel;
        }

        void write(ByteBuffer b) {
            try {
                while (b.hasRemaining()) {
                    written += channel.write(b);
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** Runs after the verifier accepted every byte (length and declared SHA-256). */
        ObjectInfo finish() throws Exception {
            VerifyingPayload.Pass sent = verified.lastPass().orElseThrow();
            channel.close(); // finalises the object under the upload's preconditions
            BlobInfo result;
            try {
                result = session.getResult().get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception c ? c : e;
            }
            return checkStored(key, result, sent);
        }

        void abandon() {
            // Never close the channel here: closing would finalise a partial object. The server drops an
            // unfinalised resumable session on its own; no object becomes visible.
            LOG.debug("abandoned resumable upload of '{}' after {} bytes", key, written);
        }
    }

    private static @Nullable Long parseGeneration(String etag) {
        try {
            long g = Long.parseLong(etag);
            return g > 0 ? g : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ============================================================================================ reads

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            Objects.requireNonNull(range, "range");
            if (closed.get()) {
                return Mono.error(GcsErrors.closed("get", key));
            }
            return metadata("get", key).map(blob -> {
                ObjectInfo info = info(key, blob);
                long n = range.lengthWithin(info.size());
                Flux<ByteBuffer> body = n == 0 ? Flux.empty() : body(key, blob.getGeneration(), range.offset(), n);
                return new ObjectContent(info, body);
            });
        });
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            if (closed.get()) {
                return Mono.error(GcsErrors.closed("head", key));
            }
            return metadata("head", key).map(blob -> info(key, blob));
        });
    }

    private Mono<Blob> metadata(String op, String key) {
        return Mono.fromCallable(() -> storage.get(BlobId.of(config.bucket(), fullName(key))))
                .subscribeOn(scheduler)
                .switchIfEmpty(Mono.error(() -> StoreException.notFound(op, key)))
                .onErrorMap(e -> map(op, key, e));
    }

    private Flux<ByteBuffer> body(String key, @Nullable Long generation, long offset, long length) {
        return Flux.<ByteBuffer, RangeReader>generate(
                        () -> new RangeReader(key, generation, offset, length),
                        (reader, sink) -> {
                            try {
                                ByteBuffer next = reader.next();
                                if (next == null) {
                                    sink.complete();
                                } else {
                                    sink.next(next);
                                }
                            } catch (Exception e) {
                                sink.error(replacedOrMapped(key, generation, map("get", key, e)));
                            }
                            return reader;
                        },
                        RangeReader::close)
                .subscribeOn(scheduler)
                .onErrorMap(e -> replacedOrMapped(key, generation, map("get", key, e)));
    }

    /**
     * The body is read pinned to the generation the metadata named, so that one get never mixes two versions. A
     * not-found from that read means the object was replaced (or deleted) after its metadata was read: the object
     * may well exist, so this is a transient conflict that a retried get resolves, never "not found".
     */
    private static Throwable replacedOrMapped(String key, @Nullable Long generation, Throwable mapped) {
        if (generation != null && mapped instanceof StoreException se && se.isNotFound()) {
            return StoreException.transientFailure("get", key, "generation " + generation + " of the object was replaced while it was read;"
                    + " read it again", mapped);
        }
        return mapped;
    }

    /** Reads one range of one generation, a buffer at a time, on the store's scheduler. */
    private final class RangeReader {
        final String key;
        final ReadChannel channel;
        long remaining;

        RangeReader(String key, @Nullable Long generation, long offset, long length) throws Exception {
            this.key = key;
            this.remaining = length;
            this.channel = storage.reader(generation == null
                    ? BlobId.of(config.bucket(), fullName(key))
                    : BlobId.of(config.bucket(), fullName(key), generation));
            channel.setChunkSize(0); // no extra buffer in the client: one ranged GET, streamed
            channel.seek(offset);
            channel.limit(offset + length);
        }

        @Nullable ByteBuffer next() throws Exception {
            if (remaining <= 0) {
                return null;
            }
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(config.readChunkSize(), remaining));
            while (buf.hasRemaining()) {
                int n = channel.read(buf);
                if (n < 0) {
                    break;
                }
            }
            buf.flip();
            if (!buf.hasRemaining()) {
                throw StoreException.transientFailure("get", key, "the object ended " + remaining + " bytes early (was it replaced?)", null);
            }
            remaining -= buf.remaining();
            return buf;
        }

        void close() {
            try {
                channel.close();
            } catch (RuntimeException e) {
                LOG.debug("closing the reader of '{}' failed", key, e);
            }
        }
    }

    // ============================================================================================ list

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return Flux.defer(() -> {
            StoreKeys.validatePrefix(prefix);
            if (closed.get()) {
                return Flux.error(GcsErrors.closed("list", null));
            }
            String full = config.prefix().isEmpty() ? prefix : config.prefix() + "/" + prefix;
            List<BlobListOption> opts = new ArrayList<>();
            if (!full.isEmpty()) {
                opts.add(BlobListOption.prefix(full));
            }
            if (config.listPageSize() > 0) {
                opts.add(BlobListOption.pageSize(config.listPageSize()));
            }
            BlobListOption[] listOptions = opts.toArray(BlobListOption[]::new);
            return Flux.<List<ObjectInfo>, Cursor>generate(Cursor::new, (cursor, sink) -> {
                        if (cursor.done) {
                            sink.complete();
                            return cursor;
                        }
                        try {
                            Page<Blob> page = cursor.page == null ? storage.list(config.bucket(), listOptions)
                                    : cursor.page.hasNextPage() ? cursor.page.getNextPage() : null;
                            if (page == null) {
                                sink.complete();
                                return cursor;
                            }
                            cursor.page = page;
                            List<ObjectInfo> infos = new ArrayList<>();
                            for (Blob blob : page.getValues()) {
                                String name = blob.getName();
                                if (name.startsWith(full) && !name.endsWith("/") && (config.prefix().isEmpty() || name.startsWith(config.prefix() + "/"))) {
                                    infos.add(info(relative(name), blob));
                                }
                            }
                            sink.next(infos);
                            if (!page.hasNextPage()) {
                                cursor.page = null;
                                cursor.done = true;
                            }
                        } catch (Exception e) {
                            sink.error(map("list", prefix, e));
                        }
                        return cursor;
                    })
                    .subscribeOn(scheduler)
                    .onErrorMap(e -> map("list", prefix.isEmpty() ? null : prefix, e))
                    .concatMapIterable(l -> l, 1);
        });
    }

    /** Position in a paginated listing. */
    private static final class Cursor {
        @Nullable Page<Blob> page;
        boolean done;
    }

    // ============================================================================================ delete

    @Override
    public Mono<Void> delete(String key) {
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            if (closed.get()) {
                return Mono.error(GcsErrors.closed("delete", key));
            }
            return deleteOne(key);
        });
    }

    private Mono<Void> deleteOne(String key) {
        return Mono.fromCallable(() -> storage.delete(BlobId.of(config.bucket(), fullName(key))))
                .subscribeOn(scheduler)
                .onErrorMap(e -> map("delete", key, e))
                .onErrorResume(e -> e instanceof StoreException se && se.isNotFound() ? Mono.empty() : Mono.error(e))
                .then();
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return Mono.defer(() -> {
            Objects.requireNonNull(keys, "keys");
            for (String k : keys) {
                StoreKeys.validate(k);
            }
            if (closed.get()) {
                return Mono.error(GcsErrors.closed("deleteAll", null));
            }
            return Flux.fromIterable(new LinkedHashSet<>(keys))
                    .flatMap(k -> deleteOne(k).then(Mono.<Failed>empty()).onErrorResume(e -> Mono.just(new Failed(k, e))), config.threads())
                    .collectList()
                    .flatMap(failed -> failed.isEmpty() ? Mono.<Void>empty() : Mono.error(partialFailure(keys.size(), failed)));
        });
    }

    private record Failed(String key, Throwable error) {}

    private static StoreException partialFailure(int total, List<Failed> failed) {
        ErrorCode code = ErrorCode.STORE_TRANSIENT;
        boolean allThrottled = true;
        for (Failed f : failed) {
            ErrorCode c = f.error() instanceof CheckpointException ce ? ce.code() : ErrorCode.STORE_FAILURE;
            if (c != ErrorCode.STORE_THROTTLED) {
                allThrottled = false;
            }
            if (c != ErrorCode.STORE_TRANSIENT && c != ErrorCode.STORE_THROTTLED) {
                code = c == ErrorCode.CLOSED ? ErrorCode.STORE_FAILURE : c;
                break;
            }
        }
        if (allThrottled) {
            code = ErrorCode.STORE_THROTTLED;
        }
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < failed.size() && i < 20; i++) {
            Failed f = failed.get(i);
            names.append(i == 0 ? "" : ", ").append(f.key()).append(" (")
                    .append(f.error() instanceof CheckpointException ce ? ce.code() : f.error().getClass().getSimpleName()).append(')');
        }
        if (failed.size() > 20) {
            names.append(", …");
        }
        StoreException e = new StoreException(code, "deleteAll", null,
                failed.size() + " of " + total + " keys could not be deleted: " + names, failed.get(0).error());
        for (int i = 1; i < failed.size(); i++) {
            e.addSuppressed(failed.get(i).error());
        }
        return e;
    }

    // ============================================================================================ misc

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String describe() {
        return "gs://" + config.bucket() + (config.prefix().isEmpty() ? "" : "/" + config.prefix());
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            scheduler.dispose(); // not disposeGracefully: that would hold JVM exit for its grace period
            if (ownsStorage) {
                try {
                    storage.close();
                } catch (Exception e) {
                    LOG.debug("closing the GCS client of {} failed", describe(), e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "GcsObjectStore[" + describe() + "]";
    }

    private String fullName(String key) {
        return rootKeys.join(key);
    }

    private String relative(String name) {
        return rootKeys.strip(name);
    }

    private ObjectInfo info(String key, BlobInfo blob) {
        Long generation = blob.getGeneration();
        Long size = blob.getSize();
        OffsetDateTime t = blob.getUpdateTimeOffsetDateTime();
        if (t == null) {
            t = blob.getCreateTimeOffsetDateTime();
        }
        Instant modified = t == null ? Instant.EPOCH : t.toInstant();
        return new ObjectInfo(key, size == null ? 0 : size, generation == null ? "0" : Long.toString(generation), modified);
    }

    /**
     * Maps a failure ({@link GcsErrors#map}), first naming the bucket and the remedy when the bucket does not exist,
     * the host and the remedy for a TLS failure (permanent), and the host and cause when the service cannot be reached.
     */
    private CheckpointException map(String operation, @Nullable String key, Throwable error) {
        CheckpointException mapped = GcsErrors.map(operation, key, error);
        if (error instanceof CheckpointException) {
            return mapped;
        }
        if (mapped.code() == ErrorCode.STORE_NOT_FOUND && GcsErrors.isMissingBucket(error)) {
            return StoreException.bucketNotFound(operation, key, "GCS bucket", config.bucket(), error);
        }
        StoreException tls = StoreFailures.tlsFailure(operation, key, host(), error); // permanent: a configuration error
        if (tls != null) {
            return tls;
        }
        StoreException unreachable = StoreFailures.unreachable(operation, key, host(), error);
        return unreachable != null ? unreachable : mapped;
    }

    /** The host the client talks to: the endpoint override's, else {@code storage.googleapis.com}. */
    private String host() {
        String endpoint = config.endpoint();
        if (endpoint == null) {
            return "storage.googleapis.com";
        }
        java.net.URI uri = java.net.URI.create(endpoint);
        return uri.getHost() == null ? endpoint : uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    }
}

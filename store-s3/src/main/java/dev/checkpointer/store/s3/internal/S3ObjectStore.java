package dev.checkpointer.store.s3.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreFailures;
import dev.checkpointer.spi.KeyPrefix;
import dev.checkpointer.spi.StoreKeys;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Error;
import software.amazon.awssdk.utils.DateUtils;

/**
 * The S3 store over an {@link S3AsyncClient}. Every method is cold and non-blocking: each subscription makes one
 * request (two for a range that starts at or past the end, which S3 answers with 416 and a HEAD then describes),
 * and nothing waits on a future. Failures are mapped by {@link S3Errors}; nothing is retried here.
 */
public final class S3ObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(S3ObjectStore.class);

    /** S3's limit on parts per multipart upload. */
    static final int MAX_PARTS = 10_000;
    /** S3's limit on keys per DeleteObjects request. */
    static final int DELETE_BATCH = 1000;
    private static final int DELETE_CONCURRENCY = 4;
    private static final int ABORT_CONCURRENCY = 4;
    private static final int MAX_KEYS_IN_MESSAGE = 20;

    private final S3AsyncClient client;
    private final boolean ownsClient;
    private final String bucket;
    private final String prefix;
    private final KeyPrefix keys;
    private final Sse sse;
    private final Duration readTimeout;
    private final String clientDescription;
    private final AutoCloseable resources;
    private final Capabilities capabilities;
    private final AtomicBoolean closed = new AtomicBoolean();

    private S3ObjectStore(S3AsyncClient client, boolean ownsClient, String bucket, String prefix, long partSize, Duration readTimeout,
            Sse sse, String clientDescription, AutoCloseable resources) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.bucket = bucket;
        this.prefix = prefix;
        this.keys = KeyPrefix.of(prefix);
        this.sse = sse;
        this.readTimeout = readTimeout;
        this.clientDescription = clientDescription;
        this.resources = resources;
        this.capabilities = new Capabilities(true, true, true, partSize, MAX_PARTS, true);
    }

    /**
     * Creates a store.
     *
     * @param client the client
     * @param ownsClient whether {@link #close()} closes {@code resources} (false for a caller's client)
     * @param bucket the bucket
     * @param prefix the key prefix, without leading or trailing {@code /}
     * @param partSize the smallest multipart part
     * @param readTimeout longest wait for the next bytes of a body the reader asked for
     * @param sse server-side encryption settings
     * @param clientDescription for {@link #toString()}; no secrets
     * @param resources closes the client and what was built for it
     * @return the store
     */
    public static S3ObjectStore create(S3AsyncClient client, boolean ownsClient, String bucket, String prefix, long partSize,
            Duration readTimeout, Sse sse, String clientDescription, AutoCloseable resources) {
        return new S3ObjectStore(Objects.requireNonNull(client, "client"), ownsClient, bucket, prefix, partSize, readTimeout, sse,
                clientDescription, resources);
    }

    /**
     * The bucket this store writes to.
     *
     * @return the bucket name
     */
    public String bucket() {
        return bucket;
    }

    /**
     * The key prefix inside the bucket, without leading or trailing {@code /}.
     *
     * @return the prefix; empty for the bucket's root
     */
    public String prefix() {
        return prefix;
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    // ============================================================================================ put

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return Mono.defer(() -> {
            checkOpen();
            StoreKeys.validate(key);
            Objects.requireNonNull(payload, "payload");
            PutObjectRequest.Builder b = PutObjectRequest.builder().bucket(bucket).key(full(key)).contentLength(payload.length());
            String sha = options.sha256();
            if (sha != null) {
                // The engine's SHA-256, sent as x-amz-checksum-sha256: S3 refuses the object if the bytes differ.
                b.checksumSHA256(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha)));
            } else {
                // Otherwise the SDK computes CRC32C while streaming and sends it as a trailer, with the same effect.
                b.checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
            }
            Condition condition = options.condition();
            if (condition instanceof Condition.IfAbsent) {
                b.ifNoneMatch("*");
            } else if (condition instanceof Condition.IfMatch m) {
                b.ifMatch(m.etag());
            }
            sse.apply(b);
            S3Errors.Kind kind = condition instanceof Condition.IfMatch ? S3Errors.Kind.WRITE_IF_MATCH : S3Errors.Kind.WRITE;
            PayloadBody body = new PayloadBody(payload, key);
            PutObjectRequest request = b.build();
            return call(() -> client.putObject(request, body))
                    .map(r -> new ObjectInfo(key, payload.length(), etag(r.eTag()), date(r.sdkHttpResponse())))
                    .onErrorMap(e -> failed("put", key, body, e, kind));
        });
    }

    // ============================================================================================ get / head

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return Mono.defer(() -> {
            checkOpen();
            StoreKeys.validate(key);
            Objects.requireNonNull(range, "range");
            if (range.length() == 0) {
                return head(key).map(info -> new ObjectContent(info, Flux.empty()));
            }
            GetObjectRequest.Builder b = GetObjectRequest.builder().bucket(bucket).key(full(key));
            if (range.isAll()) {
                // Whole objects: the SDK checks the bytes against the checksum S3 stored (not for multipart objects,
                // whose checksum is of the parts). The engine verifies its SHA-256 either way.
                b.checksumMode(ChecksumMode.ENABLED);
            } else {
                // Ranges: no checksum covers just the range, so none is asked for.
                b.range("bytes=" + range.offset() + "-" + (range.length() < 0 ? "" : String.valueOf(range.offset() + range.length() - 1)));
            }
            sse.apply(b);
            GetObjectRequest request = b.build();
            return call(() -> client.getObject(request, AsyncResponseTransformer.toPublisher()))
                    .map(publisher -> {
                        GetObjectResponse r = publisher.response();
                        ObjectInfo info = new ObjectInfo(key, totalSize(r), etag(r.eTag()), instant(r.lastModified(), r.sdkHttpResponse()));
                        long expected = r.contentLength() == null ? -1 : r.contentLength();
                        Flux<ByteBuffer> body = BodyGuard.guard(Flux.from(publisher), expected, readTimeout, key)
                                .onErrorMap(e -> map("get", key, e, S3Errors.Kind.READ));
                        return new ObjectContent(info, body);
                    })
                    // S3 answers 416 to a range that starts at or past the end (also of an empty object): that range
                    // is empty, and a HEAD says what the object is.
                    .onErrorResume(e -> S3Errors.status(e) == 416, e -> head(key).flatMap(info -> info.size() <= range.offset()
                            ? Mono.just(new ObjectContent(info, Flux.empty()))
                            : Mono.error(StoreException.transientFailure("get", key, "the object changed while it was read (416 for "
                                    + range + ", but it now has " + info.size() + " bytes)", e))))
                    .onErrorMap(e -> map("get", key, e, S3Errors.Kind.READ));
        });
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> {
            checkOpen();
            StoreKeys.validate(key);
            HeadObjectRequest.Builder b = HeadObjectRequest.builder().bucket(bucket).key(full(key));
            sse.apply(b);
            HeadObjectRequest request = b.build();
            return call(() -> client.headObject(request))
                    .map(r -> new ObjectInfo(key, r.contentLength() == null ? 0 : r.contentLength(), etag(r.eTag()),
                            instant(r.lastModified(), r.sdkHttpResponse())))
                    .onErrorMap(e -> map("head", key, e, S3Errors.Kind.READ));
        });
    }

    // ============================================================================================ list

    @Override
    public Flux<ObjectInfo> list(String listPrefix) {
        return Flux.defer(() -> {
            checkOpen();
            StoreKeys.validatePrefix(listPrefix);
            String fullPrefix = fullPrefix(listPrefix);
            ListObjectsV2Request.Builder b = ListObjectsV2Request.builder().bucket(bucket);
            if (!fullPrefix.isEmpty()) {
                b.prefix(fullPrefix);
            }
            ListObjectsV2Request request = b.build();
            return Flux.from(client.listObjectsV2Paginator(request).contents())
                    .map(o -> new ObjectInfo(relative(o.key()), o.size() == null ? 0 : o.size(), etag(o.eTag()),
                            o.lastModified() == null ? Instant.EPOCH : o.lastModified()))
                    .onErrorMap(e -> map("list '" + listPrefix + "'", null, e, S3Errors.Kind.READ));
        });
    }

    // ============================================================================================ delete

    @Override
    public Mono<Void> delete(String key) {
        return Mono.defer(() -> {
            checkOpen();
            StoreKeys.validate(key);
            DeleteObjectRequest request = DeleteObjectRequest.builder().bucket(bucket).key(full(key)).build();
            return call(() -> client.deleteObject(request))
                    .then()
                    // S3 answers 204 for a missing key; some S3-compatible stores answer 404 NoSuchKey.
                    .onErrorResume(e -> S3Errors.status(e) == 404 && !"NoSuchBucket".equals(S3Errors.errorCode(e)), e -> Mono.empty())
                    .onErrorMap(e -> map("delete", key, e, S3Errors.Kind.READ));
        });
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return Mono.defer(() -> {
            checkOpen();
            Objects.requireNonNull(keys, "keys");
            keys.forEach(StoreKeys::validate); // all of them before deleting any
            List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
            if (distinct.isEmpty()) {
                return Mono.empty();
            }
            List<List<String>> batches = new ArrayList<>();
            for (int i = 0; i < distinct.size(); i += DELETE_BATCH) {
                batches.add(distinct.subList(i, Math.min(distinct.size(), i + DELETE_BATCH)));
            }
            return Flux.fromIterable(batches)
                    .flatMap(this::deleteBatch, DELETE_CONCURRENCY)
                    .collectList()
                    .flatMap(failed -> failed.isEmpty() ? Mono.<Void>empty() : Mono.error(partialDelete(failed, distinct.size())));
        });
    }

    private Flux<S3Error> deleteBatch(List<String> batch) {
        DeleteObjectsRequest request = DeleteObjectsRequest.builder()
                .bucket(bucket)
                .delete(Delete.builder()
                        .quiet(true)
                        .objects(batch.stream().map(k -> ObjectIdentifier.builder().key(full(k)).build()).toList())
                        .build())
                .build();
        return call(() -> client.deleteObjects(request))
                .onErrorMap(e -> map("deleteAll", batch.size() == 1 ? batch.get(0) : null, e, S3Errors.Kind.READ))
                .flatMapIterable(DeleteObjectsResponse::errors)
                .filter(err -> !"NoSuchKey".equals(err.code()));
    }

    private StoreException partialDelete(List<S3Error> failed, int total) {
        Set<String> codes = failed.stream().map(e -> String.valueOf(e.code())).collect(Collectors.toSet());
        String listed = failed.stream()
                .limit(MAX_KEYS_IN_MESSAGE)
                .map(e -> "'" + relativeOrFull(e.key()) + "' (" + e.code() + (e.message() == null ? "" : ": " + e.message()) + ")")
                .collect(Collectors.joining(", "));
        String message = "S3 could not delete " + failed.size() + " of " + total + " keys: " + listed
                + (failed.size() > MAX_KEYS_IN_MESSAGE ? " and " + (failed.size() - MAX_KEYS_IN_MESSAGE) + " more" : "");
        boolean allTransient = codes.stream().allMatch(c -> Set.of("InternalError", "ServiceUnavailable", "SlowDown", "OperationAborted").contains(c));
        if (allTransient) {
            return codes.contains("SlowDown")
                    ? StoreException.throttled("deleteAll", null, message, null)
                    : StoreException.transientFailure("deleteAll", null, message, null);
        }
        if (codes.contains("AccessDenied")) {
            return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, "deleteAll", null, message, null);
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, "deleteAll", null, message, null);
    }

    // ============================================================================================ multipart

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return Mono.defer(() -> {
            checkOpen();
            StoreKeys.validate(key);
            Objects.requireNonNull(options, "options");
            // Per-part CRC32C (computed by the SDK while each part streams, verified by S3, and listed again at
            // completion). A whole-object SHA-256 has no multipart equivalent in S3, so options.sha256() is not sent:
            // the engine verifies the SHA-256 on every read.
            CreateMultipartUploadRequest.Builder b = CreateMultipartUploadRequest.builder().bucket(bucket).key(full(key))
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
            sse.apply(b);
            CreateMultipartUploadRequest request = b.build();
            return call(() -> client.createMultipartUpload(request))
                    .<MultipartUpload>map(r -> new S3Multipart(this, key, r.uploadId(), options.condition()))
                    .onErrorMap(e -> map("startMultipart", key, e, S3Errors.Kind.WRITE));
        });
    }

    @Override
    public Flux<String> cleanupIncomplete(String cleanupPrefix, Instant olderThan) {
        return Flux.defer(() -> {
            checkOpen();
            StoreKeys.validatePrefix(cleanupPrefix);
            Objects.requireNonNull(olderThan, "olderThan");
            String fullPrefix = fullPrefix(cleanupPrefix);
            ListMultipartUploadsRequest.Builder b = ListMultipartUploadsRequest.builder().bucket(bucket);
            if (!fullPrefix.isEmpty()) {
                b.prefix(fullPrefix);
            }
            ListMultipartUploadsRequest request = b.build();
            return Flux.from(client.listMultipartUploadsPaginator(request).uploads())
                    .onErrorMap(e -> map("cleanupIncomplete '" + cleanupPrefix + "'", null, e, S3Errors.Kind.READ))
                    .filter(u -> u.key() != null && u.key().startsWith(fullPrefix) && u.initiated() != null && u.initiated().isBefore(olderThan))
                    .flatMapSequential(u -> abort(relative(u.key()), u.uploadId())
                            .thenReturn("aborted incomplete multipart upload of '" + relative(u.key()) + "' started " + u.initiated()), ABORT_CONCURRENCY);
        });
    }

    Mono<Void> abort(String key, String uploadId) {
        return call(() -> client.abortMultipartUpload(r -> r.bucket(bucket).key(full(key)).uploadId(uploadId)))
                .then()
                .onErrorResume(e -> S3Errors.status(e) == 404 && !"NoSuchBucket".equals(S3Errors.errorCode(e)), e -> Mono.empty()) // already gone
                .onErrorMap(e -> map("abortMultipart", key, e, S3Errors.Kind.WRITE));
    }

    // ============================================================================================ plumbing

    S3AsyncClient client() {
        return client;
    }

    Sse sse() {
        return sse;
    }

    String full(String key) {
        return keys.join(key);
    }

    private String fullPrefix(String listPrefix) {
        return keys.join(listPrefix);
    }

    private String relative(String fullKey) {
        return keys.strip(fullKey);
    }

    private String relativeOrFull(@Nullable String fullKey) {
        return fullKey == null ? "?" : keys.stripIfBelow(fullKey);
    }

    void checkOpen() {
        if (closed.get()) {
            throw new CheckpointException(ErrorCode.CLOSED, "the S3 store " + describe() + " is closed");
        }
    }

    /** A lazy, cancellable SDK call: cancelling the subscription cancels the future, which aborts the request. */
    static <T> Mono<T> call(Supplier<CompletableFuture<T>> request) {
        return Mono.fromFuture(request);
    }

    Throwable failed(String operation, String key, PayloadBody body, Throwable e, S3Errors.Kind kind) {
        return body.failure().<Throwable>map(f -> S3Errors.payloadFailed(key, f)).orElseGet(() -> map(operation, key, e, kind));
    }

    /**
     * Maps an SDK failure ({@link S3Errors#map}), first naming the bucket and the remedy for NoSuchBucket, the host and
     * the remedy for a TLS failure (permanent), and the host and cause for a failure to connect.
     */
    CheckpointException map(String operation, @Nullable String key, Throwable error, S3Errors.Kind kind) {
        Throwable e = S3Errors.unwrap(error);
        if ("NoSuchBucket".equals(S3Errors.errorCode(e))) {
            return StoreException.bucketNotFound(operation, key, "S3 bucket", bucket, e);
        }
        if (!(e instanceof CheckpointException) && !(e instanceof software.amazon.awssdk.core.exception.SdkServiceException)
                && StoreFailures.tlsCause(e) != null) {
            // a certificate or handshake failure is a configuration error: permanent, never retried to the deadline
            return java.util.Objects.requireNonNull(StoreFailures.tlsFailure(operation, key, host(), e));
        }
        if (!(e instanceof CheckpointException) && !(e instanceof software.amazon.awssdk.core.exception.SdkServiceException)
                && StoreFailures.connectFailure(e) != null) {
            // host() only for a connection failure: it asks the client for its configuration.
            return java.util.Objects.requireNonNull(StoreFailures.unreachable(operation, key, host(), e));
        }
        return S3Errors.map(operation, key, e, kind);
    }

    /** The host requests go to: the endpoint override's, else S3's regional endpoint (virtual-hosted bucket aside). */
    private String host() {
        var config = client.serviceClientConfiguration();
        java.net.URI endpoint = config.endpointOverride().orElse(null);
        if (endpoint != null) {
            return endpoint.getHost() + (endpoint.getPort() > 0 ? ":" + endpoint.getPort() : "");
        }
        return "s3." + (config.region() == null ? "" : config.region().id() + ".") + "amazonaws.com";
    }

    /** ETags as S3 sends them in headers: quoted. Listings and some S3-compatible stores differ, so normalise. */
    static String etag(@Nullable String raw) {
        if (raw == null || raw.isEmpty()) {
            return "\"\"";
        }
        String t = raw.trim();
        if (t.startsWith("W/")) {
            t = t.substring(2);
        }
        return t.startsWith("\"") ? t : "\"" + t + "\"";
    }

    /** The server's time of a response (its Date header), for writes whose response carries no Last-Modified. */
    static Instant date(SdkHttpResponse response) {
        return response.firstMatchingHeader("Date").map(d -> {
            try {
                return DateUtils.parseRfc1123Date(d);
            } catch (RuntimeException e) {
                return null;
            }
        }).orElseGet(Instant::now);
    }

    private static Instant instant(@Nullable Instant lastModified, SdkHttpResponse response) {
        return lastModified != null ? lastModified : date(response);
    }

    /** The whole object's size: from {@code Content-Range: bytes a-b/total} for a ranged read, else the length. */
    private static long totalSize(GetObjectResponse r) {
        String range = r.contentRange();
        if (range != null) {
            int slash = range.lastIndexOf('/');
            if (slash >= 0 && slash < range.length() - 1 && !range.endsWith("*")) {
                try {
                    return Long.parseLong(range.substring(slash + 1).trim());
                } catch (NumberFormatException ignored) {
                    // fall through to the length
                }
            }
        }
        return r.contentLength() == null ? 0 : r.contentLength();
    }

    @Override
    public String describe() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsClient) {
            try {
                resources.close();
            } catch (Exception e) {
                log.debug("closing the S3 client of {} failed: {}", describe(), e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "S3Store[" + describe() + ", " + clientDescription + ", sse=" + sse + "]";
    }
}

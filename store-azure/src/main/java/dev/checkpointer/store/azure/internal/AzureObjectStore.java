package dev.checkpointer.store.azure.internal;

import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobAsyncClient;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.batch.BlobBatch;
import com.azure.storage.blob.batch.BlobBatchAsyncClient;
import com.azure.storage.blob.batch.BlobBatchClientBuilder;
import com.azure.storage.blob.models.BlobDownloadHeaders;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlobProperties;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.BlockBlobItem;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.DownloadRetryOptions;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.models.ParallelTransferOptions;
import com.azure.storage.blob.options.BlobParallelUploadOptions;
import com.azure.storage.blob.options.BlockBlobCommitBlockListOptions;
import com.azure.storage.blob.options.BlockBlobStageBlockOptions;
import com.azure.storage.blob.specialized.BlockBlobAsyncClient;
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
import dev.checkpointer.spi.VerifyingPayload;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Azure Blob store: every operation composes the SDK's {@link BlobContainerAsyncClient} Monos; nothing blocks and
 * nothing is retried here (the client is built with one attempt per request; the engine retries).
 *
 * <p>Checksums: every request that carries bytes carries their MD5 ({@code Content-MD5} on {@code Put Blob}, the
 * transactional {@code Content-MD5} on {@code Put Block}), so the service refuses bytes corrupted on the way. The
 * SDK computes it for {@code put} (which buffers at most one block to do so); parts are read into one array and
 * hashed here. Transactional CRC64 is not used: for bodies of 4 MiB and more the SDK sends it as a "structured
 * message" that Azurite 3.35 (in {@code --loose} mode) stores verbatim, framing bytes and all, and MD5 is verified by
 * Azure and Azurite alike. A SHA-256 declared in {@link PutOptions} is checked here as the bytes stream, and a
 * mismatch fails the upload before the request that would make the blob visible.
 */
public final class AzureObjectStore implements ObjectStore {
    private static final Logger log = LoggerFactory.getLogger(AzureObjectStore.class);

    /** Sub-requests per blob batch: the service's limit. */
    public static final int BATCH_SIZE = 256;
    /** Capabilities of every Azure store: conditional writes, MD5-verified uploads, staged blocks, batch delete. */
    public static final Capabilities CAPABILITIES = new Capabilities(true, true, true, 1, BlockIds.MAX_BLOCKS, true);
    private static final int MAX_KEYS_NAMED = 20;

    private final StoreConfig config;
    private final KeyPrefix rootKeys;
    private final BlobContainerAsyncClient container;
    private final BlobBatchAsyncClient batch;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Creates the store.
     *
     * @param config the checked configuration
     */
    public AzureObjectStore(StoreConfig config) {
        this.config = config;
        this.rootKeys = KeyPrefix.of(config.prefix());
        this.container = config.client();
        this.batch = new BlobBatchClientBuilder(container).buildAsyncClient();
        String account = container.getAccountUrl().replaceAll("\\?.*$", "");
        this.description = "azblob://" + container.getBlobContainerName() + (config.prefix().isEmpty() ? "" : "/" + config.prefix())
                + " (" + account + ", " + config.authDescription() + ")";
    }

    /**
     * The container this store writes to.
     *
     * @return the container name
     */
    public String container() {
        return container.getBlobContainerName();
    }

    /**
     * The key prefix inside the container, without leading or trailing {@code /}.
     *
     * @return the prefix; empty for the container's root
     */
    public String prefix() {
        return config.prefix();
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public String toString() {
        return describe();
    }

    @Override
    public void close() {
        // The async client holds no resources of its own: connections and event loops are Reactor Netty's shared
        // ones. Closing only refuses further work.
        closed.set(true);
    }

    // ============================================================================================== writes

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        Condition condition = options.condition();
        return Mono.defer(() -> {
            checkOpen("put", key);
            StoreKeys.validate(key);
            VerifyingPayload body = Payloads.body("put", key, payload, options.sha256());
            // The SDK sends payloads up to blockSize in one Put Blob with Content-MD5 and stages larger ones in blocks
            // of blockSize, each with its transactional Content-MD5, committed under the condition at the end: the
            // service refuses corrupted bytes either way, and nothing is visible unless the whole payload arrived.
            BlobParallelUploadOptions upload = new BlobParallelUploadOptions(body.content())
                    .setParallelTransferOptions(new ParallelTransferOptions()
                            .setBlockSizeLong(config.blockSize())
                            .setMaxSingleUploadSizeLong(config.blockSize())
                            .setMaxConcurrency(config.maxConcurrency()))
                    .setComputeMd5(true)
                    .setRequestConditions(conditions(condition));
            return blob(key).uploadWithResponse(upload)
                    .map(r -> info(key, payload.length(), r.getValue()))
                    .onErrorMap(e -> body.failure().orElseGet(() -> map("put", key, e, condition)));
        }).onErrorMap(e -> map("put", key, e, condition));
    }

    /**
     * Starts a staged-block upload; nothing is sent until the first part. The condition applies to the commit; a
     * declared SHA-256 is not checked (parts arrive in any order; each block is MD5-verified by the service, and the
     * engine verifies the whole object's SHA-256 on every read).
     *
     * @param key the key
     * @param options the condition for {@link MultipartUpload#complete}
     * @return the upload
     */
    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return Mono.<MultipartUpload>fromSupplier(() -> {
            checkOpen("startMultipart", key);
            StoreKeys.validate(key);
            return new AzureMultipartUpload(this, key, options.condition(), BlockIds.random());
        }).onErrorMap(e -> map("startMultipart", key, e, null));
    }

    /** Stages one block from bytes in memory, with their MD5 so the service refuses corrupted bytes. */
    Mono<String> stageBlock(String key, String blockId, byte[] bytes) {
        return Mono.defer(() -> {
            checkOpen("uploadPart", key);
            BlockBlobStageBlockOptions options = new BlockBlobStageBlockOptions(blockId, BinaryData.fromBytes(bytes)).setContentMd5(Payloads.md5(bytes));
            return blob(key).getBlockBlobAsyncClient().stageBlockWithResponse(options).thenReturn(blockId);
        }).onErrorMap(e -> map("uploadPart", key, e, null));
    }

    /** Commits a block list under a condition. */
    Mono<ObjectInfo> commitBlocks(String key, List<String> blockIds, long size, Condition condition) {
        return Mono.defer(() -> {
            checkOpen("completeMultipart", key);
            BlockBlobCommitBlockListOptions options = new BlockBlobCommitBlockListOptions(blockIds).setRequestConditions(conditions(condition));
            return blob(key).getBlockBlobAsyncClient().commitBlockListWithResponse(options).map(r -> info(key, size, r.getValue()));
        }).onErrorMap(e -> map("completeMultipart", key, e, condition));
    }

    // ============================================================================================== reads

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return Mono.defer(() -> {
            checkOpen("get", key);
            StoreKeys.validate(key);
            BlobAsyncClient blob = blob(key);
            if (range.length() == 0) {
                return properties(blob, key).map(info -> new ObjectContent(info, Flux.empty()));
            }
            BlobRange blobRange = range.isAll() ? null : new BlobRange(range.offset(), range.length() < 0 ? null : range.length());
            // No SDK retries inside the body either: a broken stream fails, and the engine decides.
            return blob.downloadStreamWithResponse(blobRange, new DownloadRetryOptions().setMaxRetryRequests(0), null, false)
                    .map(r -> new ObjectContent(info(key, r.getDeserializedHeaders()), r.getValue().onErrorMap(e -> map("get", key, e, null))))
                    // A range starting at or past the end (416): the object exists, the body is empty.
                    .onErrorResume(e -> AzureErrors.status(e) == 416, e -> properties(blob, key).map(info -> new ObjectContent(info, Flux.empty())));
        }).onErrorMap(e -> map("get", key, e, null));
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> {
            checkOpen("head", key);
            StoreKeys.validate(key);
            return properties(blob(key), key);
        }).onErrorMap(e -> map("head", key, e, null));
    }

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return Flux.defer(() -> {
            checkOpen("list", null);
            StoreKeys.validatePrefix(prefix);
            ListBlobsOptions options = new ListBlobsOptions()
                    .setPrefix(fullName(prefix))
                    .setMaxResultsPerPage(config.listPageSize())
                    // Metadata marks the directory entries of hierarchical-namespace accounts, which are no objects.
                    .setDetails(new BlobListDetails().setRetrieveMetadata(true));
            // PagedFlux fetches the next page only when the subscriber has consumed the previous one.
            return container.listBlobs(options, null)
                    .filter(item -> !isDirectory(item))
                    .map(item -> new ObjectInfo(relative(item.getName()), length(item.getProperties().getContentLength()), etag(item.getProperties().getETag()),
                            instant(item.getProperties().getLastModified())));
        }).onErrorMap(e -> map("list", null, e, null));
    }

    // ============================================================================================== deletes

    @Override
    public Mono<Void> delete(String key) {
        return Mono.defer(() -> {
            checkOpen("delete", key);
            StoreKeys.validate(key);
            // deleteIfExists: a missing blob (404) is success.
            return container.getBlobAsyncClient(fullName(key)).deleteIfExistsWithResponse(DeleteSnapshotsOptionType.INCLUDE, null).then();
        }).onErrorMap(e -> map("delete", key, e, null));
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return Mono.defer(() -> {
            checkOpen("deleteAll", null);
            keys.forEach(StoreKeys::validate); // every key before any request
            List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
            if (distinct.isEmpty()) {
                return Mono.<Void>empty();
            }
            List<List<String>> batches = new ArrayList<>();
            for (int i = 0; i < distinct.size(); i += BATCH_SIZE) {
                batches.add(distinct.subList(i, Math.min(distinct.size(), i + BATCH_SIZE)));
            }
            return Flux.fromIterable(batches)
                    .flatMap(this::deleteBatch, config.maxConcurrency())
                    .flatMapIterable(failures -> failures)
                    .collectList()
                    .flatMap(failures -> failures.isEmpty() ? Mono.<Void>empty() : Mono.error(batchFailure(failures, distinct.size())));
        }).onErrorMap(e -> map("deleteAll", null, e, null));
    }

    /** One batch request; returns the keys that could not be deleted, with why. A missing key is success. */
    private Mono<List<KeyFailure>> deleteBatch(List<String> keys) {
        return Mono.defer(() -> {
            BlobBatch b = batch.getBlobBatch();
            List<Response<Void>> responses = new ArrayList<>(keys.size());
            for (String key : keys) {
                // The URL form: the SDK encodes the name exactly as for a single-blob request.
                responses.add(b.deleteBlob(container.getBlobAsyncClient(fullName(key)).getBlobUrl(), DeleteSnapshotsOptionType.INCLUDE, null));
            }
            return batch.submitBatchWithResponse(b, false).map(r -> {
                List<KeyFailure> failures = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    try {
                        responses.get(i).getStatusCode();
                    } catch (BlobStorageException e) {
                        if (e.getStatusCode() != 404) {
                            failures.add(new KeyFailure(keys.get(i), map("deleteAll", keys.get(i), e, null)));
                        }
                    }
                }
                return failures;
            }).onErrorResume(e -> {
                // The batch request itself failed: every key of it failed the same way.
                CheckpointException mapped = map("deleteAll", null, e, null);
                List<KeyFailure> failures = new ArrayList<>();
                keys.forEach(k -> failures.add(new KeyFailure(k, mapped)));
                return Mono.just(failures);
            });
        });
    }

    private StoreException batchFailure(List<KeyFailure> failures, int total) {
        // Transient beats permanent: a retry of the whole call is then right (deleting a deleted key is success).
        boolean throttled = failures.stream().anyMatch(f -> f.error.code() == ErrorCode.STORE_THROTTLED);
        boolean transientOnes = failures.stream().anyMatch(f -> f.error instanceof StoreException se && se.isTransient());
        ErrorCode code = throttled ? ErrorCode.STORE_THROTTLED : transientOnes ? ErrorCode.STORE_TRANSIENT : permanentCode(failures.get(0).error);
        StringBuilder message = new StringBuilder().append(failures.size()).append(" of ").append(total).append(" keys could not be deleted: ");
        for (int i = 0; i < Math.min(failures.size(), MAX_KEYS_NAMED); i++) {
            KeyFailure f = failures.get(i);
            message.append(i == 0 ? "" : ", ").append('\'').append(f.key).append("' (").append(reason(f.error)).append(')');
        }
        if (failures.size() > MAX_KEYS_NAMED) {
            message.append(" and ").append(failures.size() - MAX_KEYS_NAMED).append(" more");
        }
        return new StoreException(code, "deleteAll", null, message.toString(), failures.get(0).error);
    }

    /** The code of a permanent batch failure: the first key's, unless it would read as a lost condition or a missing key. */
    private static ErrorCode permanentCode(CheckpointException e) {
        ErrorCode c = e.code();
        return c == ErrorCode.STORE_ACCESS_DENIED || c == ErrorCode.STORE_BAD_REQUEST ? c : ErrorCode.STORE_FAILURE;
    }

    private static String reason(CheckpointException e) {
        String m = e.getMessage() == null ? e.code().name() : e.getMessage();
        int i = m.indexOf(" failed: ");
        return i < 0 ? m : m.substring(i + " failed: ".length());
    }

    private record KeyFailure(String key, CheckpointException error) {}

    // ============================================================================================== cleanup

    /**
     * Removes uncommitted blocks older than {@code olderThan} under a prefix. Blocks staged for a blob that was never
     * committed make an "uncommitted blob", invisible to {@link #list} and {@link #head}; Azure deletes them a week
     * after the last block was staged, and this finds them sooner: it lists with uncommitted blobs included and, for
     * each one, commits an empty block list under {@code If-None-Match: *} (which discards every uncommitted block,
     * and fails harmlessly when a real object was committed meanwhile), then deletes that empty blob under
     * {@code If-Match} on its ETag. Uncommitted blocks of a blob that <em>is</em> committed cannot be removed without
     * rewriting the blob, so they are left to Azure's clean-up.
     */
    @Override
    public Flux<String> cleanupIncomplete(String prefix, Instant olderThan) {
        return Flux.defer(() -> {
            checkOpen("cleanupIncomplete", null);
            StoreKeys.validatePrefix(prefix);
            ListBlobsOptions options = new ListBlobsOptions()
                    .setPrefix(fullName(prefix))
                    .setMaxResultsPerPage(config.listPageSize())
                    .setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true));
            return container.listBlobs(options, null)
                    // An uncommitted blob has no content yet; its Last-Modified is when blocks were staged.
                    .filter(item -> length(item.getProperties().getContentLength()) == 0 && instant(item.getProperties().getLastModified()).isBefore(olderThan))
                    .concatMap(this::discardUncommitted);
        }).onErrorMap(e -> map("cleanupIncomplete", null, e, null));
    }

    private Mono<String> discardUncommitted(BlobItem item) {
        String key = relative(item.getName());
        BlockBlobAsyncClient block = blob(key).getBlockBlobAsyncClient();
        BlockBlobCommitBlockListOptions empty = new BlockBlobCommitBlockListOptions(List.of()).setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*"));
        return block.commitBlockListWithResponse(empty)
                .flatMap(r -> container.getBlobAsyncClient(item.getName())
                        .deleteWithResponse(null, new BlobRequestConditions().setIfMatch(r.getValue().getETag()))
                        .onErrorResume(e -> AzureErrors.status(e) == 404 || AzureErrors.status(e) == 412, e -> Mono.empty()))
                .thenReturn("uncommitted blocks of '" + key + "' (staged at " + instant(item.getProperties().getLastModified()) + ")")
                .doOnNext(d -> log.debug("{}: removed {}", description, d))
                // 409/412: the blob is committed (now or all along): not debris.
                .onErrorResume(e -> AzureErrors.status(e) == 409 || AzureErrors.status(e) == 412, e -> Mono.empty());
    }

    // ============================================================================================== helpers

    /** A blob client with this store's CPK or encryption scope applied. */
    BlobAsyncClient blob(String key) {
        BlobAsyncClient blob = container.getBlobAsyncClient(fullName(key));
        if (config.customerProvidedKey() != null) {
            blob = blob.getCustomerProvidedKeyAsyncClient(config.customerProvidedKey());
        }
        if (config.encryptionScope() != null) {
            blob = blob.getEncryptionScopeAsyncClient(config.encryptionScope());
        }
        return blob;
    }

    private Mono<ObjectInfo> properties(BlobAsyncClient blob, String key) {
        return blob.getPropertiesWithResponse(null).map(Response::getValue).map(p -> info(key, p));
    }

    private String fullName(String key) {
        return rootKeys.join(key);
    }

    private String relative(String name) {
        return rootKeys.strip(name);
    }

    private static boolean isDirectory(BlobItem item) {
        Map<String, String> metadata = item.getMetadata();
        return metadata != null && "true".equalsIgnoreCase(metadata.get("hdi_isfolder"));
    }

    static BlobRequestConditions conditions(Condition condition) {
        BlobRequestConditions c = new BlobRequestConditions();
        if (condition instanceof Condition.IfAbsent) {
            c.setIfNoneMatch("*");
        } else if (condition instanceof Condition.IfMatch m) {
            c.setIfMatch(m.etag());
        }
        return c;
    }

    private static ObjectInfo info(String key, long size, BlockBlobItem item) {
        return new ObjectInfo(key, size, etag(item.getETag()), instant(item.getLastModified()));
    }

    private static ObjectInfo info(String key, BlobProperties p) {
        return new ObjectInfo(key, p.getBlobSize(), etag(p.getETag()), instant(p.getLastModified()));
    }

    private static ObjectInfo info(String key, BlobDownloadHeaders h) {
        return new ObjectInfo(key, totalSize(h), etag(h.getETag()), instant(h.getLastModified()));
    }

    /** The whole blob's size: the total of {@code Content-Range} for a ranged read, else {@code Content-Length}. */
    static long totalSize(BlobDownloadHeaders h) {
        String range = h.getContentRange();
        if (range != null) {
            int slash = range.lastIndexOf('/');
            if (slash >= 0 && slash + 1 < range.length() && !range.endsWith("*")) {
                return Long.parseLong(range.substring(slash + 1).trim());
            }
        }
        return length(h.getContentLength());
    }

    /** ETags as the SDK hands them over (it strips the quotes of response headers; listings have none). */
    static String etag(@Nullable String raw) {
        if (raw == null || raw.isEmpty()) {
            return "\"\"";
        }
        String t = raw.trim();
        if (t.startsWith("W/")) {
            t = t.substring(2);
        }
        if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
            t = t.substring(1, t.length() - 1);
        }
        return t;
    }

    private static long length(@Nullable Long length) {
        return length == null ? 0 : length;
    }

    private static Instant instant(@Nullable OffsetDateTime time) {
        return time == null ? Instant.EPOCH : time.toInstant();
    }

    /** The blob endpoint's host and port, for "cannot reach" messages: never a path or query (a SAS token). */
    private String host() {
        java.net.URI url = java.net.URI.create(config.client().getBlobContainerUrl());
        return url.getHost() + (url.getPort() > 0 ? ":" + url.getPort() : "");
    }

    private void checkOpen(String operation, @Nullable String key) {
        if (closed.get()) {
            throw new StoreException(ErrorCode.CLOSED, operation, key, "the store " + description + " is closed", null);
        }
    }

    CheckpointException map(String operation, @Nullable String key, Throwable e, @Nullable Condition condition) {
        CheckpointException mapped = AzureErrors.map(operation, key, e, condition, config.redactor());
        if (mapped.code() == ErrorCode.STORE_BUCKET_NOT_FOUND) {
            mapped = StoreException.bucketNotFound(operation, key, "Azure container", config.client().getBlobContainerName(), mapped.getCause());
        } else if (!(e instanceof CheckpointException) && StoreFailures.tlsCause(reactor.core.Exceptions.unwrap(e)) != null) {
            // a certificate or handshake failure is a configuration error: permanent, never retried to the deadline
            mapped = java.util.Objects.requireNonNull(StoreFailures.tlsFailure(operation, key, host(), reactor.core.Exceptions.unwrap(e),
                    config.redactor()::redact, mapped.getCause()));
        } else if (!(e instanceof CheckpointException) && mapped instanceof StoreException se && se.isTransient()) {
            StoreException unreachable = StoreFailures.unreachable(operation, key, host(), reactor.core.Exceptions.unwrap(e),
                    config.redactor()::redact, se.getCause());
            if (unreachable != null) {
                mapped = unreachable;
            }
        }
        if (mapped instanceof StoreException se && !(e instanceof CheckpointException)) {
            log.debug("{}: {} failed: {}", description, operation, se.getMessage());
        }
        return mapped;
    }
}

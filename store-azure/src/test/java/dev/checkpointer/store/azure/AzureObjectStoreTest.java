package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.HttpRequest;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobListDetails;
import com.azure.storage.blob.models.BlockListType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.specialized.BlobLeaseAsyncClient;
import com.azure.storage.blob.specialized.BlobLeaseClientBuilder;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** Azure-specific behaviour against Azurite, beyond the conformance kit. */
@ExtendWith(AzuriteExtension.class)
class AzureObjectStoreTest {
    private static final String CONTAINER = "specific";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static BlobContainerAsyncClient sdk;

    private String prefix;
    private final List<ObjectStore> stores = new ArrayList<>();

    @BeforeAll
    static void container() {
        sdk = Azurite.shared().container(CONTAINER);
    }

    @BeforeEach
    void name(TestInfo info) {
        prefix = info.getTestMethod().orElseThrow().getName().toLowerCase(Locale.ROOT) + "-" + System.nanoTime();
    }

    @AfterEach
    void closeStores() {
        stores.forEach(ObjectStore::close);
    }

    private ObjectStore store() {
        return track(AzureBlobStore.builder().connectionString(Azurite.shared().connectionString()).container(CONTAINER).prefix(prefix)
                .blockSize(64 * 1024).build());
    }

    private ObjectStore track(ObjectStore s) {
        stores.add(s);
        return s;
    }

    /** A store over a client of our own with an extra pipeline policy. */
    private ObjectStore storeWith(HttpPipelinePolicy policy) {
        BlobContainerAsyncClient client = new BlobContainerClientBuilder().connectionString(Azurite.shared().connectionString()).containerName(CONTAINER)
                .serviceVersion(AzureBlobStoreBuilder.DEFAULT_SERVICE_VERSION).retryOptions(AzureBlobStoreBuilder.noRetries()).addPolicy(policy)
                .buildAsyncClient();
        return track(AzureBlobStore.builder().client(client).prefix(prefix).blockSize(64 * 1024).listPageSize(10).build());
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Throwable errorOf(Publisher<?> p) {
        Throwable e = Flux.from(p).then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
        assertThat(e).as("expected an error").isNotNull();
        return e;
    }

    private static StoreException storeError(Publisher<?> p, ErrorCode code) {
        Throwable e = errorOf(p);
        assertThat(e).isInstanceOf(StoreException.class);
        assertThat(((StoreException) e).code()).as("%s", e).isEqualTo(code);
        return (StoreException) e;
    }

    /** Uncommitted blobs (staged blocks, never committed) under this test's prefix, by full name. */
    private List<String> uncommittedNames() {
        List<String> all = sdk.listBlobs(new ListBlobsOptions().setPrefix(prefix + "/").setDetails(new BlobListDetails().setRetrieveUncommittedBlobs(true)), null)
                .map(BlobItem::getName).collectList().block(TIMEOUT);
        List<String> committed = sdk.listBlobs(new ListBlobsOptions().setPrefix(prefix + "/"), null).map(BlobItem::getName).collectList().block(TIMEOUT);
        all.removeAll(committed);
        return all;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    // ================================================================================================ integrity

    @Test
    void bytesCorruptedInTransitAreRefusedByTheServiceAndNothingIsWritten() {
        AtomicBoolean corrupt = new AtomicBoolean(true);
        AtomicInteger corrupted = new AtomicInteger();
        // Flips one bit of the first body buffer of every PUT, after the store computed the MD5: what a bad NIC,
        // proxy or memory would do.
        HttpPipelinePolicy flip = (context, next) -> {
            HttpRequest request = context.getHttpRequest();
            if (corrupt.get() && request.getHttpMethod() == HttpMethod.PUT && request.getBody() != null
                    && !request.getUrl().toString().contains("comp=blocklist")) {
                AtomicBoolean done = new AtomicBoolean();
                request.setBody(request.getBody().map(b -> {
                    if (b.hasRemaining() && done.compareAndSet(false, true)) {
                        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip();
                        copy.put(0, (byte) (copy.get(0) ^ 0x10));
                        corrupted.incrementAndGet();
                        return copy;
                    }
                    return b;
                }));
            }
            return next.process();
        };
        ObjectStore store = storeWith(flip);
        StoreException single = storeError(store.put("single", Payload.of(bytes(1000, 1)), PutOptions.none()), ErrorCode.STORE_BAD_REQUEST);
        assertThat(single.getMessage()).contains("400");
        assertThat(single.isTransient()).isFalse();
        storeError(store.put("staged", Payload.of(bytes(200_000, 2)), PutOptions.none()), ErrorCode.STORE_BAD_REQUEST);
        MultipartUpload upload = store.startMultipart("mpu", PutOptions.none()).block(TIMEOUT);
        storeError(upload.uploadPart(1, Payload.of(bytes(5000, 3))), ErrorCode.STORE_BAD_REQUEST);
        assertThat(corrupted.get()).isGreaterThanOrEqualTo(3);
        assertThat(store.list("").collectList().block(TIMEOUT)).isEmpty();

        corrupt.set(false);
        store.put("single", Payload.of(bytes(1000, 1)), PutOptions.none()).block(TIMEOUT);
        assertThat(store.readAll("single").block(TIMEOUT)).isEqualTo(bytes(1000, 1));
    }

    @Test
    void aWrongDeclaredSha256OfAStagedPutCommitsNothing() throws Exception {
        ObjectStore store = store();
        byte[] data = bytes(300_000, 1);
        StoreException e = storeError(store.put("staged", Payload.of(data), PutOptions.none().withSha256(sha256(bytes(10, 2)))), ErrorCode.STORE_BAD_REQUEST);
        assertThat(e.getMessage()).contains("SHA-256");
        StepVerifier.create(store.head("staged")).expectErrorSatisfies(x -> assertThat(((StoreException) x).isNotFound()).isTrue()).verify(TIMEOUT);
        store.put("staged", Payload.of(data), PutOptions.ifAbsent().withSha256(sha256(data))).block(TIMEOUT);
        assertThat(store.readAll("staged").block(TIMEOUT)).isEqualTo(data);
    }

    // ================================================================================================ conditions

    @Test
    void createIfAbsentLosesWith409AndIfMatchWith412BothAsPreconditionFailures() {
        ObjectStore store = store();
        ObjectInfo v1 = store.put("k", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(TIMEOUT);
        StoreException exists = storeError(store.put("k", Payload.of(new byte[] {2}), PutOptions.ifAbsent()), ErrorCode.STORE_PRECONDITION_FAILED);
        assertThat(exists.getMessage()).contains("409");
        store.put("k", Payload.of(new byte[] {3}), PutOptions.none()).block(TIMEOUT);
        StoreException moved = storeError(store.put("k", Payload.of(new byte[] {4}), PutOptions.ifMatch(v1.etag())), ErrorCode.STORE_PRECONDITION_FAILED);
        assertThat(moved.getMessage()).contains("412");
        // The staged path (larger than a block) commits under the same conditions.
        storeError(store.put("k", Payload.of(bytes(200_000, 5)), PutOptions.ifAbsent()), ErrorCode.STORE_PRECONDITION_FAILED);
        storeError(store.put("k", Payload.of(bytes(200_000, 5)), PutOptions.ifMatch(v1.etag())), ErrorCode.STORE_PRECONDITION_FAILED);
        assertThat(store.readAll("k").block(TIMEOUT)).containsExactly(3);
    }

    // ================================================================================================ multipart

    @Test
    void aRetriedPartReplacesItsBlockAndIdsAreFixedWidth() {
        ObjectStore store = store();
        MultipartUpload upload = store.startMultipart("mpu", PutOptions.none()).block(TIMEOUT);
        PartInfo first = upload.uploadPart(7, Payload.of(bytes(100, 1))).block(TIMEOUT);
        PartInfo again = upload.uploadPart(7, Payload.of(bytes(200, 2))).block(TIMEOUT);
        PartInfo other = upload.uploadPart(12345, Payload.of(bytes(50, 3))).block(TIMEOUT);
        assertThat(again.etag()).isEqualTo(first.etag());
        assertThat(Base64.getDecoder().decode(first.etag())).hasSize(36);
        assertThat(Base64.getDecoder().decode(other.etag())).hasSize(36);
        assertThat(new String(Base64.getDecoder().decode(other.etag()), StandardCharsets.US_ASCII)).endsWith("-000000012345");
        var blocks = sdk.getBlobAsyncClient(prefix + "/mpu").getBlockBlobAsyncClient().listBlocks(BlockListType.UNCOMMITTED).block(TIMEOUT);
        assertThat(blocks.getUncommittedBlocks()).extracting(b -> b.getName()).containsExactlyInAnyOrder(first.etag(), other.etag());
        assertThat(blocks.getUncommittedBlocks()).filteredOn(b -> b.getName().equals(first.etag())).extracting(b -> b.getSizeLong()).containsExactly(200L);

        // Another upload to the same key has its own ids: it never replaces this one's blocks.
        MultipartUpload second = store.startMultipart("mpu", PutOptions.none()).block(TIMEOUT);
        PartInfo theirs = second.uploadPart(7, Payload.of(bytes(10, 4))).block(TIMEOUT);
        assertThat(theirs.etag()).isNotEqualTo(first.etag());
        assertThat(upload.complete(List.of(other, again)).block(TIMEOUT).size()).isEqualTo(250);
        byte[] expected = new byte[250];
        System.arraycopy(bytes(200, 2), 0, expected, 0, 200);
        System.arraycopy(bytes(50, 3), 0, expected, 200, 50);
        assertThat(store.readAll("mpu").block(TIMEOUT)).isEqualTo(expected);
        // Parts of another upload are refused.
        assertThat(errorOf(second.complete(List.of(again)))).isInstanceOf(CheckpointException.class).hasMessageContaining("not uploaded by this upload");
    }

    @Test
    void aRetriedCompletionGetsTheSameAnswerAndAnotherBlockListIsRefused() {
        // The engine retries a completion whose response was lost; under IF_ABSENT a second commit would fail 409.
        ObjectStore store = store();
        MultipartUpload upload = store.startMultipart("mpu-retry", PutOptions.ifAbsent()).block(TIMEOUT);
        PartInfo p1 = upload.uploadPart(1, Payload.of(bytes(100, 1))).block(TIMEOUT);
        PartInfo p2 = upload.uploadPart(2, Payload.of(bytes(50, 2))).block(TIMEOUT);
        ObjectInfo first = upload.complete(List.of(p1, p2)).block(TIMEOUT);
        ObjectInfo again = upload.complete(List.of(p2, p1)).block(TIMEOUT);
        assertThat(again).isEqualTo(first);
        assertThat(again.size()).isEqualTo(150);
        assertThat(errorOf(upload.complete(List.of(p1)))).hasMessageContaining("already complete");
        assertThat(errorOf(upload.uploadPart(3, Payload.of(bytes(10, 3))))).hasMessageContaining("already complete");
    }

    @Test
    void anAbortedUploadRefusesPartsAndCompletionAndCommitsNothing() {
        ObjectStore store = store();
        MultipartUpload upload = store.startMultipart("mpu", PutOptions.ifAbsent()).block(TIMEOUT);
        PartInfo p = upload.uploadPart(1, Payload.of(bytes(10, 1))).block(TIMEOUT);
        upload.abort().block(TIMEOUT);
        assertThat(errorOf(upload.uploadPart(2, Payload.of(bytes(10, 2))))).hasMessageContaining("aborted");
        assertThat(errorOf(upload.complete(List.of(p)))).hasMessageContaining("aborted");
        assertThat(store.list("").collectList().block(TIMEOUT)).isEmpty();
        assertThat(uncommittedNames()).containsExactly(prefix + "/mpu");
    }

    @Test
    void aPartWhosePayloadLiesAboutItsLengthIsRefusedBeforeAnyRequest() {
        ObjectStore store = store();
        MultipartUpload upload = store.startMultipart("mpu", PutOptions.none()).block(TIMEOUT);
        assertThat(errorOf(upload.uploadPart(1, Payload.of(() -> Flux.just(ByteBuffer.wrap(bytes(10, 1))), 11)))).hasMessageContaining("declared 11");
        assertThat(errorOf(upload.uploadPart(1, Payload.of(() -> Flux.just(ByteBuffer.wrap(bytes(12, 1))), 11)))).hasMessageContaining("declared 11");
        assertThat(errorOf(upload.uploadPart(0, Payload.of(bytes(1, 1))))).hasMessageContaining("part number");
        assertThat(errorOf(upload.uploadPart(50_001, Payload.of(bytes(1, 1))))).hasMessageContaining("part number");
        assertThat(uncommittedNames()).isEmpty();
    }

    // ================================================================================================ cleanup

    @Test
    void cleanupIncompleteDiscardsStaleUncommittedBlocksAndNothingElse() {
        ObjectStore store = store();
        // Debris: an aborted multipart upload, and a staged put whose payload failed after two blocks.
        MultipartUpload aborted = store.startMultipart("debris/aborted", PutOptions.none()).block(TIMEOUT);
        PartInfo stale = aborted.uploadPart(1, Payload.of(bytes(100, 1))).block(TIMEOUT);
        aborted.abort().block(TIMEOUT);
        // A staged put whose source failed after a block reached the service. Staged directly: whether the store's own
        // failing put gets a block to the service before it cancels depends on timing.
        byte[] block = bytes(100, 2);
        sdk.getBlobAsyncClient(prefix + "/debris/failed-put").getBlockBlobAsyncClient()
                .stageBlock(java.util.Base64.getEncoder().encodeToString("failed-put-block-000001".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                        Flux.just(ByteBuffer.wrap(block)), block.length)
                .block(TIMEOUT);
        // Not debris: committed objects, one of them also with uncommitted blocks of an unfinished overwrite.
        store.put("keep/plain", Payload.of(bytes(10, 3)), PutOptions.none()).block(TIMEOUT);
        store.put("keep/empty", Payload.of(new byte[0]), PutOptions.none()).block(TIMEOUT);
        store.put("keep/overwritten", Payload.of(bytes(10, 4)), PutOptions.none()).block(TIMEOUT);
        MultipartUpload overwrite = store.startMultipart("keep/overwritten", PutOptions.none()).block(TIMEOUT);
        overwrite.uploadPart(1, Payload.of(bytes(10, 5))).block(TIMEOUT);
        assertThat(uncommittedNames()).containsExactlyInAnyOrder(prefix + "/debris/aborted", prefix + "/debris/failed-put");

        // Too young, or outside the prefix: kept.
        assertThat(store.cleanupIncomplete("", Instant.now().minus(Duration.ofHours(1))).collectList().block(TIMEOUT)).isEmpty();
        assertThat(store.cleanupIncomplete("elsewhere/", Instant.now().plus(Duration.ofHours(1))).collectList().block(TIMEOUT)).isEmpty();
        assertThat(uncommittedNames()).hasSize(2);

        List<String> removed = store.cleanupIncomplete("", Instant.now().plus(Duration.ofHours(1))).collectList().block(TIMEOUT);
        assertThat(removed).hasSize(2).anySatisfy(d -> assertThat(d).contains("debris/aborted")).anySatisfy(d -> assertThat(d).contains("debris/failed-put"));
        assertThat(uncommittedNames()).isEmpty();
        assertThat(store.list("").map(ObjectInfo::key).collectList().block(TIMEOUT)).containsExactly("keep/empty", "keep/overwritten", "keep/plain");
        assertThat(store.readAll("keep/overwritten").block(TIMEOUT)).isEqualTo(bytes(10, 4));
        assertThat(store.readAll("keep/empty").block(TIMEOUT)).isEmpty();

        // The discarded blocks are gone: committing them fails, and nothing appears.
        Throwable gone = errorOf(sdk.getBlobAsyncClient(prefix + "/debris/aborted").getBlockBlobAsyncClient().commitBlockList(List.of(stale.etag())));
        assertThat(gone).isInstanceOfSatisfying(com.azure.storage.blob.models.BlobStorageException.class, x -> assertThat(x.getStatusCode()).isEqualTo(400));
        StepVerifier.create(store.head("debris/aborted")).expectError(StoreException.class).verify(TIMEOUT);
    }

    // ================================================================================================ listing and deletes

    @Test
    void listFetchesPagesOnlyAsTheyAreConsumed() {
        AtomicInteger listCalls = new AtomicInteger();
        HttpPipelinePolicy count = (context, next) -> {
            if (context.getHttpRequest().getHttpMethod() == HttpMethod.GET && context.getHttpRequest().getUrl().toString().contains("comp=list")) {
                listCalls.incrementAndGet();
            }
            return next.process();
        };
        ObjectStore store = storeWith(count); // 10 blobs per page
        Flux.range(0, 35).flatMap(i -> store.put(String.format("k%03d", i), Payload.of(new byte[] {1}), PutOptions.none()), 8).blockLast(TIMEOUT);

        assertThat(store.list("").take(5).map(ObjectInfo::key).collectList().block(TIMEOUT)).containsExactly("k000", "k001", "k002", "k003", "k004");
        assertThat(listCalls.get()).isEqualTo(1);
        listCalls.set(0);
        StepVerifier.create(store.list(""), 0).thenRequest(12).expectNextCount(12).thenCancel().verify(TIMEOUT);
        assertThat(listCalls.get()).isEqualTo(2);
        listCalls.set(0);
        assertThat(store.list("").count().block(TIMEOUT)).isEqualTo(35);
        assertThat(listCalls.get()).isEqualTo(4);
    }

    @Test
    void deleteAllDeletesInBatchesAndNamesTheKeysThatFailed() {
        ObjectStore store = store();
        List<String> keys = IntStream.range(0, 300).mapToObj(i -> String.format("d/%04d", i)).toList();
        Flux.fromIterable(keys).flatMap(k -> store.put(k, Payload.of(new byte[] {1}), PutOptions.none()), 16).blockLast(TIMEOUT);
        // A leased blob cannot be deleted without its lease id: two keys of two different batches fail.
        List<BlobLeaseAsyncClient> leases = new ArrayList<>();
        for (String k : List.of("d/0003", "d/0290")) {
            BlobLeaseAsyncClient lease = new BlobLeaseClientBuilder().blobAsyncClient(sdk.getBlobAsyncClient(prefix + "/" + k)).buildAsyncClient();
            lease.acquireLease(-1).block(TIMEOUT);
            leases.add(lease);
        }
        List<String> doomed = new ArrayList<>(keys);
        doomed.add("d/never-written");
        StoreException e = storeError(store.deleteAll(doomed), ErrorCode.STORE_FAILURE);
        assertThat(e.getMessage()).contains("2 of 301 keys", "'d/0003'", "'d/0290'").doesNotContain("never-written");
        assertThat(e.isTransient()).isFalse();
        assertThat(store.list("").map(ObjectInfo::key).collectList().block(TIMEOUT)).containsExactly("d/0003", "d/0290");

        leases.forEach(l -> l.breakLeaseWithResponse(0, null).block(TIMEOUT));
        store.deleteAll(doomed).block(TIMEOUT);
        assertThat(store.list("").collectList().block(TIMEOUT)).isEmpty();
    }

    // ================================================================================================ misconfiguration

    @Test
    void aMissingContainerIsAFailureNotAMissingKey() {
        ObjectStore store = track(AzureBlobStore.builder().connectionString(Azurite.shared().connectionString()).container("no-such-container").build());
        for (Publisher<?> call : List.<Publisher<?>>of(store.head("k"), store.get("k", ByteRange.ALL), store.list(""),
                store.put("k", Payload.of(new byte[] {1}), PutOptions.none()))) {
            StoreException e = storeError(call, ErrorCode.STORE_BUCKET_NOT_FOUND);
            assertThat(e.getMessage()).contains("the Azure container 'no-such-container' does not exist",
                    "create container 'no-such-container' or fix the location");
            assertThat(e.isTransient()).isFalse();
        }
        store.delete("k").block(TIMEOUT); // deleting from nowhere is still success
    }

    @Test
    void aClosedStoreSaysSoAndDescribesItselfWithoutSecrets() {
        ObjectStore store = store();
        assertThat(store.describe()).isEqualTo("azblob://" + CONTAINER + "/" + prefix + " (" + Azurite.shared().endpoint() + ", connection string)");
        assertThat(store.toString()).isEqualTo(store.describe()).doesNotContain(Azurite.KEY);
        store.close();
        StoreException e = storeError(store.startMultipart("k", PutOptions.none()), ErrorCode.CLOSED);
        assertThat(e.getMessage()).contains("closed");
        storeError(store.cleanupIncomplete("", Instant.now()), ErrorCode.CLOSED);
        storeError(store.deleteAll(List.of("k")), ErrorCode.CLOSED);
    }
}

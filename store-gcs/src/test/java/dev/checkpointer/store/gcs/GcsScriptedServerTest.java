package dev.checkpointer.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.gcs.FakeGcsServer.Request;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import reactor.core.publisher.Flux;

/**
 * Responses no local backend produces on its own, scripted on {@link FakeGcsServer} and driven through the real
 * google-cloud-storage client: the wire format of conditions and checksums, every row of the error-mapping table,
 * that the client does not retry behind the engine's back, that the engine's retry gets a save through 429 and 503,
 * corrupted uploads refused by crc32c, multi-chunk resumable uploads, single-request small uploads, ranged reads,
 * partial deleteAll failures and the threading rules.
 */
class GcsScriptedServerTest {
    private static final Duration T = Duration.ofSeconds(30);
    private static final String BUCKET = "scripted";

    private FakeGcsServer server;
    private ObjectStore store;

    @BeforeEach
    void open() {
        server = FakeGcs.server();
        store = GcsStore.builder().bucket(BUCKET).prefix("p" + System.nanoTime()).endpoint(server.endpoint()).anonymous(true)
                .chunkSize(FakeGcs.CHUNK).readChunkSize(100_000).threads(4).build();
        server.clearRequests();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private List<Request> ours(Predicate<Request> p) {
        return server.requests().stream().filter(r -> r.path().contains("/b/" + BUCKET + "/")).filter(p).toList();
    }

    private static Predicate<Request> uploads() {
        return r -> r.path().startsWith("/upload/") && r.method().equals("POST") && r.path().contains("/b/" + BUCKET + "/");
    }

    private static Predicate<Request> metadataGets() {
        return r -> r.method().equals("GET") && r.path().startsWith("/storage/v1/b/" + BUCKET + "/o/") && !"media".equals(r.query().get("alt"));
    }

    private static StoreException storeError(Throwable e) {
        assertThat(e).isInstanceOf(StoreException.class);
        return (StoreException) e;
    }

    // ------------------------------------------------------------------------------------------ conditions

    @Test
    void ifAbsentSendsIfGenerationMatchZeroAndA412IsAPreconditionFailure() {
        store.put("k", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(T);
        StoreException e = storeError(catchThrowable(() -> store.put("k", Payload.of(new byte[] {2}), PutOptions.ifAbsent()).block(T)));
        assertThat(e.isPreconditionFailed()).isTrue();
        assertThat(e.isTransient()).isFalse();
        List<Request> puts = ours(uploads());
        assertThat(puts).hasSize(2).allSatisfy(r -> assertThat(r.query()).containsEntry("ifGenerationMatch", "0"));
    }

    @Test
    void ifMatchSendsTheGenerationAsIfGenerationMatch() {
        ObjectInfo v1 = store.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        assertThat(v1.etag()).matches("[0-9]+");
        server.clearRequests();
        store.put("k", Payload.of(new byte[] {2}), PutOptions.ifMatch(v1.etag())).block(T);
        assertThat(ours(uploads())).singleElement().satisfies(r -> assertThat(r.query()).containsEntry("ifGenerationMatch", v1.etag()));
        // the same on the resumable path, where the stale generation is refused at the latest on finalisation
        StoreException e = storeError(catchThrowable(() -> store.put("k", Payload.of(bytes(3 * FakeGcs.CHUNK + 5, 1)), PutOptions.ifMatch(v1.etag())).block(T)));
        assertThat(e.isPreconditionFailed()).isTrue();
    }

    @Test
    void aNonNumericEtagFailsTheConditionWithoutARequest() {
        StoreException e = storeError(catchThrowable(() -> store.put("k", Payload.of(new byte[] {1}), PutOptions.ifMatch("\"abc\"")).block(T)));
        assertThat(e.isPreconditionFailed()).isTrue();
        assertThat(ours(r -> true)).isEmpty();
    }

    // ------------------------------------------------------------------------------------------ error mapping

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @CsvSource({
        "400, STORE_BAD_REQUEST", "401, STORE_ACCESS_DENIED", "403, STORE_ACCESS_DENIED", "404, STORE_NOT_FOUND",
        "408, STORE_TRANSIENT", "412, STORE_PRECONDITION_FAILED", "429, STORE_THROTTLED", "500, STORE_TRANSIENT",
        "502, STORE_TRANSIENT", "503, STORE_TRANSIENT", "504, STORE_TRANSIENT", "409, STORE_FAILURE"})
    void statusesMapOntoTheRightCodesAndTheClientDoesNotRetry(int status, ErrorCode code) {
        server.failNext(metadataGets(), status, "scripted");
        StoreException e = storeError(catchThrowable(() -> store.head("k").block(T)));
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.isTransient()).isEqualTo(code == ErrorCode.STORE_TRANSIENT || code == ErrorCode.STORE_THROTTLED);
        assertThat(e.getMessage()).contains("head").contains("'k'");
        assertThat(ours(metadataGets())).as("one attempt: the client's own retries are off").hasSize(1);
    }

    @Test
    void aRefusedConnectionIsTransient() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (ObjectStore dead = GcsStore.builder().bucket(BUCKET).endpoint("http://127.0.0.1:" + port).anonymous(true).build()) {
            StoreException e = storeError(catchThrowable(() -> dead.head("k").block(T)));
            assertThat(e.code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
        }
    }

    @Test
    void a503OnAnUploadIsTransientAndNothingIsWritten() {
        server.failNext(uploads(), 503, "backendError");
        StoreException e = storeError(catchThrowable(() -> store.put("k", Payload.of(new byte[] {1}), PutOptions.none()).block(T)));
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
        assertThat(ours(uploads())).hasSize(1);
        assertThat(catchThrowable(() -> store.head("k").block(T))).isInstanceOfSatisfying(StoreException.class, se -> assertThat(se.isNotFound()).isTrue());
    }

    @Test
    void throttlingAndUnavailabilityAreRetriedByTheEngineAndTheSaveSucceeds() {
        try (Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(16)
                .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(5), 2, Duration.ofMillis(50))).build()) {
            byte[] state = bytes(50_000, 3);
            server.failNext(uploads(), 429, "rateLimitExceeded");
            server.failNext(uploads(), 503, "backendError");
            Manifest m = cp.save(Snapshot.builder().partition("op", 0, Payload.of(state)).build()).block(T);
            Checkpoint latest = cp.latest().block(T);
            assertThat(latest.manifest().id()).isEqualTo(m.id());
            assertThat(Buffers.join(latest.stream("op", 0)).block(T)).isEqualTo(state);
            List<Request> failed = server.requests().stream().filter(uploads()).toList();
            // two scripted failures were served, and each was retried once by the engine (not by the client)
            assertThat(failed.size()).isGreaterThanOrEqualTo(3);
        }
    }

    // ------------------------------------------------------------------------------------------ checksums

    @Test
    void aSmallPutIsOneRequestCarryingItsCrc32cAndACorruptedOneIsRefused() throws Exception {
        byte[] data = bytes(100_000, 4);
        ObjectInfo info = store.put("small", Payload.of(data), PutOptions.none().withSha256(sha256(data))).block(T);
        assertThat(info.size()).isEqualTo(data.length);
        List<Request> all = ours(r -> true);
        assertThat(all).singleElement().satisfies(r -> assertThat(r.query()).containsEntry("uploadType", "multipart"));
        String prefix = ((dev.checkpointer.store.gcs.internal.GcsObjectStore) store).config().prefix();
        assertThat(server.metadata(BUCKET, prefix + "/small")).containsEntry("checkpointer-sha256", sha256(data));

        server.corruptNextUpload();
        StoreException e = storeError(catchThrowable(() -> store.put("small", Payload.of(bytes(1000, 5)), PutOptions.none()).block(T)));
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST);
        assertThat(e.isTransient()).isFalse();
        assertThat(server.bytes(BUCKET, prefix + "/small")).isEqualTo(data);
    }

    @Test
    void withoutSingleRequestUploadsASmallPutIsOneResumableSessionOfOneChunk() throws Exception {
        byte[] data = bytes(100_000, 11);
        try (ObjectStore resumable = GcsStore.builder().bucket(BUCKET).prefix("r" + System.nanoTime()).endpoint(server.endpoint())
                .anonymous(true).chunkSize(FakeGcs.CHUNK).singleRequestUploads(false).build()) {
            ObjectInfo info = resumable.put("small", Payload.of(data), PutOptions.ifAbsent().withSha256(sha256(data))).block(T);
            assertThat(info.size()).isEqualTo(data.length);
            assertThat(ours(uploads())).singleElement().satisfies(r ->
                    assertThat(r.query()).containsEntry("uploadType", "resumable").containsEntry("ifGenerationMatch", "0"));
            assertThat(ours(r -> r.method().equals("PUT") && r.path().startsWith("/upload/"))).singleElement()
                    .satisfies(r -> assertThat(r.header("Content-Range")).isEqualTo("bytes 0-" + (data.length - 1) + "/" + data.length));
            assertThat(resumable.readAll("small").block(T)).isEqualTo(data);
        }
    }

    @Test
    void aLargePutStreamsThroughAMultiChunkResumableSessionWithTheFinalCrc32c() throws Exception {
        byte[] data = bytes(4 * FakeGcs.CHUNK + 12_345, 6);
        Payload streamed = Payload.of(() -> Flux.range(0, (data.length + 9999) / 10_000)
                .map(i -> ByteBuffer.wrap(data, i * 10_000, Math.min(10_000, data.length - i * 10_000)).asReadOnlyBuffer()), data.length);
        ObjectInfo info = store.put("big", streamed, PutOptions.ifAbsent().withSha256(sha256(data))).block(T);
        assertThat(info.size()).isEqualTo(data.length);
        List<Request> chunks = ours(r -> r.method().equals("PUT") && r.path().startsWith("/upload/"));
        assertThat(chunks).hasSizeGreaterThanOrEqualTo(5);
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(r -> {
            assertThat(r.header("Content-Range")).endsWith("/*");
            assertThat(r.bodyLength() % FakeGcs.CHUNK).isZero();
        });
        Request last = chunks.get(chunks.size() - 1);
        assertThat(last.header("Content-Range")).endsWith("/" + data.length);
        assertThat(last.header("x-goog-hash")).as("cumulative crc32c on the final chunk").contains("crc32c=" + FakeGcsServer.crc32c(data, 0, data.length));
        assertThat(ours(uploads())).singleElement().satisfies(r -> {
            assertThat(r.query()).containsEntry("uploadType", "resumable").containsEntry("ifGenerationMatch", "0");
        });
        assertThat(store.readAll("big").block(T)).isEqualTo(data);
    }

    @Test
    void aCorruptedChunkOfAResumableUploadIsRefusedByTheFinalCrc32c() {
        byte[] data = bytes(2 * FakeGcs.CHUNK + 1, 7);
        server.corruptNextUpload();
        StoreException e = storeError(catchThrowable(() -> store.put("big", Payload.of(data), PutOptions.none()).block(T)));
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST);
        assertThat(catchThrowable(() -> store.head("big").block(T))).isInstanceOfSatisfying(StoreException.class, se -> assertThat(se.isNotFound()).isTrue());
    }

    @Test
    void aWrongDeclaredSha256OnAResumableUploadFinalisesNothing() throws Exception {
        byte[] data = bytes(3 * FakeGcs.CHUNK + 1, 8);
        StoreException e = storeError(catchThrowable(() -> store.put("big", Payload.of(data), PutOptions.none().withSha256(sha256(new byte[] {1}))).block(T)));
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST);
        assertThat(ours(r -> r.method().equals("PUT") && r.header("Content-Range") != null && !r.header("Content-Range").endsWith("/*")))
                .as("no finalising request").isEmpty();
        assertThat(catchThrowable(() -> store.head("big").block(T))).isInstanceOf(StoreException.class);
    }

    @Test
    void aResumableUploadCancelledAfterChunksWereSentFinalisesNothing() {
        byte[] first = bytes(3 * FakeGcs.CHUNK, 10);
        java.util.concurrent.CountDownLatch emitted = new java.util.concurrent.CountDownLatch(1);
        Payload endless = Payload.of(() -> Flux.concat(Flux.just(ByteBuffer.wrap(first)).doOnComplete(emitted::countDown), Flux.<ByteBuffer>never()),
                10L * FakeGcs.CHUNK);
        reactor.test.StepVerifier.create(store.put("cancelled", endless, PutOptions.none()))
                .expectSubscription()
                .then(() -> {
                    try {
                        assertThat(emitted.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .thenCancel()
                .verify(T);
        assertThat(catchThrowable(() -> store.head("cancelled").block(T))).isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isNotFound()).isTrue());
        assertThat(ours(r -> r.method().equals("PUT") && r.header("Content-Range") != null && !r.header("Content-Range").endsWith("/*")))
                .as("no finalising request").isEmpty();
    }

    // ------------------------------------------------------------------------------------------ reads

    @Test
    void rangedReadsAskForTheRangeOfTheGenerationTheMetadataShowed() {
        byte[] data = bytes(300_000, 9);
        ObjectInfo info = store.put("r", Payload.of(data), PutOptions.none()).block(T);
        server.clearRequests();
        byte[] part = store.get("r", ByteRange.of(1000, 250_000)).flatMap(c -> Buffers.join(c.body())).block(T);
        assertThat(part).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 251_000));
        List<Request> media = ours(r -> "media".equals(r.query().get("alt")));
        assertThat(media).isNotEmpty().allSatisfy(r -> assertThat(r.query()).containsEntry("generation", info.etag()));
        assertThat(media.get(0).header("Range")).isEqualTo("bytes=1000-250999");
    }

    @Test
    void blockingCallsRunOnTheStoresOwnThreadsWhichCloseDisposes() {
        store.put("t", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        String thread = store.head("t").map(i -> Thread.currentThread().getName()).block(T);
        assertThat(thread).startsWith("checkpointer-gcs-" + BUCKET);
        store.close();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("checkpointer-gcs-" + BUCKET)) {
                try {
                    t.join(5000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneSatisfy(t -> assertThat(t.getName()).startsWith("checkpointer-gcs-" + BUCKET));
        assertThat(storeError(catchThrowable(() -> store.head("t").block(T))).code()).isEqualTo(ErrorCode.CLOSED);
    }

    // ------------------------------------------------------------------------------------------ deleteAll

    @Test
    void deleteAllReportsEveryKeyThatFailedAndDeletesTheRest() {
        for (String k : List.of("a", "b", "c", "d")) {
            store.put(k, Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        }
        server.failNext(r -> r.method().equals("DELETE") && r.path().endsWith("%2Fb"), 503, "backendError");
        server.failNext(r -> r.method().equals("DELETE") && r.path().endsWith("%2Fc"), 403, "forbidden");
        StoreException e = storeError(catchThrowable(() -> store.deleteAll(List.of("a", "b", "c", "d", "missing")).block(T)));
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_ACCESS_DENIED);
        assertThat(e.getMessage()).contains("2 of 5").contains("b (STORE_TRANSIENT)").contains("c (STORE_ACCESS_DENIED)");
        assertThat(store.list("").map(ObjectInfo::key).collectList().block(T)).containsExactly("b", "c");
    }

    @Test
    void aCallersClientIsNotClosedWithTheStore() {
        com.google.cloud.storage.Storage client = com.google.cloud.storage.StorageOptions.http().setHost(server.endpoint())
                .setCredentials(com.google.cloud.NoCredentials.getInstance()).setProjectId("p")
                .setRetrySettings(GcsStore.recommendedRetrySettings()).build().getService();
        ObjectStore mine = GcsStore.of(client, "gs://" + BUCKET + "/mine");
        mine.put("x", Payload.of(new byte[] {5}), PutOptions.none()).block(T);
        mine.close();
        assertThat(client.readAllBytes(com.google.cloud.storage.BlobId.of(BUCKET, "mine/x"))).containsExactly(5);
        assertThat(Map.of("describe", mine.describe())).containsEntry("describe", "gs://" + BUCKET + "/mine");
    }
}

package dev.checkpointer.store.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.ForwardingObjectStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * S3 behaviour beyond the conformance kit, against S3Mock: conditional multipart completion, multipart uploads
 * aborted on cancellation and on failure (nothing left in ListMultipartUploads), streamed reads, SSE-KMS key
 * validation, SSE-C round trips, the CRT client, a caller's own client, closing.
 */
@ExtendWith(S3MockServer.Extension.class)
class S3SpecificTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int MIB = 1024 * 1024;

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String prefix(TestInfo info) {
        return "specific/" + info.getTestMethod().orElseThrow().getName().toLowerCase() + "-" + System.nanoTime();
    }

    private static List<software.amazon.awssdk.services.s3.model.MultipartUpload> pendingUploads(String fullPrefix) {
        S3AsyncClient raw = S3MockServer.get().client();
        return raw.listMultipartUploads(r -> r.bucket(S3MockServer.BUCKET).prefix(fullPrefix)).join().uploads();
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertThat(latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as(what).isTrue();
    }

    @Test
    void completeUnderIfAbsentAndIfMatchWithoutAbort(TestInfo info) {
        try (ObjectStore store = S3MockServer.get().store(prefix(info)).build()) {
            ObjectInfo v1 = store.put("k", Payload.of(bytes(100, 1)), PutOptions.none()).block(TIMEOUT);

            MultipartUpload absent = store.startMultipart("k", PutOptions.ifAbsent()).block(TIMEOUT);
            PartInfo p = absent.uploadPart(1, Payload.of(bytes(2000, 2))).block(TIMEOUT);
            StepVerifier.create(absent.complete(List.of(p)))
                    .expectErrorSatisfies(e -> assertThat(((StoreException) e).isPreconditionFailed()).isTrue())
                    .verify(TIMEOUT);
            assertThat(store.readAll("k").block(TIMEOUT)).isEqualTo(bytes(100, 1));

            MultipartUpload stale = store.startMultipart("k", PutOptions.ifMatch(v1.etag())).block(TIMEOUT);
            PartInfo q = stale.uploadPart(1, Payload.of(bytes(300, 3))).block(TIMEOUT);
            ObjectInfo v2 = store.put("k", Payload.of(bytes(200, 4)), PutOptions.none()).block(TIMEOUT);
            StepVerifier.create(stale.complete(List.of(q)))
                    .expectErrorSatisfies(e -> assertThat(((StoreException) e).isPreconditionFailed()).isTrue())
                    .verify(TIMEOUT);
            assertThat(store.readAll("k").block(TIMEOUT)).isEqualTo(bytes(200, 4));

            MultipartUpload current = store.startMultipart("k", PutOptions.ifMatch(v2.etag())).block(TIMEOUT);
            PartInfo r = current.uploadPart(1, Payload.of(bytes(400, 5))).block(TIMEOUT);
            ObjectInfo v3 = current.complete(List.of(r)).block(TIMEOUT);
            assertThat(v3.etag()).isNotEqualTo(v2.etag());
            assertThat(v3.size()).isEqualTo(400);
            assertThat(store.readAll("k").block(TIMEOUT)).isEqualTo(bytes(400, 5));
            assertThat(store.head("k").block(TIMEOUT).etag()).isEqualTo(v3.etag());
        }
    }

    @Test
    void anAbortedUploadIsNoLongerListedAsPending(TestInfo info) {
        String prefix = prefix(info);
        try (ObjectStore store = S3MockServer.get().store(prefix).build()) {
            MultipartUpload upload = store.startMultipart("mpu/a", PutOptions.none()).block(TIMEOUT);
            upload.uploadPart(1, Payload.of(bytes(1000, 1))).block(TIMEOUT);
            assertThat(pendingUploads(prefix + "/")).extracting(software.amazon.awssdk.services.s3.model.MultipartUpload::key).containsExactly(prefix + "/mpu/a");
            upload.abort().block(TIMEOUT);
            assertThat(pendingUploads(prefix + "/")).isEmpty();
        }
    }

    /** Records when the engine's multipart uploads start, upload parts and abort. */
    private static final class Watched extends ForwardingObjectStore {
        final CountDownLatch partUploaded = new CountDownLatch(1);
        final CountDownLatch aborted = new CountDownLatch(1);
        final AtomicInteger started = new AtomicInteger();

        Watched(ObjectStore delegate) {
            super(delegate);
        }

        @Override
        public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
            return super.startMultipart(key, options).doOnNext(u -> started.incrementAndGet()).map(u -> new MultipartUpload() {
                @Override
                public String key() {
                    return u.key();
                }

                @Override
                public Mono<PartInfo> uploadPart(int number, Payload part) {
                    return u.uploadPart(number, part).doOnNext(p -> partUploaded.countDown());
                }

                @Override
                public Mono<ObjectInfo> complete(List<PartInfo> parts) {
                    return u.complete(parts);
                }

                @Override
                public Mono<Void> abort() {
                    return u.abort().doOnSuccess(v -> aborted.countDown());
                }
            });
        }
    }

    private static Checkpointer checkpointer(ObjectStore store) {
        return Checkpointer.builder().store(store)
                .partSize(5 * MIB)
                .multipartThreshold(5 * MIB)
                .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(5), 2, Duration.ofMillis(50)))
                .build();
    }

    @Test
    void aCancelledSaveAbortsItsMultipartUpload(TestInfo info) throws InterruptedException {
        String prefix = prefix(info);
        try (ObjectStore s3 = S3MockServer.get().store(prefix).build()) {
            Watched store = new Watched(s3);
            try (Checkpointer cp = checkpointer(store)) {
                // 6 MiB arrive, then the source stalls: part 1 is uploaded, part 2 never fills.
                Payload stalling = Payload.of(() -> Flux.concat(Flux.just(ByteBuffer.wrap(bytes(6 * MIB, 1))), Flux.never()), 20L * MIB);
                StepVerifier.create(cp.save(Snapshot.builder().partition("big", 0, stalling).build()))
                        .expectSubscription()
                        .then(() -> {
                            try {
                                await(store.partUploaded, "part 1 uploaded");
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        })
                        .thenCancel()
                        .verify(TIMEOUT);
                await(store.aborted, "the upload was aborted after the cancellation");
            }
            assertThat(store.started.get()).isEqualTo(1);
            assertThat(pendingUploads(prefix + "/")).as("pending multipart uploads").isEmpty();
            assertThat(s3.list("checkpoints/").collectList().block(TIMEOUT)).isEmpty();
        }
    }

    @Test
    void aSaveWhosePayloadFailsMidwayAbortsItsMultipartUpload(TestInfo info) throws InterruptedException {
        String prefix = prefix(info);
        try (ObjectStore s3 = S3MockServer.get().store(prefix).build()) {
            Watched store = new Watched(s3);
            try (Checkpointer cp = checkpointer(store)) {
                Payload failing = Payload.of(() -> Flux.concat(Flux.just(ByteBuffer.wrap(bytes(6 * MIB, 1))),
                        Flux.error(new IllegalStateException("state backend went away"))), 20L * MIB);
                StepVerifier.create(cp.save(Snapshot.builder().partition("big", 0, failing).build()))
                        .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(CheckpointException.class).hasMessageContaining("state backend went away"))
                        .verify(TIMEOUT);
                await(store.aborted, "the upload was aborted after the failure");
            }
            assertThat(pendingUploads(prefix + "/")).isEmpty();
            assertThat(s3.list("checkpoints/").collectList().block(TIMEOUT)).isEmpty();
        }
    }

    @Test
    void largePartitionsRoundTripThroughMultipartEndToEnd(TestInfo info) {
        String prefix = prefix(info);
        byte[] big = bytes(11 * MIB + 123, 7);
        try (ObjectStore s3 = S3MockServer.get().store(prefix).build()) {
            Watched store = new Watched(s3);
            try (Checkpointer cp = checkpointer(store)) {
                Manifest m = cp.save(Snapshot.builder().partition("big", 0, Payload.of(big)).build()).block(TIMEOUT);
                assertThat(store.started.get()).isEqualTo(1);
                Checkpoint latest = cp.latest().block(TIMEOUT);
                assertThat(latest.manifest().id()).isEqualTo(m.id());
                assertThat(Buffers.join(latest.stream("big", 0)).block(TIMEOUT)).isEqualTo(big);
            }
            assertThat(pendingUploads(prefix + "/")).isEmpty();
        }
    }

    @Test
    void readsAreStreamedInManyBuffersNotBuffered(TestInfo info) {
        try (ObjectStore store = S3MockServer.get().store(prefix(info)).build()) {
            byte[] data = bytes(4 * MIB, 3);
            store.put("big", Payload.of(data), PutOptions.none()).block(TIMEOUT);
            ObjectContent content = store.get("big", ByteRange.ALL).block(TIMEOUT);
            assertThat(content.info().size()).isEqualTo(data.length);
            List<Integer> sizes = new ArrayList<>();
            byte[] back = Buffers.join(content.body().doOnNext(b -> sizes.add(b.remaining()))).block(TIMEOUT);
            assertThat(back).isEqualTo(data);
            assertThat(sizes).as("buffers emitted").hasSizeGreaterThan(4);
            assertThat(sizes.stream().mapToInt(Integer::intValue).max().orElse(0)).isLessThan(data.length);
            // A ranged read reports the whole object's size and the range's bytes.
            ObjectContent ranged = store.get("big", ByteRange.of(MIB, 10)).block(TIMEOUT);
            assertThat(ranged.info().size()).isEqualTo(data.length);
            assertThat(Buffers.join(ranged.body()).block(TIMEOUT)).isEqualTo(Arrays.copyOfRange(data, MIB, MIB + 10));
        }
    }

    @Test
    void sseKmsWithAKeyTheServerKnowsWorksAndAnUnknownKeyIsABadRequest(TestInfo info) {
        String prefix = prefix(info);
        try (ObjectStore good = S3MockServer.get().store(prefix).sseKms(S3MockServer.VALID_KMS_KEY_ID, true).build();
                ObjectStore bad = S3MockServer.get().store(prefix).sseKms("unknown-key", false).build()) {
            good.put("kms", Payload.of(bytes(100, 1)), PutOptions.none()).block(TIMEOUT);
            assertThat(good.readAll("kms").block(TIMEOUT)).isEqualTo(bytes(100, 1));
            MultipartUpload upload = good.startMultipart("kms-mpu", PutOptions.none()).block(TIMEOUT);
            PartInfo p = upload.uploadPart(1, Payload.of(bytes(100, 2))).block(TIMEOUT);
            upload.complete(List.of(p)).block(TIMEOUT);
            assertThat(good.readAll("kms-mpu").block(TIMEOUT)).isEqualTo(bytes(100, 2));

            StepVerifier.create(bad.put("kms-bad", Payload.of(bytes(100, 1)), PutOptions.none()))
                    .expectErrorSatisfies(e -> {
                        assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST);
                        assertThat(((StoreException) e).isTransient()).isFalse();
                    })
                    .verify(TIMEOUT);
        }
    }

    @Test
    void sseCustomerKeyObjectsRoundTrip(TestInfo info) {
        String key = Base64.getEncoder().encodeToString(bytes(32, 99));
        try (ObjectStore store = S3MockServer.get().store(prefix(info)).sseCustomerKey(key).build()) {
            byte[] data = bytes(70_000, 1);
            ObjectInfo put = store.put("c", Payload.of(data), PutOptions.ifAbsent()).block(TIMEOUT);
            assertThat(store.head("c").block(TIMEOUT).etag()).isEqualTo(put.etag());
            assertThat(store.readAll("c").block(TIMEOUT)).isEqualTo(data);
            assertThat(Buffers.join(store.get("c", ByteRange.of(5, 5)).flatMapMany(ObjectContent::body)).block(TIMEOUT))
                    .isEqualTo(Arrays.copyOfRange(data, 5, 10));
            MultipartUpload upload = store.startMultipart("c-mpu", PutOptions.none()).block(TIMEOUT);
            PartInfo p = upload.uploadPart(1, Payload.of(data)).block(TIMEOUT);
            upload.complete(List.of(p)).block(TIMEOUT);
            assertThat(store.readAll("c-mpu").block(TIMEOUT)).isEqualTo(data);
        }
    }

    @Test
    void theCrtClientPassesTheEssentials(TestInfo info) {
        try (ObjectStore store = S3MockServer.get().store(prefix(info)).crt(true).build()) {
            assertThat(store.toString()).contains("crt");
            byte[] data = bytes(300_000, 4);
            ObjectInfo v1 = store.put("crt/a", Payload.of(data), PutOptions.ifAbsent().withSha256(sha256(data))).block(TIMEOUT);
            StepVerifier.create(store.put("crt/a", Payload.of(data), PutOptions.ifAbsent()))
                    .expectErrorSatisfies(e -> assertThat(((StoreException) e).isPreconditionFailed()).isTrue())
                    .verify(TIMEOUT);
            StepVerifier.create(store.put("crt/bad", Payload.of(data), PutOptions.none().withSha256(sha256(bytes(10, 1)))))
                    .expectErrorSatisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST))
                    .verify(TIMEOUT);
            assertThat(store.readAll("crt/a").block(TIMEOUT)).isEqualTo(data);
            assertThat(Buffers.join(store.get("crt/a", ByteRange.of(1000, 10)).flatMapMany(ObjectContent::body)).block(TIMEOUT))
                    .isEqualTo(Arrays.copyOfRange(data, 1000, 1010));
            assertThat(Buffers.join(store.get("crt/a", ByteRange.of(data.length, -1)).flatMapMany(ObjectContent::body)).block(TIMEOUT)).isEmpty();
            StepVerifier.create(store.head("crt/missing"))
                    .expectErrorSatisfies(e -> assertThat(((StoreException) e).isNotFound()).isTrue())
                    .verify(TIMEOUT);
            ObjectInfo v2 = store.put("crt/a", Payload.of(bytes(10, 1)), PutOptions.ifMatch(v1.etag())).block(TIMEOUT);
            StepVerifier.create(store.put("crt/a", Payload.of(bytes(10, 2)), PutOptions.ifMatch(v1.etag())))
                    .expectErrorSatisfies(e -> assertThat(((StoreException) e).isPreconditionFailed()).isTrue())
                    .verify(TIMEOUT);
            assertThat(store.head("crt/a").block(TIMEOUT).etag()).isEqualTo(v2.etag());

            byte[] part1 = bytes(5 * MIB, 5);
            byte[] part2 = bytes(1000, 6);
            MultipartUpload upload = store.startMultipart("crt/mpu", PutOptions.ifAbsent()).block(TIMEOUT);
            PartInfo p2 = upload.uploadPart(2, Payload.of(part2)).block(TIMEOUT);
            PartInfo p1 = upload.uploadPart(1, Payload.of(part1)).block(TIMEOUT);
            assertThat(upload.complete(List.of(p2, p1)).block(TIMEOUT).size()).isEqualTo(part1.length + part2.length);
            byte[] whole = Buffers.join(store.get("crt/mpu", ByteRange.ALL).flatMapMany(ObjectContent::body)).block(TIMEOUT);
            assertThat(Arrays.copyOfRange(whole, 0, part1.length)).isEqualTo(part1);
            assertThat(Arrays.copyOfRange(whole, part1.length, whole.length)).isEqualTo(part2);

            assertThat(store.list("crt/").map(ObjectInfo::key).collectList().block(TIMEOUT)).containsExactly("crt/a", "crt/mpu");
            store.deleteAll(List.of("crt/a", "crt/mpu", "crt/none")).block(TIMEOUT);
            assertThat(store.list("").collectList().block(TIMEOUT)).isEmpty();
        }
    }

    @Test
    void aStoreOverACallersClientLeavesThatClientOpen(TestInfo info) {
        try (S3AsyncClient client = S3MockServer.rawClient(S3MockServer.get().endpoint())) {
            String prefix = prefix(info);
            ObjectStore store = S3Store.builder().client(client).bucket(S3MockServer.BUCKET).prefix(prefix).build();
            store.put("x", Payload.of(new byte[] {1, 2, 3}), PutOptions.none()).block(TIMEOUT);
            store.close();
            store.close();
            StepVerifier.create(store.head("x"))
                    .expectErrorSatisfies(e -> assertThat(((CheckpointException) e).code()).isEqualTo(ErrorCode.CLOSED))
                    .verify(TIMEOUT);
            // The caller's client still works.
            assertThat(client.headObject(r -> r.bucket(S3MockServer.BUCKET).key(prefix + "/x")).join().contentLength()).isEqualTo(3);
        }
    }

    @Test
    void aClosedStoreRefusesWork(TestInfo info) {
        ObjectStore store = S3MockServer.get().store(prefix(info)).build();
        store.close();
        store.close();
        StepVerifier.create(store.put("x", Payload.of(new byte[1]), PutOptions.none()))
                .expectErrorSatisfies(e -> assertThat(((CheckpointException) e).code()).isEqualTo(ErrorCode.CLOSED))
                .verify(TIMEOUT);
        StepVerifier.create(store.list(""))
                .expectErrorSatisfies(e -> assertThat(((CheckpointException) e).code()).isEqualTo(ErrorCode.CLOSED))
                .verify(TIMEOUT);
    }

    @Test
    void checkpointerOpenFindsTheProviderByScheme(TestInfo info) {
        String uri = "s3://" + S3MockServer.BUCKET + "/" + prefix(info) + "?region=us-east-1&endpoint=" + S3MockServer.get().endpoint();
        try (Checkpointer cp = Checkpointer.builder().location(uri, java.util.Map.of("accessKeyId", S3MockServer.ACCESS_KEY,
                "secretAccessKey", S3MockServer.SECRET_KEY)).build()) {
            Manifest m = cp.save(Snapshot.builder().partition("p", 0, Payload.of(bytes(10_000, 1))).build()).block(TIMEOUT);
            assertThat(Buffers.toArray(cp.latest().block(TIMEOUT).read("p", 0).block(TIMEOUT))).isEqualTo(bytes(10_000, 1));
            assertThat(m.id().value()).isEqualTo(1);
        }
    }

    static String sha256(byte[] b) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

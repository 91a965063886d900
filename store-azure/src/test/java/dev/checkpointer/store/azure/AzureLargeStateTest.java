package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PutOptions;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Large state with bounded memory. This class runs in its own surefire execution with a small heap
 * ({@code -Xmx96m}, see the pom): payloads several times that size are generated lazily, uploaded (as the engine's
 * staged blocks, and as a store {@code put} that the SDK stages), streamed back and verified. Holding a payload in
 * memory would fail with {@link OutOfMemoryError}; on top, a pipeline policy measures the request bodies in flight at
 * once, which must stay within {@code concurrency x part size}.
 */
@ExtendWith(AzuriteExtension.class)
class AzureLargeStateTest {
    private static final String CONTAINER = "large";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final int CHUNK = 64 * 1024;
    private static final long MIB = 1024 * 1024;

    @BeforeAll
    static void container() {
        assumeTrue(maxHeap() <= 128 * MIB, "runs in the pom's bounded-memory execution, with a small heap");
        Azurite.shared().container(CONTAINER);
    }

    /** Bytes of request bodies sent and not yet answered, and the most seen at once. */
    private static final class InFlight implements HttpPipelinePolicy {
        final AtomicLong now = new AtomicLong();
        final AtomicLong peak = new AtomicLong();
        final AtomicLong requests = new AtomicLong();

        @Override
        public Mono<com.azure.core.http.HttpResponse> process(com.azure.core.http.HttpPipelineCallContext context,
                com.azure.core.http.HttpPipelineNextPolicy next) {
            String length = context.getHttpRequest().getHeaders().getValue(com.azure.core.http.HttpHeaderName.CONTENT_LENGTH);
            long n = context.getHttpRequest().getHttpMethod() == HttpMethod.PUT && length != null ? Long.parseLong(length) : 0;
            return Mono.defer(() -> {
                requests.incrementAndGet();
                peak.accumulateAndGet(now.addAndGet(n), Math::max);
                java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
                Runnable release = () -> {
                    if (done.compareAndSet(false, true)) {
                        now.addAndGet(-n);
                    }
                };
                // Released before the response travels on (doFinally would run after the next request started).
                return next.process().doOnSuccess(r -> release.run()).doOnError(e -> release.run()).doOnCancel(release);
            });
        }
    }

    private static ObjectStore store(String prefix, InFlight counter, long blockSize, int maxConcurrency) {
        BlobContainerAsyncClient client = new BlobContainerClientBuilder().connectionString(Azurite.shared().connectionString()).containerName(CONTAINER)
                .serviceVersion(AzureBlobStoreBuilder.DEFAULT_SERVICE_VERSION).retryOptions(AzureBlobStoreBuilder.noRetries()).addPolicy(counter)
                .buildAsyncClient();
        return AzureBlobStore.builder().client(client).prefix(prefix).blockSize(blockSize).maxConcurrency(maxConcurrency).build();
    }

    /** A payload of {@code length} pseudo-random bytes, generated 64 KiB at a time on every subscription. */
    private static Payload generated(long length, long seed) {
        return Payload.of(() -> Flux.generate(() -> 0L, (Long offset, reactor.core.publisher.SynchronousSink<ByteBuffer> sink) -> {
            if (offset >= length) {
                sink.complete();
                return offset;
            }
            int n = (int) Math.min(CHUNK, length - offset);
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + offset);
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.remaining() >= 8) {
                b.putLong(r.nextLong());
            }
            while (b.hasRemaining()) {
                b.put((byte) r.nextInt());
            }
            sink.next(b.flip());
            return offset + n;
        }), length);
    }

    private static String sha256(Flux<ByteBuffer> bytes) {
        MessageDigest md = sha();
        bytes.doOnNext(b -> md.update(b.duplicate())).blockLast(TIMEOUT);
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long maxHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax();
    }

    @Test
    void aCheckpointSeveralTimesLargerThanTheHeapIsStagedInBlocksAndStreamedBack() {
        long size = 256 * MIB + 12_345;
        assertThat(size).as("the payload is larger than the heap").isGreaterThan(5 * maxHeap() / 2);
        long part = 4 * MIB;
        int concurrency = 4;
        InFlight counter = new InFlight();
        String prefix = "engine-" + System.nanoTime();
        Payload payload = generated(size, 1);
        String expected = sha256(payload.content());
        try (ObjectStore store = store(prefix, counter, 4 * MIB, 2);
                Checkpointer cp = Checkpointer.builder().store(store).partSize(part).maxConcurrentUploads(concurrency)
                        .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(10), 2, Duration.ofMillis(200))).build()) {
            Manifest m = cp.save(Snapshot.builder().epoch(1).partition("window", 0, PartitionKind.SNAPSHOT, payload).build()).block(TIMEOUT);
            assertThat(m.partitions()).singleElement().satisfies(p -> {
                assertThat(p.size()).isEqualTo(size);
                assertThat(p.sha256()).isEqualTo(expected);
            });
            long blocks = (size + part - 1) / part;
            assertThat(counter.requests.get()).as("one request per block, plus a handful").isBetween(blocks, blocks + 10);
            assertThat(counter.peak.get()).as("request bodies in flight at once").isLessThanOrEqualTo(concurrency * part);

            Checkpoint latest = cp.latest().block(TIMEOUT);
            // stream() completes only after the engine verified the SHA-256 of every byte.
            assertThat(sha256(latest.stream("window", 0))).isEqualTo(expected);
        }
    }

    @Test
    void aLargeStreamedPutIsStagedByTheSdkWithBoundedMemory() {
        long size = 96 * MIB + 7;
        long block = 4 * MIB;
        int concurrency = 3;
        InFlight counter = new InFlight();
        Payload payload = generated(size, 2);
        String expected = sha256(payload.content());
        try (ObjectStore store = store("put-" + System.nanoTime(), counter, block, concurrency)) {
            ObjectInfo info = store.put("big.bin", payload, PutOptions.ifAbsent().withSha256(expected)).block(TIMEOUT);
            assertThat(info.size()).isEqualTo(size);
            assertThat(counter.peak.get()).as("request bodies in flight at once").isLessThanOrEqualTo(concurrency * block);
            assertThat(counter.requests.get()).isEqualTo((size + block - 1) / block + 1);
            assertThat(sha256(store.get("big.bin", ByteRange.ALL).flatMapMany(c -> c.body()))).isEqualTo(expected);
            assertThat(sha256(store.get("big.bin", ByteRange.of(100 * MIB, -1)).flatMapMany(c -> c.body())))
                    .isEqualTo(sha256(Flux.from(payload.content()).skip(100 * MIB / CHUNK)));
        }
    }
}

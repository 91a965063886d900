package dev.checkpointer.store.filesystem;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/**
 * Aborting a multipart upload while its parts are still being written: the abort succeeds, the parts fail with
 * {@code STORE_NOT_FOUND} ("aborted"), and nothing of the upload is left or recreated. The races are forced into
 * one order with latches, in a {@link HookedFileSystem} where they must fall inside a file operation.
 */
class FileSystemMultipartAbortTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path parent;

    private final List<ObjectStore> stores = new ArrayList<>();
    private Path realRoot;
    private Path uploads;
    private Path trash;

    @BeforeEach
    void setUp() throws IOException {
        realRoot = Files.createDirectories(parent.resolve("store")).toRealPath();
        uploads = realRoot.resolve(".checkpointer-store").resolve("uploads");
        trash = realRoot.resolve(".checkpointer-store").resolve("trash");
    }

    @AfterEach
    void tearDown() {
        stores.forEach(ObjectStore::close);
    }

    private ObjectStore open(Path root) {
        ObjectStore s = FileSystemStore.builder(root).threads(8).build();
        stores.add(s);
        return s;
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static void await(CountDownLatch latch, String what) throws IOException {
        try {
            if (!latch.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IOException("test hook timed out waiting for " + what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("test hook interrupted waiting for " + what, e);
        }
    }

    private static List<Path> entries(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    /** Expects STORE_NOT_FOUND saying that the upload was aborted (never a key/directory collision). */
    private static void assertAborted(Publisher<?> p) {
        StepVerifier.create(p).expectErrorSatisfies(e -> assertAbortedError(e)).verify(TIMEOUT);
    }

    private static void assertAbortedError(Throwable e) {
        assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("aborted").hasMessageNotContaining("collides");
        assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_NOT_FOUND);
    }

    private boolean isUploadDir(Path p) {
        return Files.isDirectory(p) && p.getParent() != null && (p.getParent().equals(uploads) || p.getParent().equals(trash));
    }

    @Test
    void anAbortWhileAPartCreatesItsTempFileSucceedsAndThePartFailsAsAborted() throws Exception {
        HookedFileSystem fs = new HookedFileSystem();
        ObjectStore store = open(fs.wrap(realRoot));
        MultipartUpload upload = store.startMultipart("k6/object", PutOptions.none()).block(TIMEOUT);
        PartInfo one = upload.uploadPart(1, Payload.of(bytes(1000, 1))).block(TIMEOUT);

        // Part 2 stops just before creating its temp file in the upload directory, and goes on only once the abort
        // is removing a directory of that upload; the abort's removal waits until part 2 has tried to create it.
        CountDownLatch partParked = new CountDownLatch(1);
        CountDownLatch abortDeleting = new CountDownLatch(1);
        CountDownLatch partCreatedTemp = new CountDownLatch(1);
        AtomicBoolean once = new AtomicBoolean();
        fs.beforeOpen = p -> {
            if (p.startsWith(uploads) && p.getFileName().toString().startsWith(".checkpointer-tmp-")) {
                partParked.countDown();
                await(abortDeleting, "the abort to remove the upload directory");
            }
        };
        fs.afterOpen = p -> {
            if (p.startsWith(uploads) && p.getFileName().toString().startsWith(".checkpointer-tmp-")) {
                partCreatedTemp.countDown();
            }
        };
        fs.beforeDelete = p -> {
            if (isUploadDir(p) && once.compareAndSet(false, true)) {
                abortDeleting.countDown();
                await(partCreatedTemp, "part 2 to create its temp file");
            }
        };
        CompletableFuture<PartInfo> two = upload.uploadPart(2, Payload.of(bytes(500, 2))).toFuture();
        await(partParked, "part 2 to start");

        StepVerifier.create(upload.abort()).verifyComplete();

        assertThat(once).as("the abort removed a directory while part 2 was in flight").isTrue();
        StepVerifier.create(Mono.fromFuture(two)).expectErrorSatisfies(FileSystemMultipartAbortTest::assertAbortedError).verify(TIMEOUT);
        fs.beforeOpen = p -> { };
        fs.beforeDelete = p -> { };
        assertThat(entries(uploads)).as("no pending upload is left").isEmpty();
        assertThat(entries(trash)).as("nothing is left in the trash").isEmpty();

        // late calls fail cleanly, and recreate nothing
        assertAborted(upload.uploadPart(3, Payload.of(bytes(10, 3))));
        assertAborted(upload.complete(List.of(one)));
        StepVerifier.create(upload.abort()).verifyComplete();
        assertThat(entries(uploads)).isEmpty();
        assertThat(entries(trash)).isEmpty();
        StepVerifier.create(store.list("")).verifyComplete();
    }

    @Test
    void aPartStillStreamingWhenItsUploadIsAbortedFailsAsAbortedAndRecreatesNothing() throws Exception {
        ObjectStore store = open(realRoot);
        MultipartUpload upload = store.startMultipart("k6/streaming", PutOptions.none()).block(TIMEOUT);
        PartInfo one = upload.uploadPart(1, Payload.of(bytes(1000, 1))).block(TIMEOUT);
        Path uploadDir = entries(uploads).get(0);

        CountDownLatch streaming = new CountDownLatch(1);
        Sinks.One<ByteBuffer> rest = Sinks.one();
        Payload slow = Payload.of(() -> rest.asMono().flux().doOnSubscribe(s -> streaming.countDown()), 100);
        CompletableFuture<PartInfo> two = upload.uploadPart(2, slow).toFuture();
        await(streaming, "part 2 to stream");
        assertThat(entries(uploadDir)).as("part 2's temp file").anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith(".checkpointer-tmp-"));

        StepVerifier.create(upload.abort()).verifyComplete();
        assertThat(entries(uploads)).isEmpty();

        rest.tryEmitValue(ByteBuffer.wrap(bytes(100, 2)));
        StepVerifier.create(Mono.fromFuture(two)).expectErrorSatisfies(FileSystemMultipartAbortTest::assertAbortedError).verify(TIMEOUT);
        assertThat(uploadDir).as("not recreated").doesNotExist();
        assertThat(entries(uploads)).isEmpty();
        assertThat(entries(trash)).isEmpty();
        assertAborted(upload.uploadPart(2, Payload.of(bytes(100, 2))));
        assertAborted(upload.complete(List.of(one)));
        assertThat(uploadDir).doesNotExist();
        StepVerifier.create(store.list("")).verifyComplete();
    }

    @Test
    void filesAppearingWhileAnAbortedUploadIsDeletedAreSweptByWalkingAgainOrByCleanup() throws Exception {
        HookedFileSystem fs = new HookedFileSystem();
        ObjectStore store = open(fs.wrap(realRoot));

        // a straggler appears once: the removal walks again and the abort leaves nothing
        MultipartUpload first = store.startMultipart("k6/straggler", PutOptions.none()).block(TIMEOUT);
        PartInfo p1 = first.uploadPart(1, Payload.of(bytes(100, 1))).block(TIMEOUT);
        AtomicBoolean once = new AtomicBoolean();
        fs.beforeDelete = p -> {
            if (isUploadDir(p) && once.compareAndSet(false, true)) {
                Files.write(p.resolve(".checkpointer-tmp-straggler"), new byte[] {1});
            }
        };
        StepVerifier.create(first.abort()).verifyComplete();
        assertThat(once).isTrue();
        assertThat(entries(uploads)).isEmpty();
        assertThat(entries(trash)).isEmpty();
        assertAborted(first.complete(List.of(p1)));

        // stragglers keep appearing: the abort still succeeds (the upload is no longer pending); cleanup sweeps the rest
        MultipartUpload second = store.startMultipart("k6/stubborn", PutOptions.none()).block(TIMEOUT);
        PartInfo p2 = second.uploadPart(1, Payload.of(bytes(100, 2))).block(TIMEOUT);
        fs.beforeDelete = p -> {
            if (isUploadDir(p)) {
                Files.write(p.resolve(".checkpointer-tmp-" + System.nanoTime()), new byte[] {1});
            }
        };
        StepVerifier.create(second.abort()).verifyComplete();
        assertThat(entries(uploads)).as("no pending upload").isEmpty();
        assertThat(entries(trash)).hasSize(1);
        assertAborted(second.uploadPart(2, Payload.of(bytes(10, 3))));
        assertAborted(second.complete(List.of(p2)));
        fs.beforeDelete = p -> { };

        // dead at any age and under any prefix
        StepVerifier.create(store.cleanupIncomplete("elsewhere/", Instant.EPOCH))
                .assertNext(d -> assertThat(d).contains("multipart upload").contains("trash"))
                .verifyComplete();
        assertThat(entries(trash)).isEmpty();
        assertThat(entries(uploads)).isEmpty();
    }
}

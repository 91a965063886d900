package dev.checkpointer.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Firebase Storage emulator's deviations from GCS, pinned down as tests: they are why the emulator test classes
 * declare {@code conditionalWrites} and {@code nativeChecksums} off and the store runs there with
 * {@code singleRequestUploads=false} and one-chunk uploads. If a newer firebase-tools fixes one, its test here fails:
 * then switch the capability back on in {@link GcsEmulatorObjectStoreContractTest#ON_THE_EMULATOR} and drop the
 * matching entries of {@link FirebaseEmulatorDeviations}. Also proves what still holds over such a server: the
 * store's own SHA-256 check, and that a broken multi-chunk upload is an error, never a truncated object.
 */
@ExtendWith(FirebaseStorageEmulatorExtension.class)
class GcsEmulatorDeviationsTest {
    private static final Duration T = Duration.ofSeconds(30);

    private FirebaseStorageEmulator emulator;
    private String prefix;
    private ObjectStore store;

    @BeforeEach
    void open() {
        emulator = FirebaseStorageEmulator.shared();
        prefix = "deviations/" + System.nanoTime();
        store = emulator.store(prefix).build();
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

    @Test
    void generationPreconditionsAreIgnored() {
        ObjectInfo first = store.put("cond", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(T);
        ObjectInfo second = store.put("cond", Payload.of(new byte[] {2}), PutOptions.ifAbsent()).block(T);
        assertThat(second.etag()).as("a second create-if-absent (ifGenerationMatch=0) succeeds on the emulator").isNotEqualTo(first.etag());
        store.put("cond", Payload.of(new byte[] {3}), PutOptions.ifMatch(first.etag())).block(T);
        assertThat(store.readAll("cond").block(T)).as("a stale ifGenerationMatch succeeds on the emulator").containsExactly(3);
    }

    @Test
    void aWrongCrc32cSentWithTheBytesIsAccepted() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String name = prefix + "/wrong-crc";
        String start = emulator.endpoint() + "/upload/storage/v1/b/" + FirebaseStorageEmulator.BUCKET + "/o?uploadType=resumable&name="
                + URLEncoder.encode(name, StandardCharsets.UTF_8);
        HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(start))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\",\"crc32c\":\"AAAAAA==\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(session.statusCode()).as(session.body()).isEqualTo(200);
        String location = session.headers().firstValue("location").orElseThrow();
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(location))
                .header("x-goog-hash", "crc32c=AAAAAA==")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3})).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as("GCS answers 400 to a crc32c that does not match; the emulator stores the bytes: %s", put.body())
                .isEqualTo(200);
        assertThat(store.readAll("wrong-crc").block(T)).containsExactly(1, 2, 3);
    }

    @Test
    void aWrongDeclaredSha256IsStillRefusedByTheStoreBeforeTheUploadIsFinalised() throws Exception {
        byte[] data = bytes(70_000, 8);
        Throwable e = catchThrowable(() -> store.put("sha", Payload.of(data), PutOptions.none().withSha256(sha256(new byte[] {1}))).block(T));
        assertThat(e).isInstanceOfSatisfying(StoreException.class, se -> assertThat(se.code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST));
        assertThat(catchThrowable(() -> store.head("sha").block(T))).isInstanceOfSatisfying(StoreException.class,
                se -> assertThat(se.isNotFound()).isTrue());
        store.put("sha", Payload.of(data), PutOptions.none().withSha256(sha256(data))).block(T);
        assertThat(store.readAll("sha").block(T)).isEqualTo(data);
    }

    @Test
    void theClientsOneRequestMultipartUploadIsRefused() {
        try (ObjectStore oneRequest = emulator.store(prefix).singleRequestUploads(true).build()) {
            Throwable e = catchThrowable(() -> oneRequest.put("multipart", Payload.of(new byte[] {1, 2}), PutOptions.none()).block(T));
            assertThat(e).as("uploadType=multipart from google-cloud-storage gets 400 from the emulator")
                    .isInstanceOfSatisfying(StoreException.class, se -> assertThat(se.code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST));
        }
        assertThat(store.put("multipart", Payload.of(new byte[] {1, 2}), PutOptions.none()).block(T).size())
                .as("the same put through a resumable session (singleRequestUploads=false) works").isEqualTo(2);
    }

    @Test
    void aMultiChunkResumableUploadFailsAfterTheEmulatorPublishedItsFirstChunk() {
        byte[] data = bytes(2 * 256 * 1024 + 17, 9);
        try (ObjectStore smallChunks = emulator.store(prefix).chunkSize(256 * 1024).build()) {
            Throwable e = catchThrowable(() -> smallChunks.put("chunks", Payload.of(data), PutOptions.none()).block(T));
            assertThat(e).as("the second chunk goes to an upload the emulator already finalised: the put fails")
                    .isInstanceOf(StoreException.class).hasMessageContaining("finalized");
            // GCS finalises only on the last chunk; the emulator has published the first one as the object. This is
            // why every upload to the emulator must fit in one chunk (FirebaseStorageEmulator.CHUNK).
            assertThat(smallChunks.head("chunks").block(T).size()).isEqualTo(256 * 1024);
        }
    }
}

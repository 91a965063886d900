package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/**
 * What the store sends, asserted on the wire (WireMock in front of Azurite records every request): the pinned
 * service version, {@code Content-MD5} on every request that carries bytes, the conditions as
 * {@code If-None-Match: *} and {@code If-Match}, and the customer-provided key and encryption scope headers on the
 * requests that need them.
 */
@ExtendWith(AzuriteExtension.class)
class AzureWireTest {
    private static final String CONTAINER = "wire";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static AzuriteProxy proxy;
    private String prefix;

    @BeforeAll
    static void start() {
        Azurite.shared().container(CONTAINER);
        proxy = new AzuriteProxy();
    }

    @AfterAll
    static void stop() {
        proxy.close();
    }

    @BeforeEach
    void name(TestInfo info) {
        prefix = info.getTestMethod().orElseThrow().getName().toLowerCase(Locale.ROOT) + "-" + System.nanoTime();
        proxy.server().resetRequests();
    }

    private String path(String key) {
        return "/" + Azurite.ACCOUNT + "/" + CONTAINER + "/" + (prefix + "/" + key).replace("/", "%2F");
    }

    private List<LoggedRequest> requests(RequestPatternBuilder pattern) {
        return proxy.server().findAll(pattern);
    }

    private static String md5(byte[] b) throws Exception {
        return Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(b));
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void everyUploadCarriesContentMd5AndThePinnedVersion() throws Exception {
        ObjectStore store = AzureBlobStore.builder().connectionString(proxy.connectionString()).container(CONTAINER).prefix(prefix)
                .blockSize(64 * 1024).build();
        byte[] small = bytes(1000, 1);
        store.put("small", Payload.of(small), PutOptions.none()).block(TIMEOUT);
        List<LoggedRequest> single = requests(putRequestedFor(urlPathEqualTo(path("small"))));
        assertThat(single).hasSize(1);
        assertThat(single.get(0).getHeader("Content-MD5")).isEqualTo(md5(small));
        assertThat(single.get(0).getHeader("x-ms-version")).isEqualTo("2025-11-05");
        assertThat(single.get(0).getHeader("x-ms-blob-type")).isEqualTo("BlockBlob");

        // Streamed and larger than a block: staged in 64 KiB blocks, each with its MD5, then committed.
        byte[] large = bytes(200 * 1024 + 5, 2);
        Payload streamed = Payload.of(() -> Flux.range(0, 41).map(i -> ByteBuffer.wrap(large, i * 5000, Math.min(5000, large.length - i * 5000))
                .asReadOnlyBuffer()), large.length);
        store.put("large", streamed, PutOptions.ifAbsent()).block(TIMEOUT);
        List<LoggedRequest> blocks = requests(putRequestedFor(urlPathEqualTo(path("large"))).withQueryParam("comp", equalTo("block")));
        assertThat(blocks).hasSize(4);
        int offset = 0;
        for (LoggedRequest r : blocks.stream().sorted(java.util.Comparator.comparing(LoggedRequest::getLoggedDate)).toList()) {
            assertThat(r.getHeader("Content-MD5")).isNotBlank();
            assertThat(Base64.getDecoder().decode(r.getHeader("Content-MD5"))).hasSize(16);
            offset += r.getBody().length;
        }
        assertThat(offset).isEqualTo(large.length);
        List<LoggedRequest> commit = requests(putRequestedFor(urlPathEqualTo(path("large"))).withQueryParam("comp", equalTo("blocklist")));
        assertThat(commit).hasSize(1);
        assertThat(commit.get(0).getHeader("If-None-Match")).isEqualTo("*");
        assertThat(store.readAll("large").block(TIMEOUT)).isEqualTo(large);

        // Multipart parts: one block each, MD5 of exactly the part's bytes, deterministic ids.
        MultipartUpload upload = store.startMultipart("mpu", PutOptions.none()).block(TIMEOUT);
        byte[] p1 = bytes(70_000, 3);
        PartInfo info = upload.uploadPart(1, Payload.of(p1)).block(TIMEOUT);
        upload.uploadPart(1, Payload.of(p1)).block(TIMEOUT);
        List<LoggedRequest> parts = requests(putRequestedFor(urlPathEqualTo(path("mpu"))).withQueryParam("comp", equalTo("block")));
        assertThat(parts).hasSize(2).allSatisfy(r -> {
            assertThat(r.getHeader("Content-MD5")).isEqualTo(md5(p1));
            assertThat(r.queryParameter("blockid").firstValue()).isEqualTo(info.etag());
        });
        upload.complete(List.of(info)).block(TIMEOUT);
    }

    @Test
    void conditionsTravelAsIfNoneMatchAndIfMatch() {
        ObjectStore store = AzureBlobStore.builder().connectionString(proxy.connectionString()).container(CONTAINER).prefix(prefix).build();
        ObjectInfo v1 = store.put("k", Payload.of(new byte[] {1}), PutOptions.ifAbsent()).block(TIMEOUT);
        store.put("k", Payload.of(new byte[] {2}), PutOptions.ifMatch(v1.etag())).block(TIMEOUT);
        store.put("k", Payload.of(new byte[] {3}), PutOptions.none()).block(TIMEOUT);
        List<LoggedRequest> puts = requests(putRequestedFor(urlPathEqualTo(path("k"))));
        assertThat(puts).hasSize(3);
        assertThat(puts.get(0).getHeader("If-None-Match")).isEqualTo("*");
        assertThat(puts.get(0).containsHeader("If-Match")).isFalse();
        assertThat(puts.get(1).getHeader("If-Match")).contains(v1.etag());
        assertThat(puts.get(1).containsHeader("If-None-Match")).isFalse();
        assertThat(puts.get(2).containsHeader("If-Match")).isFalse();
        assertThat(puts.get(2).containsHeader("If-None-Match")).isFalse();

        MultipartUpload cas = store.startMultipart("k", PutOptions.ifMatch("0xSTALE")).block(TIMEOUT);
        PartInfo p = cas.uploadPart(1, Payload.of(new byte[] {4})).block(TIMEOUT);
        StepVerifier.create(cas.complete(List.of(p)))
                .expectErrorSatisfies(e -> assertThat(((StoreException) e).isPreconditionFailed()).isTrue())
                .verify(TIMEOUT);
        assertThat(requests(putRequestedFor(urlPathEqualTo(path("k"))).withQueryParam("comp", equalTo("blocklist")).withHeader("If-Match", equalTo("0xSTALE"))))
                .hasSize(1);
        assertThat(store.readAll("k").block(TIMEOUT)).containsExactly(3);
    }

    @Test
    void anEncryptionScopeReachesEveryWrite() {
        // Builder path: the scope is set on the SDK client the store builds (over HTTP; a scope needs no HTTPS).
        ObjectStore store = AzureBlobStore.builder().location(java.net.URI.create("azblob://" + CONTAINER + "/" + prefix
                        + "?encryptionScope=checkpoint-scope&blockSize=64KiB"), java.util.Map.of("connectionString", proxy.connectionString()))
                .build();
        store.put("one", Payload.of(bytes(100, 1)), PutOptions.none()).block(TIMEOUT);
        store.put("staged", Payload.of(bytes(100_000, 2)), PutOptions.none()).block(TIMEOUT);
        MultipartUpload upload = store.startMultipart("mpu", PutOptions.none()).block(TIMEOUT);
        PartInfo p = upload.uploadPart(1, Payload.of(bytes(10, 3))).block(TIMEOUT);
        upload.complete(List.of(p)).block(TIMEOUT);
        List<LoggedRequest> writes = requests(putRequestedFor(WireMock.urlPathMatching("/" + Azurite.ACCOUNT + "/" + CONTAINER + "/" + prefix + "%2F.*")));
        assertThat(writes).hasSizeGreaterThanOrEqualTo(6)
                .allSatisfy(r -> assertThat(r.getHeader("x-ms-encryption-scope")).as("%s %s", r.getMethod(), r.getUrl()).isEqualTo("checkpoint-scope"));

        // Client path: applied on top of the caller's client.
        proxy.server().resetRequests();
        ObjectStore viaProxy = AzureBlobStore.builder().client(new com.azure.storage.blob.BlobContainerClientBuilder()
                        .connectionString(proxy.connectionString()).containerName(CONTAINER).retryOptions(AzureBlobStoreBuilder.noRetries()).buildAsyncClient())
                .prefix(prefix).encryptionScope("other-scope").build();
        assertThat(viaProxy.describe()).contains("caller's client");
        viaProxy.put("two", Payload.of(bytes(10, 4)), PutOptions.none()).block(TIMEOUT);
        assertThat(requests(putRequestedFor(urlPathEqualTo(path("two"))).withHeader("x-ms-encryption-scope", equalTo("other-scope")))).hasSize(1);
    }

    @Test
    void aCustomerProvidedKeyReachesEveryReadAndWriteOverHttps() throws Exception {
        byte[] key = bytes(32, 42);
        String keyBase64 = Base64.getEncoder().encodeToString(key);
        String keySha = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(key));
        ObjectStore store = AzureBlobStore.builder().client(proxy.httpsClient(CONTAINER)).prefix(prefix).customerProvidedKey(keyBase64)
                .blockSize(64 * 1024).build();
        byte[] small = bytes(500, 5);
        store.put("small", Payload.of(small), PutOptions.none()).block(TIMEOUT);
        store.put("staged", Payload.of(bytes(150_000, 6)), PutOptions.ifAbsent()).block(TIMEOUT);
        MultipartUpload upload = store.startMultipart("mpu", PutOptions.none()).block(TIMEOUT);
        PartInfo p = upload.uploadPart(1, Payload.of(bytes(1000, 7))).block(TIMEOUT);
        upload.complete(List.of(p)).block(TIMEOUT);
        assertThat(store.readAll("small").block(TIMEOUT)).isEqualTo(small);
        assertThat(store.head("staged").block(TIMEOUT).size()).isEqualTo(150_000);
        store.get("mpu", ByteRange.of(10, 10)).flatMap(c -> dev.checkpointer.spi.Buffers.join(c.body())).block(TIMEOUT);

        RequestPatternBuilder[] needKey = {
            putRequestedFor(urlPathEqualTo(path("small"))),
            putRequestedFor(urlPathEqualTo(path("staged"))).withQueryParam("comp", equalTo("block")),
            putRequestedFor(urlPathEqualTo(path("staged"))).withQueryParam("comp", equalTo("blocklist")),
            putRequestedFor(urlPathEqualTo(path("mpu"))).withQueryParam("comp", equalTo("block")),
            putRequestedFor(urlPathEqualTo(path("mpu"))).withQueryParam("comp", equalTo("blocklist")),
            getRequestedFor(urlPathEqualTo(path("small"))),
            headRequestedFor(urlPathEqualTo(path("staged"))),
            getRequestedFor(urlPathEqualTo(path("mpu"))),
        };
        for (RequestPatternBuilder pattern : needKey) {
            List<LoggedRequest> sent = requests(pattern);
            assertThat(sent).as("%s", pattern.build()).isNotEmpty().allSatisfy(r -> {
                assertThat(r.getHeader("x-ms-encryption-key")).isEqualTo(keyBase64);
                assertThat(r.getHeader("x-ms-encryption-key-sha256")).isEqualTo(keySha);
                assertThat(r.getHeader("x-ms-encryption-algorithm")).isEqualTo("AES256");
            });
        }
        assertThat(requests(putRequestedFor(urlPathEqualTo(path("small")))).get(0).getUrl()).doesNotContain("encryption");
        assertThat(store.toString()).doesNotContain(keyBase64);
    }

    @Test
    void aCustomerProvidedKeyIsRefusedOverPlainHttp() {
        String key = Base64.getEncoder().encodeToString(bytes(32, 1));
        assertThatThrownBy(() -> AzureBlobStore.builder().connectionString(proxy.connectionString()).container(CONTAINER).customerProvidedKey(key).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("https").hasMessageNotContaining(key);
        assertThatThrownBy(() -> AzureBlobStore.builder().client(Azurite.shared().container(CONTAINER)).customerProvidedKey(key).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("HTTPS").hasMessageNotContaining(key);
        assertThat(requests(WireMock.anyRequestedFor(WireMock.anyUrl()))).as("refused before any request").isEmpty();
    }
}

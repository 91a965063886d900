package dev.checkpointer.store.s3;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointListener;
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
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.ObjectContent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.reactivestreams.Publisher;
import reactor.test.StepVerifier;

/**
 * The store behind a WireMock proxy in front of S3Mock: scripted S3 failures (503 SlowDown, 500, connection resets,
 * 403, 409, …) must map onto the right {@link StoreException}s, the engine's retries must then succeed end to end,
 * and the headers the store promises (checksums, conditions, SSE, ranges) must be on the wire.
 */
@ExtendWith(S3MockServer.Extension.class)
class S3FaultInjectionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int MIB = 1024 * 1024;
    private static final String XML = "application/xml";
    private static WireMockServer proxy;

    private String prefix;

    @BeforeAll
    static void startProxy() {
        proxy = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        proxy.start();
    }

    @AfterAll
    static void stopProxy() {
        proxy.stop();
    }

    @BeforeEach
    void reset(TestInfo info) {
        proxy.resetAll();
        // Everything not scripted by a test goes through to S3Mock.
        proxy.stubFor(any(anyUrl()).atPriority(100).willReturn(aResponse().proxiedFrom(S3MockServer.get().endpoint().toString())));
        prefix = "faults/" + info.getTestMethod().orElseThrow().getName().toLowerCase() + "-" + System.nanoTime();
    }

    private S3StoreBuilder storeBuilder() {
        return S3MockServer.get().store(prefix).endpoint(URI.create(proxy.baseUrl()));
    }

    private String path(String key) {
        return "/" + S3MockServer.BUCKET + "/" + prefix + "/" + key;
    }

    private static String error(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>req-1</RequestId></Error>";
    }

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static StoreException storeError(Publisher<?> publisher) {
        Throwable[] seen = new Throwable[1];
        StepVerifier.create(publisher).expectErrorSatisfies(e -> seen[0] = e).verify(TIMEOUT);
        assertThat(seen[0]).isInstanceOf(StoreException.class);
        return (StoreException) seen[0];
    }

    private List<LoggedRequest> requests(String method, String key) {
        return proxy.findAll(anyRequestedFor(urlPathEqualTo(path(key)))).stream().filter(r -> r.getMethod().getName().equals(method)).toList();
    }

    // ================================================================================================ error mapping

    @Test
    void slowDownIsThrottling() {
        proxy.stubFor(put(urlPathEqualTo(path("k"))).atPriority(1)
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", XML).withBody(error("SlowDown", "Please reduce your request rate."))));
        try (ObjectStore store = storeBuilder().build()) {
            StoreException e = storeError(store.put("k", Payload.of(new byte[] {1}), PutOptions.none()));
            assertThat(e.code()).isEqualTo(ErrorCode.STORE_THROTTLED);
            assertThat(e.isTransient()).isTrue();
            assertThat(e.getMessage()).contains("SlowDown").contains("put 'k'");
            assertThat(requests("PUT", "k")).as("the SDK does not retry throttling").hasSize(1);
        }
    }

    @Test
    void serverErrorsAreTransientAndNotImplementedIsUnsupported() {
        proxy.stubFor(get(urlPathEqualTo(path("k500"))).atPriority(1)
                .willReturn(aResponse().withStatus(500).withHeader("Content-Type", XML).withBody(error("InternalError", "We encountered an internal error."))));
        proxy.stubFor(head(urlPathEqualTo(path("k502"))).atPriority(1).willReturn(aResponse().withStatus(502)));
        proxy.stubFor(head(urlPathEqualTo(path("k501"))).atPriority(1).willReturn(aResponse().withStatus(501)));
        try (ObjectStore store = storeBuilder().build()) {
            StoreException e500 = storeError(store.get("k500", ByteRange.ALL));
            assertThat(e500.code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
            assertThat(e500.getMessage()).contains("500").contains("InternalError").contains("req-1");
            assertThat(requests("GET", "k500")).as("the SDK does not retry 5xx").hasSize(1);
            assertThat(storeError(store.head("k502")).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
            assertThat(storeError(store.head("k501")).code()).isEqualTo(ErrorCode.STORE_UNSUPPORTED);
        }
    }

    @Test
    void connectionResetsAreTransientAfterTwoSdkRetries() {
        proxy.stubFor(head(urlPathEqualTo(path("reset"))).atPriority(1).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        proxy.stubFor(get(urlPathEqualTo(path("garbage"))).atPriority(1).willReturn(aResponse().withFault(Fault.RANDOM_DATA_THEN_CLOSE)));
        proxy.stubFor(get(urlPathEqualTo(path("empty"))).atPriority(1).willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));
        try (ObjectStore store = storeBuilder().build()) {
            StoreException e = storeError(store.head("reset"));
            assertThat(e.code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
            assertThat(requests("HEAD", "reset")).as("two SDK retries for a reset connection, then the engine decides").hasSize(3);
            StoreException garbage = storeError(store.get("garbage", ByteRange.ALL).flatMap(c -> Buffers.join(c.body())));
            assertThat(garbage.isTransient()).as("%s", garbage).isTrue();
            StoreException empty = storeError(store.get("empty", ByteRange.ALL).flatMap(c -> Buffers.join(c.body())));
            assertThat(empty.isTransient()).as("%s", empty).isTrue();
        }
    }

    @Test
    void aConnectionLostInTheMiddleOfABodyIsTransient() throws Exception {
        // A server that promises 1000 bytes, sends 10 and closes the connection.
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                try (Socket s = server.accept()) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        // skip the request head
                    }
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: \"abc\"\r\n"
                            + "Last-Modified: Mon, 23 Nov 2026 00:00:00 GMT\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.write(new byte[10]);
                    out.flush();
                } catch (IOException ignored) {
                    // the test asserts on the client side
                }
            }, "cut-body-server");
            t.setDaemon(true);
            t.start();
            try (ObjectStore store = S3MockServer.get().store(prefix).endpoint(URI.create("http://127.0.0.1:" + server.getLocalPort())).readTimeout(Duration.ofSeconds(2)).build()) {
                ObjectContent content = store.get("cut", ByteRange.ALL).block(TIMEOUT);
                assertThat(content.info().size()).isEqualTo(1000);
                StoreException e = storeError(Buffers.join(content.body()));
                assertThat(e.isTransient()).as("%s", e).isTrue();
                assertThat(e.operation()).isEqualTo("get");
            }
        }
    }

    @Test
    void clientErrorsArePermanentWithTheRightCode() {
        proxy.stubFor(get(urlPathEqualTo(path("denied"))).atPriority(1)
                .willReturn(aResponse().withStatus(403).withHeader("Content-Type", XML).withBody(error("AccessDenied", "Access Denied"))));
        proxy.stubFor(put(urlPathEqualTo(path("digest"))).atPriority(1)
                .willReturn(aResponse().withStatus(400).withHeader("Content-Type", XML).withBody(error("BadDigest", "The sha256 you specified did not match."))));
        proxy.stubFor(put(urlPathEqualTo(path("conflict"))).atPriority(1)
                .willReturn(aResponse().withStatus(409).withHeader("Content-Type", XML)
                        .withBody(error("ConditionalRequestConflict", "A conflicting operation occurred."))));
        proxy.stubFor(put(urlPathEqualTo(path("aborted"))).atPriority(1)
                .willReturn(aResponse().withStatus(409).withHeader("Content-Type", XML)
                        .withBody(error("OperationAborted", "A conflicting conditional operation is currently in progress."))));
        proxy.stubFor(get(urlPathEqualTo(path("nobucket"))).atPriority(1)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", XML).withBody(error("NoSuchBucket", "The specified bucket does not exist"))));
        try (ObjectStore store = storeBuilder().build()) {
            StoreException denied = storeError(store.get("denied", ByteRange.ALL));
            assertThat(denied.code()).isEqualTo(ErrorCode.STORE_ACCESS_DENIED);
            assertThat(denied.isTransient()).isFalse();
            assertThat(storeError(store.put("digest", Payload.of(new byte[] {1}), PutOptions.none())).code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST);
            StoreException conflict = storeError(store.put("conflict", Payload.of(new byte[] {1}), PutOptions.ifAbsent()));
            assertThat(conflict.isPreconditionFailed()).isTrue();
            assertThat(storeError(store.put("aborted", Payload.of(new byte[] {1}), PutOptions.ifAbsent())).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
            StoreException noBucket = storeError(store.get("nobucket", ByteRange.ALL));
            assertThat(noBucket.code()).as("a missing bucket is not a missing object").isEqualTo(ErrorCode.STORE_BUCKET_NOT_FOUND);
            assertThat(noBucket.getMessage()).contains("the S3 bucket '" + S3MockServer.BUCKET + "' does not exist: create bucket");
        }
    }

    @Test
    void partialDeleteFailuresNameTheKeys() {
        String body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                + "<Error><Key>" + prefix + "/a</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
                + "<Error><Key>" + prefix + "/gone</Key><Code>NoSuchKey</Code><Message>missing</Message></Error></DeleteResult>";
        proxy.stubFor(post(urlPathEqualTo("/" + S3MockServer.BUCKET)).withQueryParam("delete", equalTo("")).atPriority(1)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", XML).withBody(body)));
        try (ObjectStore store = storeBuilder().build()) {
            StoreException e = storeError(store.deleteAll(List.of("a", "b", "gone")));
            assertThat(e.code()).isEqualTo(ErrorCode.STORE_ACCESS_DENIED);
            assertThat(e.getMessage()).contains("1 of 3 keys").contains("'a' (AccessDenied").doesNotContain("'gone'");
        }
    }

    @Test
    void deleteAllSendsBatchesOfAtMostAThousandKeys() {
        proxy.stubFor(post(urlPathEqualTo("/" + S3MockServer.BUCKET)).withQueryParam("delete", equalTo("")).atPriority(1)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", XML)
                        .withBody("<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></DeleteResult>")));
        List<String> keys = IntStream.range(0, 2500).mapToObj(i -> "many/" + i).toList();
        try (ObjectStore store = storeBuilder().build()) {
            store.deleteAll(keys).block(TIMEOUT);
        }
        List<LoggedRequest> posts = proxy.findAll(anyRequestedFor(urlPathEqualTo("/" + S3MockServer.BUCKET)))
                .stream().filter(r -> r.getMethod().getName().equals("POST")).toList();
        List<Integer> sizes = new ArrayList<>();
        for (LoggedRequest r : posts) {
            String xml = r.getBodyAsString();
            sizes.add(xml.split("<Key>", -1).length - 1);
            assertThat(xml).contains("<Quiet>true</Quiet>");
        }
        assertThat(sizes).containsExactlyInAnyOrder(1000, 1000, 500);
    }

    // ================================================================================================ engine retries

    @Test
    void theEngineRetriesThrottlingServerErrorsAndResetsToSuccess() {
        // The first manifest PUT is throttled, the first part upload fails with 500, the first pointer read is reset
        // three times (the SDK retries a reset twice, so the engine sees one).
        proxy.stubFor(put(urlPathMatching(".*/manifest\\.json")).inScenario("manifest").whenScenarioStateIs(STARTED).atPriority(1)
                .willReturn(aResponse().withStatus(503).withHeader("Content-Type", XML).withBody(error("SlowDown", "Reduce your request rate.")))
                .willSetStateTo("done"));
        proxy.stubFor(put(urlPathMatching(".*/big/0\\..*")).withQueryParam("partNumber", equalTo("2")).inScenario("part").whenScenarioStateIs(STARTED)
                .atPriority(1).willReturn(aResponse().withStatus(500).withHeader("Content-Type", XML).withBody(error("InternalError", "oops")))
                .willSetStateTo("done"));
        proxy.stubFor(get(urlPathEqualTo(path("_latest"))).inScenario("pointer").whenScenarioStateIs(STARTED).atPriority(1)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("once"));
        proxy.stubFor(get(urlPathEqualTo(path("_latest"))).inScenario("pointer").whenScenarioStateIs("once").atPriority(1)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("twice"));
        proxy.stubFor(get(urlPathEqualTo(path("_latest"))).inScenario("pointer").whenScenarioStateIs("twice").atPriority(1)
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)).willSetStateTo("done"));

        List<String> retried = new CopyOnWriteArrayList<>();
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onRetry(String operation, int attempt, Throwable error) {
                retried.add(operation + ":" + ((StoreException) error).code());
            }
        };
        byte[] big = bytes(6 * MIB, 1);
        byte[] small = bytes(5000, 2);
        try (ObjectStore store = storeBuilder().build();
                Checkpointer cp = Checkpointer.builder().store(store).listener(listener)
                        .partSize(5 * MIB).multipartThreshold(5 * MIB)
                        .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(5), 2, Duration.ofMillis(50)))
                        .build()) {
            Manifest m = cp.save(Snapshot.builder().partition("big", 0, Payload.of(big)).partition("small", 0, Payload.of(small)).build()).block(TIMEOUT);
            Checkpoint latest = cp.latest().block(TIMEOUT);
            assertThat(latest.manifest().id()).isEqualTo(m.id());
            assertThat(Buffers.join(latest.stream("big", 0)).block(TIMEOUT)).isEqualTo(big);
            assertThat(Buffers.toArray(latest.read("small", 0).block(TIMEOUT))).isEqualTo(small);
        }
        assertThat(retried).contains("put:STORE_THROTTLED", "uploadPart:STORE_TRANSIENT", "get:STORE_TRANSIENT");
    }

    // ================================================================================================ on the wire

    @Test
    void checksumsAndConditionsAreOnTheWire() throws Exception {
        byte[] data = bytes(70_000, 3);
        String etag;
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        try (ObjectStore store = storeBuilder().build()) {
            ObjectInfo v1 = store.put("declared", Payload.of(data), PutOptions.ifAbsent().withSha256(sha)).block(TIMEOUT);
            etag = v1.etag();
            store.put("declared", Payload.of(data), PutOptions.ifMatch(v1.etag())).block(TIMEOUT);
            store.put("computed", Payload.of(data), PutOptions.none()).block(TIMEOUT);
            store.get("declared", ByteRange.of(10, 10)).flatMap(c -> Buffers.join(c.body())).block(TIMEOUT);
            MultipartUpload upload = store.startMultipart("mpu", PutOptions.ifAbsent()).block(TIMEOUT);
            PartInfo p = upload.uploadPart(1, Payload.of(data)).block(TIMEOUT);
            upload.complete(List.of(p)).block(TIMEOUT);
        }
        List<LoggedRequest> declared = requests("PUT", "declared");
        assertThat(declared).hasSize(2);
        assertThat(declared.get(0).getHeader("x-amz-checksum-sha256")).isEqualTo(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha)));
        assertThat(declared.get(0).getHeader("If-None-Match")).isEqualTo("*");
        assertThat(declared.get(0).getHeader("If-Match")).isNull();
        assertThat(declared.get(1).getHeader("If-Match")).isEqualTo(etag);
        assertThat(declared.get(1).getHeader("If-None-Match")).isNull();

        LoggedRequest computed = requests("PUT", "computed").get(0);
        assertThat(computed.getHeader("x-amz-checksum-sha256")).isNull();
        assertThat(computed.getHeader("x-amz-trailer")).as("CRC32C computed while streaming, sent as a trailer").isEqualTo("x-amz-checksum-crc32c");

        assertThat(requests("GET", "declared").get(0).getHeader("Range")).isEqualTo("bytes=10-19");

        List<LoggedRequest> mpu = proxy.findAll(anyRequestedFor(urlPathEqualTo(path("mpu"))));
        LoggedRequest create = mpu.stream().filter(r -> r.getMethod().getName().equals("POST") && r.queryParameter("uploads").isPresent()).findFirst().orElseThrow();
        assertThat(create.getHeader("x-amz-checksum-algorithm")).isEqualTo("CRC32C");
        LoggedRequest part = mpu.stream().filter(r -> r.getMethod().getName().equals("PUT")).findFirst().orElseThrow();
        assertThat(part.getHeader("x-amz-trailer")).isEqualTo("x-amz-checksum-crc32c");
        LoggedRequest complete = mpu.stream().filter(r -> r.getMethod().getName().equals("POST") && r.queryParameter("uploadId").isPresent()).findFirst().orElseThrow();
        assertThat(complete.getHeader("If-None-Match")).isEqualTo("*");
        assertThat(complete.getBodyAsString()).contains("<ChecksumCRC32C>").contains("<PartNumber>1</PartNumber>");
    }

    @Test
    void sseS3AndSseKmsHeadersReachTheWrites() {
        try (ObjectStore s3 = storeBuilder().sseS3().build();
                ObjectStore kms = S3Store.builder().location(URI.create("s3://" + S3MockServer.BUCKET + "/" + prefix),
                        java.util.Map.of("endpoint", proxy.baseUrl(), "region", "us-east-1", "accessKeyId", S3MockServer.ACCESS_KEY,
                                "secretAccessKey", S3MockServer.SECRET_KEY, "sse", "aws:kms", "sseKmsKeyId", S3MockServer.VALID_KMS_KEY_ID,
                                "sseBucketKey", "true")).build()) {
            s3.put("aes", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT);
            kms.put("kms", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT);
            MultipartUpload upload = kms.startMultipart("kms-mpu", PutOptions.none()).block(TIMEOUT);
            upload.complete(List.of(upload.uploadPart(1, Payload.of(new byte[] {2})).block(TIMEOUT))).block(TIMEOUT);
            assertThat(kms.readAll("kms-mpu").block(TIMEOUT)).containsExactly(2);
        }
        assertThat(requests("PUT", "aes").get(0).getHeader("x-amz-server-side-encryption")).isEqualTo("AES256");
        LoggedRequest kmsPut = requests("PUT", "kms").get(0);
        assertThat(kmsPut.getHeader("x-amz-server-side-encryption")).isEqualTo("aws:kms");
        assertThat(kmsPut.getHeader("x-amz-server-side-encryption-aws-kms-key-id")).isEqualTo(S3MockServer.VALID_KMS_KEY_ID);
        assertThat(kmsPut.getHeader("x-amz-server-side-encryption-bucket-key-enabled")).isEqualTo("true");
        LoggedRequest create = requests("POST", "kms-mpu").stream().filter(r -> r.queryParameter("uploads").isPresent()).findFirst().orElseThrow();
        assertThat(create.getHeader("x-amz-server-side-encryption")).isEqualTo("aws:kms");
        assertThat(create.getHeader("x-amz-server-side-encryption-aws-kms-key-id")).isEqualTo(S3MockServer.VALID_KMS_KEY_ID);
        assertThat(create.getHeader("x-amz-server-side-encryption-bucket-key-enabled")).isEqualTo("true");
    }

    @Test
    void sseCustomerKeyHeadersReachEveryRequestThatTouchesTheObject() throws Exception {
        byte[] raw = bytes(32, 5);
        String key = Base64.getEncoder().encodeToString(raw);
        String md5 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("MD5").digest(raw));
        try (ObjectStore store = storeBuilder().sseCustomerKey(key).build()) {
            store.put("c", Payload.of(bytes(100, 1)), PutOptions.none()).block(TIMEOUT);
            store.head("c").block(TIMEOUT);
            store.get("c", ByteRange.ALL).flatMap(c -> Buffers.join(c.body())).block(TIMEOUT);
            MultipartUpload upload = store.startMultipart("c-mpu", PutOptions.none()).block(TIMEOUT);
            upload.complete(List.of(upload.uploadPart(1, Payload.of(new byte[] {2})).block(TIMEOUT))).block(TIMEOUT);
        }
        List<LoggedRequest> all = new ArrayList<>(proxy.findAll(anyRequestedFor(urlPathEqualTo(path("c")))));
        all.addAll(proxy.findAll(anyRequestedFor(urlPathEqualTo(path("c-mpu")))));
        assertThat(all).extracting(r -> r.getMethod().getName()).contains("PUT", "HEAD", "GET", "POST");
        assertThat(all).hasSizeGreaterThanOrEqualTo(6).allSatisfy(r -> {
            assertThat(r.getHeader("x-amz-server-side-encryption-customer-algorithm")).as("%s %s", r.getMethod(), r.getUrl()).isEqualTo("AES256");
            assertThat(r.getHeader("x-amz-server-side-encryption-customer-key")).isEqualTo(key);
            assertThat(r.getHeader("x-amz-server-side-encryption-customer-key-MD5")).isEqualTo(md5);
        });
    }

    @Test
    void aNamedProfileSuppliesCredentialsAndRegion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path credentials = dir.resolve("credentials");
        java.nio.file.Path config = dir.resolve("config");
        java.nio.file.Files.writeString(credentials, "[checkpointer-test]\naws_access_key_id = AKIAPROFILEKEY000001\naws_secret_access_key = profileSecret\n");
        java.nio.file.Files.writeString(config, "[profile checkpointer-test]\nregion = eu-central-1\n");
        String oldCredentials = System.setProperty("aws.sharedCredentialsFile", credentials.toString());
        String oldConfig = System.setProperty("aws.configFile", config.toString());
        try (ObjectStore store = S3Store.builder().location(URI.create("s3://" + S3MockServer.BUCKET + "/" + prefix),
                java.util.Map.of("endpoint", proxy.baseUrl(), "profile", "checkpointer-test")).build()) {
            assertThat(store.toString()).contains("region=eu-central-1");
            store.put("p", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT);
        } finally {
            restore("aws.sharedCredentialsFile", oldCredentials);
            restore("aws.configFile", oldConfig);
        }
        assertThat(requests("PUT", "p").get(0).getHeader("Authorization")).contains("Credential=AKIAPROFILEKEY000001/").contains("/eu-central-1/s3/");
    }

    private static void restore(String property, String value) {
        if (value == null) {
            System.clearProperty(property);
        } else {
            System.setProperty(property, value);
        }
    }

    @Test
    void credentialsAndKeysNeverAppearInErrorsOrDescriptions() {
        String customerKey = Base64.getEncoder().encodeToString(bytes(32, 6));
        proxy.stubFor(any(urlPathMatching(".*/secret-.*")).atPriority(1)
                .willReturn(aResponse().withStatus(403).withHeader("Content-Type", XML).withBody(error("SignatureDoesNotMatch", "The signature does not match"))));
        proxy.stubFor(get(urlPathMatching(".*/reset-.*")).atPriority(1).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        try (ObjectStore store = storeBuilder().credentials(S3MockServer.ACCESS_KEY, S3MockServer.SECRET_KEY, "SESSION-TOKEN-must-not-leak")
                .sseCustomerKey(customerKey).build()) {
            List<Throwable> errors = new ArrayList<>();
            StepVerifier.create(store.put("secret-1", Payload.of(new byte[] {1}), PutOptions.none())).expectErrorSatisfies(errors::add).verify(TIMEOUT);
            StepVerifier.create(store.get("secret-2", ByteRange.ALL)).expectErrorSatisfies(errors::add).verify(TIMEOUT);
            StepVerifier.create(store.get("reset-1", ByteRange.ALL)).expectErrorSatisfies(errors::add).verify(TIMEOUT);
            assertThat(((StoreException) errors.get(0)).code()).isEqualTo(ErrorCode.STORE_ACCESS_DENIED);
            List<String> texts = new ArrayList<>(List.of(store.toString(), store.describe()));
            for (Throwable e : errors) {
                for (Throwable t = e; t != null; t = t.getCause()) {
                    texts.add(String.valueOf(t));
                    texts.add(String.valueOf(t.getMessage()));
                }
            }
            assertThat(texts).allSatisfy(t -> assertThat(t)
                    .doesNotContain(S3MockServer.SECRET_KEY)
                    .doesNotContain(S3MockServer.ACCESS_KEY)
                    .doesNotContain("SESSION-TOKEN-must-not-leak")
                    .doesNotContain(customerKey));
        }
    }
}

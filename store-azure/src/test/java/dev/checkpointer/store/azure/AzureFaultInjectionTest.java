package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.head;
import static com.github.tomakehurst.wiremock.client.WireMock.headRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.PutOptions;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * Faults injected by a WireMock proxy in front of Azurite: throttling (503 ServerBusy), server errors (500), request
 * timeouts (408), connection resets and broken responses are mapped to transient {@link StoreException}s, the SDK
 * sends exactly one request for each (it never retries), and the engine's retries then carry a whole checkpoint
 * through end to end.
 */
@ExtendWith(AzuriteExtension.class)
class AzureFaultInjectionTest {
    private static final String CONTAINER = "faults";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final AtomicInteger SCENARIOS = new AtomicInteger();
    private static AzuriteProxy proxy;

    private ObjectStore store;
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
    void open(TestInfo info) {
        prefix = info.getTestMethod().orElseThrow().getName().toLowerCase(java.util.Locale.ROOT) + "-" + System.nanoTime();
        store = AzureBlobStore.builder().connectionString(proxy.connectionString()).container(CONTAINER).prefix(prefix)
                .blockSize(64 * 1024).build();
        proxy.server().resetRequests();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private WireMockServer wm() {
        return proxy.server();
    }

    /** The request path of a key: the SDK percent-encodes the blob name, '/' included. */
    private String path(String key) {
        return "/" + Azurite.ACCOUNT + "/" + CONTAINER + "/" + (prefix + "/" + key).replace("/", "%2F");
    }

    /** Answers the first matching request with {@code response}, then lets requests through to Azurite. */
    private void once(MappingBuilder request, ResponseDefinitionBuilder response) {
        String scenario = "s" + SCENARIOS.incrementAndGet();
        wm().stubFor(request.atPriority(1).inScenario(scenario).whenScenarioStateIs(STARTED).willReturn(response).willSetStateTo("passed"));
    }

    private static ResponseDefinitionBuilder azureError(int status, String code) {
        return aResponse().withStatus(status).withHeader("x-ms-error-code", code).withHeader("x-ms-request-id", "injected-" + code)
                .withHeader("Content-Type", "application/xml")
                .withBody("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code + "</Code><Message>injected</Message></Error>");
    }

    private static StoreException storeError(Mono<?> call) {
        Throwable e = call.then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
        assertThat(e).isInstanceOf(StoreException.class);
        return (StoreException) e;
    }

    @Test
    void serverBusyIsThrottledAndSentOnce() {
        once(put(urlPathEqualTo(path("busy"))), azureError(503, "ServerBusy"));
        StoreException e = storeError(store.put("busy", Payload.of(new byte[] {1}), PutOptions.none()));
        assertThat(e.code()).isEqualTo(ErrorCode.STORE_THROTTLED);
        assertThat(e.isTransient()).isTrue();
        assertThat(e.getMessage()).contains("503", "ServerBusy", "injected-ServerBusy");
        assertThat(wm().findAll(putRequestedFor(urlPathEqualTo(path("busy"))))).as("the SDK does not retry").hasSize(1);
        // The next attempt (the engine's retry) goes through.
        store.put("busy", Payload.of(new byte[] {1}), PutOptions.none()).block(TIMEOUT);
        assertThat(store.readAll("busy").block(TIMEOUT)).containsExactly(1);
    }

    @Test
    void internalErrorsAndRequestTimeoutsAreTransient() {
        store.put("k", Payload.of(new byte[] {1, 2, 3}), PutOptions.none()).block(TIMEOUT);
        once(get(urlPathEqualTo(path("k"))), azureError(500, "InternalError"));
        StoreException e500 = storeError(store.get("k", ByteRange.ALL));
        assertThat(e500.code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
        assertThat(e500.getMessage()).contains("500", "InternalError");

        once(head(urlPathEqualTo(path("k"))), aResponse().withStatus(408).withHeader("x-ms-error-code", "OperationTimedOut"));
        assertThat(storeError(store.head("k")).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);

        once(put(urlPathEqualTo(path("k"))), azureError(502, "BadGateway"));
        assertThat(storeError(store.put("k", Payload.of(new byte[] {4}), PutOptions.none())).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);

        once(any(urlPathEqualTo("/" + Azurite.ACCOUNT + "/" + CONTAINER)), azureError(503, "ServerBusy"));
        assertThat(storeError(store.list("").then()).code()).isEqualTo(ErrorCode.STORE_THROTTLED);

        assertThat(wm().findAll(getRequestedFor(urlPathEqualTo(path("k"))))).hasSize(1);
        assertThat(wm().findAll(headRequestedFor(urlPathEqualTo(path("k"))))).hasSize(1);
        assertThat(store.readAll("k").block(TIMEOUT)).containsExactly(1, 2, 3);
    }

    @Test
    void connectionResetsAndBrokenResponsesAreTransient() {
        byte[] data = new byte[200_000];
        new Random(1).nextBytes(data);
        store.put("big", Payload.of(data), PutOptions.none()).block(TIMEOUT);

        once(head(urlPathEqualTo(path("big"))), aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        StoreException reset = storeError(store.head("big"));
        assertThat(reset.code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
        assertThat(reset.getMessage()).contains("connection failed");

        once(get(urlPathEqualTo(path("big"))), aResponse().withFault(Fault.EMPTY_RESPONSE));
        assertThat(storeError(store.get("big", ByteRange.ALL)).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);

        once(put(urlPathEqualTo(path("big"))), aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        assertThat(storeError(store.put("big", Payload.of(new byte[] {9}), PutOptions.none())).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);

        // Headers arrive, then the body breaks: the body's error is transient too.
        once(get(urlPathEqualTo(path("big"))), aResponse().withStatus(200).withHeader("Content-Length", "200000")
                .withHeader("ETag", "\"0x1\"").withHeader("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT").withFault(Fault.RANDOM_DATA_THEN_CLOSE));
        Throwable body = store.get("big", ByteRange.ALL).flatMap(c -> Buffers.join(c.body())).then(Mono.<Throwable>empty())
                .onErrorResume(Mono::just).block(TIMEOUT);
        assertThat(body).isInstanceOfSatisfying(StoreException.class, se -> assertThat(se.isTransient()).as("%s", se).isTrue());

        assertThat(wm().findAll(headRequestedFor(urlPathEqualTo(path("big"))))).hasSize(1);
        assertThat(wm().findAll(getRequestedFor(urlPathEqualTo(path("big"))))).hasSize(2);
        assertThat(store.readAll("big").block(TIMEOUT)).isEqualTo(data);
    }

    @Test
    void aStagedBlockThatFailsIsTransientAndARetryReplacesIt() {
        once(put(urlPathEqualTo(path("mpu"))).withQueryParam("comp", equalTo("block")), aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        var upload = store.startMultipart("mpu", PutOptions.ifAbsent()).block(TIMEOUT);
        byte[] one = new byte[100_000];
        new Random(2).nextBytes(one);
        StoreException e = storeError(upload.uploadPart(1, Payload.of(one)));
        assertThat(e.isTransient()).isTrue();
        var p1 = upload.uploadPart(1, Payload.of(one)).block(TIMEOUT);
        once(put(urlPathEqualTo(path("mpu"))).withQueryParam("comp", equalTo("blocklist")), azureError(500, "InternalError"));
        assertThat(storeError(upload.complete(List.of(p1))).code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
        assertThat(upload.complete(List.of(p1)).block(TIMEOUT).size()).isEqualTo(one.length);
        assertThat(store.readAll("mpu").block(TIMEOUT)).isEqualTo(one);
    }

    @Test
    void theEnginesRetriesCarryACheckpointThroughInjectedFaults() {
        // Faults on the first request of each kind the save and the restore make.
        once(put(urlPathMatching(path("checkpoints/.*/manifest\\.json"))), azureError(503, "ServerBusy"));
        once(put(urlPathMatching(path("checkpoints/.*"))).withQueryParam("comp", equalTo("block")), aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        once(put(urlPathMatching(path("checkpoints/.*"))).withQueryParam("comp", equalTo("blocklist")), azureError(500, "InternalError"));
        once(put(urlPathEqualTo(path("_latest"))), azureError(503, "ServerBusy"));
        once(get(urlPathEqualTo(path("_latest"))), aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER));
        once(get(urlPathMatching(path("checkpoints/.*/manifest\\.json"))), azureError(500, "InternalError"));
        once(get(urlPathMatching(path("checkpoints/.*\\.snapshot.*"))), aResponse().withFault(Fault.EMPTY_RESPONSE));

        byte[] large = new byte[700_000];
        new Random(3).nextBytes(large);
        byte[] small = "small state".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // One upload at a time: a WireMock scenario is not atomic, so two blocks staged at once could both match the
        // "once" fault before its state moves on (seen as 8 faults for 7 scripted on a loaded machine).
        try (Checkpointer writer = Checkpointer.builder().store(store).partSize(128 * 1024).multipartThreshold(256 * 1024)
                .maxConcurrentUploads(1)
                .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(5), 2, Duration.ofMillis(50))).build()) {
            Snapshot snapshot = Snapshot.builder().epoch(1)
                    .partition("join", 0, PartitionKind.SNAPSHOT, Payload.of(large))
                    .partition("join", 1, PartitionKind.SNAPSHOT, Payload.of(small))
                    .build();
            Manifest saved = writer.save(snapshot).block(TIMEOUT);
            assertThat(saved).isNotNull();
        }
        try (ObjectStore reader = AzureBlobStore.builder().connectionString(proxy.connectionString()).container(CONTAINER).prefix(prefix).build();
                Checkpointer restore = Checkpointer.builder().store(reader)
                        .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(5), 2, Duration.ofMillis(50))).build()) {
            Checkpoint latest = restore.latest().block(TIMEOUT);
            assertThat(latest).isNotNull();
            StepVerifier.create(Buffers.join(latest.stream("join", 0))).expectNextMatches(b -> java.util.Arrays.equals(b, large)).verifyComplete();
            assertThat(Buffers.toArray(latest.read("join", 1).block(TIMEOUT))).isEqualTo(small);
        }
        // Every scripted fault was hit, and each was followed by a successful retry.
        List<ServeEvent> events = wm().getAllServeEvents();
        long injected = events.stream().filter(ev -> ev.getStubMapping() != null && ev.getStubMapping().getPriority() != null
                && ev.getStubMapping().getPriority() == 1).count();
        assertThat(injected).isEqualTo(7);
    }

    @Test
    void getOfARangeStreamsTheBodyAsItArrives() {
        byte[] data = new byte[300_000];
        new Random(4).nextBytes(data);
        store.put("range", Payload.of(data), PutOptions.none()).block(TIMEOUT);
        ObjectContent c = store.get("range", ByteRange.of(1000, 250_000)).block(TIMEOUT);
        assertThat(c.info().size()).isEqualTo(data.length);
        AtomicInteger buffers = new AtomicInteger();
        byte[] got = Buffers.join(c.body().doOnNext(b -> buffers.incrementAndGet())).block(TIMEOUT);
        assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(data, 1000, 251_000));
        assertThat(buffers.get()).as("the body arrives in many buffers, not one").isGreaterThan(1);
        assertThat(wm().findAll(getRequestedFor(urlPathEqualTo(path("range"))).withHeader("x-ms-range", equalTo("bytes=1000-250999")))).hasSize(1);
    }
}

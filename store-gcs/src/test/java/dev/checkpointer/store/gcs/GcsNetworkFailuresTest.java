package dev.checkpointer.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.DeadEndpoints;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 against real loopback sockets and the scripted {@link FakeGcsServer}: a dead endpoint fails within the
 * operation deadline, connection and DNS failures name the host and the cause, a missing bucket names itself and the
 * remedy. Elapsed times are bounded generously only because real sockets are involved.
 */
class GcsNetworkFailuresTest {
    private static final Duration T = Duration.ofSeconds(30);

    private static GcsStore.Builder store(String endpoint) {
        return GcsStore.builder().bucket("bkt").prefix("p").endpoint(endpoint).anonymous(true).threads(2);
    }

    @Test
    void anEndpointThatNeverAnswersFailsAtTheConfiguredDeadline() {
        try (DeadEndpoints.Silent silent = DeadEndpoints.silent()) {
            DeadEndpoints.Outcome o = DeadEndpoints.latestWithin(store("http://127.0.0.1:" + silent.port()).build(), Duration.ofSeconds(1));
            assertThat(o.error()).isInstanceOf(StoreException.class).hasMessageContaining("did not complete within the 1s operation deadline");
            assertThat(o.millis()).as("elapsed ms, generous bound for a real socket").isLessThan(10_000);
        }
    }

    @Test
    void aRefusedPortNamesTheHostAndTheCause() {
        int port = DeadEndpoints.refusedPort();
        try (ObjectStore s = store("http://127.0.0.1:" + port).build()) {
            Throwable e = catchThrowable(() -> s.head("k").block(T));
            assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("cannot reach 127.0.0.1:" + port + ": ConnectException");
            assertThat(((StoreException) e).isTransient()).isTrue();
        }
    }

    @Test
    void anUnresolvableHostIsNamedWithTheCause() {
        try (ObjectStore s = store("https://" + DeadEndpoints.UNRESOLVABLE_HOST).build()) {
            Throwable e = catchThrowable(() -> s.head("k").block(T));
            assertThat(e).isInstanceOf(StoreException.class)
                    .hasMessageContaining("cannot reach " + DeadEndpoints.UNRESOLVABLE_HOST + ": UnknownHostException");
        }
    }

    @Test
    void theConnectTimeoutOptionEndsAConnectionThatIsNeverAnswered() {
        try (DeadEndpoints.Unaccepting firewalled = DeadEndpoints.unaccepting();
             ObjectStore s = GcsStore.builder().location(java.net.URI.create("gs://bkt/p"), Map.of("endpoint", "http://127.0.0.1:" + firewalled.port(),
                     "anonymous", "true", "connectTimeout", "300ms")).build()) {
            long start = System.nanoTime();
            Throwable e = catchThrowable(() -> s.head("k").block(T));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("cannot reach 127.0.0.1:" + firewalled.port() + ": ");
            assertThat(millis).as("elapsed ms, generous bound for a real socket").isLessThan(4_000);
        }
    }

    @Test
    void aMissingBucketIsItsOwnErrorWithTheRemedy() {
        FakeGcsServer server = FakeGcs.server();
        server.failNext(r -> r.path().contains("/b/bkt/o") && r.method().equals("GET"), 404, "notFound", "The specified bucket does not exist.");
        try (ObjectStore s = store(server.endpoint()).build()) {
            Throwable e = catchThrowable(() -> s.list("").collectList().block(T));
            assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("the GCS bucket 'bkt' does not exist: create bucket 'bkt' or fix the location");
            assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_BUCKET_NOT_FOUND);
        }
    }

    /**
     * An https endpoint whose certificate this JVM does not trust: the handshake fails with "PKIX path building failed",
     * a configuration error. It is permanent ({@code STORE_TLS}, naming the host and the remedy), so the engine gives
     * up at once instead of retrying until the operation deadline; no request reaches the server.
     */
    @Test
    void anUntrustedCertificateIsAPermanentTlsErrorNamingTheHostAndTheRemedy() {
        DeadEndpoints.assertUntrustedCertificateIsPermanent(host -> store("https://" + host).build(), "GCS");
    }
}

package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.testkit.DeadEndpoints;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 against real loopback sockets (no Azurite needed): a dead endpoint fails within the operation deadline,
 * connection failures name the host and cause, a missing container names itself and the remedy. Elapsed times are
 * bounded generously only because real sockets are involved.
 */
class AzureNetworkFailuresTest {

    private static AzureBlobStoreBuilder store(String hostAndPort) {
        return AzureBlobStore.builder().container("ckpt").prefix("p").endpoint("http://" + hostAndPort + "/" + Azurite.ACCOUNT)
                .accountName(Azurite.ACCOUNT).accountKey(Azurite.KEY);
    }

    @Test
    void anEndpointThatNeverAnswersFailsAtTheConfiguredDeadline() {
        try (DeadEndpoints.Silent silent = DeadEndpoints.silent()) {
            DeadEndpoints.Outcome o = DeadEndpoints.latestWithin(store("127.0.0.1:" + silent.port()).build(), Duration.ofSeconds(1));
            assertThat(o.error()).isInstanceOf(StoreException.class).hasMessageContaining("did not complete within the 1s operation deadline");
            assertThat(silent.connections()).isPositive();
            assertThat(o.millis()).as("elapsed ms, generous bound for a real socket").isLessThan(10_000);
        }
    }

    @Test
    void aRefusedPortNamesTheHostAndTheCause() {
        int port = DeadEndpoints.refusedPort();
        ObjectStore s = store("127.0.0.1:" + port).build();
        Throwable e = catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)));
        assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("cannot reach 127.0.0.1:" + port + ": ").hasMessageContaining("Connection refused");
        assertThat(((StoreException) e).isTransient()).isTrue();
        assertThat(e.getMessage()).doesNotContain(Azurite.KEY);
    }

    @Test
    void anUnresolvableHostIsNamed() {
        ObjectStore s = store(DeadEndpoints.UNRESOLVABLE_HOST + ":10000").build();
        Throwable e = catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)));
        assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("cannot reach " + DeadEndpoints.UNRESOLVABLE_HOST + ":10000: ");
    }

    @Test
    void theConnectTimeoutOptionEndsAConnectionThatIsNeverAnswered() {
        assertThat(AzureBlobStoreBuilder.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
        try (DeadEndpoints.Unaccepting firewalled = DeadEndpoints.unaccepting()) {
            ObjectStore s = store("127.0.0.1:" + firewalled.port()).options(Map.of("connectTimeout", "300ms")).build();
            long start = System.nanoTime();
            Throwable e = catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("cannot reach 127.0.0.1:" + firewalled.port() + ": ");
            assertThat(millis).as("elapsed ms, generous bound for a real socket").isLessThan(4_000);
        }
    }

    @Test
    void aMissingContainerIsItsOwnErrorWithTheRemedy() {
        HttpServer server = DeadEndpoints.scripted(x -> {
            byte[] body = ("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>ContainerNotFound</Code>"
                    + "<Message>The specified container does not exist.</Message></Error>").getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("x-ms-error-code", "ContainerNotFound");
            x.getResponseHeaders().add("Content-Type", "application/xml");
            boolean head = x.getRequestMethod().equals("HEAD");
            x.sendResponseHeaders(404, head ? -1 : body.length);
            if (!head) {
                x.getResponseBody().write(body);
            }
            x.close();
        });
        try {
            ObjectStore s = store("127.0.0.1:" + server.getAddress().getPort()).build();
            for (Throwable e : new Throwable[] {catchThrowable(() -> s.get("_latest", ByteRange.ALL).block(Duration.ofSeconds(30))),
                    catchThrowable(() -> s.head("_latest").block(Duration.ofSeconds(30)))}) {
                assertThat(e).isInstanceOf(StoreException.class)
                        .hasMessageContaining("the Azure container 'ckpt' does not exist: create container 'ckpt' or fix the location");
                assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_BUCKET_NOT_FOUND);
            }
        } finally {
            server.stop(0);
        }
    }

    /**
     * An https endpoint whose certificate this JVM does not trust: the handshake fails with "PKIX path building failed",
     * a configuration error. It is permanent ({@code STORE_TLS}, naming the host and the remedy), so the engine gives
     * up at once instead of retrying until the operation deadline; no request reaches the server.
     */
    @Test
    void anUntrustedCertificateIsAPermanentTlsErrorNamingTheHostAndTheRemedy() {
        DeadEndpoints.assertUntrustedCertificateIsPermanent(host -> AzureBlobStore.builder().container("ckpt").prefix("p")
                .endpoint("https://" + host + "/" + Azurite.ACCOUNT).accountName(Azurite.ACCOUNT).accountKey(Azurite.KEY).build(), "Azure");
    }
}

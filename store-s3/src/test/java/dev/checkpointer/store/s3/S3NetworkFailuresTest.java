package dev.checkpointer.store.s3;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.StoreException;
import dev.checkpointer.testkit.DeadEndpoints;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, against real sockets: a dead endpoint fails within the operation deadline, connection failures name the
 * host and cause, a missing bucket says so with the remedy, and a bucket in another region is followed.
 * Elapsed times are bounded generously only because real sockets are involved; the deadline itself is proved on
 * virtual time in the api module.
 */
class S3NetworkFailuresTest {

    private static S3StoreBuilder store(String endpoint) {
        return S3Store.builder().bucket("bkt").prefix("p").endpoint(URI.create(endpoint)).region("us-east-1")
                .credentials("AKIDEXAMPLE", "not-a-real-secret");
    }

    @Test
    void anEndpointThatNeverAnswersFailsAtTheConfiguredDeadline() {
        try (DeadEndpoints.Silent silent = DeadEndpoints.silent()) {
            DeadEndpoints.Outcome o = DeadEndpoints.latestWithin(store("http://127.0.0.1:" + silent.port()).build(), Duration.ofSeconds(1));
            assertThat(o.error()).isInstanceOf(StoreException.class).hasMessageContaining("get '_latest' failed: did not complete within the 1s operation deadline");
            assertThat(((StoreException) o.error()).isTransient()).isTrue();
            assertThat(silent.connections()).isPositive();
            assertThat(o.millis()).as("elapsed ms, generous bound for a real socket").isLessThan(10_000);
        }
    }

    @Test
    void anEndpointThatNeverAnswersFailsAtTheDefaultDeadline() {
        try (DeadEndpoints.Silent silent = DeadEndpoints.silent()) {
            DeadEndpoints.Outcome o = DeadEndpoints.latestWithin(store("http://127.0.0.1:" + silent.port()).build(), CheckpointerBuilder.DEFAULT_OPERATION_TIMEOUT);
            assertThat(o.error()).isInstanceOf(StoreException.class).hasMessageContaining("did not complete within the 15s operation deadline");
            assertThat(o.millis()).as("elapsed ms, generous bound for a real socket")
                    .isLessThan(CheckpointerBuilder.DEFAULT_OPERATION_TIMEOUT.toMillis() + 10_000);
        }
    }

    @Test
    void aRefusedPortNamesTheHostAndTheCauseAndEndsAtTheDeadline() {
        int port = DeadEndpoints.refusedPort();
        try (ObjectStore s = store("http://127.0.0.1:" + port).build()) {
            Throwable once = catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)));
            assertThat(once).isInstanceOf(StoreException.class)
                    .hasMessageContaining("cannot reach 127.0.0.1:" + port + ": ")
                    .hasMessageContaining("Connection refused");
            assertThat(((StoreException) once).isTransient()).isTrue();
            Throwable retried = DeadEndpoints.latestWithin(store("http://127.0.0.1:" + port).build(), Duration.ofSeconds(1)).error();
            assertThat(retried).hasMessageContaining("within the 1s operation deadline").hasMessageContaining("cannot reach 127.0.0.1:" + port);
        }
    }

    @Test
    void theConnectTimeoutOptionEndsAConnectionThatIsNeverAnswered() {
        assertThat(S3StoreBuilder.DEFAULT_CONNECT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
        try (DeadEndpoints.Unaccepting firewalled = DeadEndpoints.unaccepting();
             ObjectStore s = S3Store.builder().location(URI.create("s3://bkt/p"), java.util.Map.of("endpoint", "http://127.0.0.1:" + firewalled.port(),
                     "region", "us-east-1", "accessKeyId", "AKIDEXAMPLE", "secretAccessKey", "x", "connectTimeout", "300ms")).build()) {
            long start = System.nanoTime();
            Throwable e = catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(e).isInstanceOf(StoreException.class).hasMessageContaining("cannot reach 127.0.0.1:" + firewalled.port() + ": ");
            assertThat(((StoreException) e).isTransient()).isTrue();
            assertThat(millis).as("elapsed ms, generous bound for a real socket").isLessThan(4_000);
        }
    }

    @Test
    void anUnresolvableHostIsNamed() {
        try (ObjectStore s = store("http://" + DeadEndpoints.UNRESOLVABLE_HOST + ":9000").build()) {
            Throwable e = catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)));
            assertThat(e).isInstanceOf(StoreException.class)
                    .hasMessageContaining("cannot reach " + DeadEndpoints.UNRESOLVABLE_HOST + ":9000: UnknownHostException");
        }
    }

    @Test
    void aMissingBucketIsItsOwnErrorWithTheRemedy() {
        HttpServer server = DeadEndpoints.scripted(x -> {
            byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code>"
                    + "<Message>The specified bucket does not exist</Message><BucketName>bkt</BucketName></Error>").getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().add("Content-Type", "application/xml");
            x.sendResponseHeaders(404, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        try (ObjectStore s = store("http://127.0.0.1:" + server.getAddress().getPort()).build()) {
            Throwable e = catchThrowable(() -> s.get("_latest", dev.checkpointer.spi.ByteRange.ALL).block(Duration.ofSeconds(30)));
            assertThat(e).isInstanceOf(StoreException.class)
                    .hasMessageContaining("the S3 bucket 'bkt' does not exist: create bucket 'bkt' or fix the location");
            assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_BUCKET_NOT_FOUND);
            assertThat(((StoreException) e).isTransient()).isFalse();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBucketInAnotherRegionIsFollowed() {
        List<String> signedFor = new CopyOnWriteArrayList<>();
        HttpServer server = DeadEndpoints.scripted(x -> {
            String auth = String.valueOf(x.getRequestHeaders().getFirst("Authorization"));
            String region = auth.replaceAll(".*Credential=[^/]+/[0-9]+/([^/]+)/s3/.*", "$1");
            signedFor.add(region);
            if (!region.equals("eu-west-1")) {
                byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>PermanentRedirect</Code>"
                        + "<Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>")
                        .getBytes(StandardCharsets.UTF_8);
                x.getResponseHeaders().add("x-amz-bucket-region", "eu-west-1");
                x.getResponseHeaders().add("Content-Type", "application/xml");
                x.sendResponseHeaders(301, body.length);
                x.getResponseBody().write(body);
            } else {
                x.getResponseHeaders().add("ETag", "\"e1\"");
                x.getResponseHeaders().add("Last-Modified", "Mon, 07 Dec 2026 10:00:00 GMT");
                x.sendResponseHeaders(200, -1);
            }
            x.close();
        });
        // Off by default with an endpoint (S3-compatible stores have no regions), on by default on AWS.
        try (ObjectStore s = store("http://127.0.0.1:" + server.getAddress().getPort()).build()) {
            assertThat(catchThrowable(() -> s.head("k").block(Duration.ofSeconds(30)))).isInstanceOf(StoreException.class);
            assertThat(signedFor).containsExactly("us-east-1");
        }
        signedFor.clear();
        try (ObjectStore s = store("http://127.0.0.1:" + server.getAddress().getPort()).crossRegion(true).build()) {
            assertThat(s.head("k").block(Duration.ofSeconds(30))).isNotNull();
            assertThat(signedFor).containsExactly("us-east-1", "eu-west-1");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void crossRegionAccessIsOnForAwsAndOffForAnEndpointUnlessAsked() {
        try (ObjectStore aws = S3Store.builder().bucket("bkt").region("eu-west-1").credentials("AKIDEXAMPLE", "not-a-real-secret").build()) {
            assertThat(aws.toString()).contains("cross-region");
        }
        try (ObjectStore compatible = store("http://127.0.0.1:9").build()) {
            assertThat(compatible.toString()).doesNotContain("cross-region");
        }
        try (ObjectStore off = S3Store.builder().bucket("bkt").region("eu-west-1").credentials("AKIDEXAMPLE", "not-a-real-secret")
                .crossRegion(false).build()) {
            assertThat(off.toString()).doesNotContain("cross-region");
        }
    }

    /**
     * An https endpoint whose certificate this JVM does not trust: the handshake fails with "PKIX path building failed",
     * a configuration error. It is permanent ({@code STORE_TLS}, naming the host and the remedy), so the engine gives
     * up at once instead of retrying until the operation deadline; no request reaches the server.
     */
    @Test
    void anUntrustedCertificateIsAPermanentTlsErrorNamingTheHostAndTheRemedy() {
        DeadEndpoints.assertUntrustedCertificateIsPermanent(host -> store("https://" + host).build(), "S3");
    }
}

package dev.checkpointer.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.PutOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/** Options and URIs: parsing, validation, refusal of unknown options, and secrets kept out of text and logs. */
@ExtendWith(S3MockServer.Extension.class)
class S3StoreOptionsTest {
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";
    private static final String SSE_C = Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

    private static S3StoreBuilder fromUri(String uri, Map<String, String> options) {
        return S3Store.builder().location(URI.create(uri), options);
    }

    @Test
    void theProviderIsFoundByServiceLoaderForS3Uris() {
        List<ObjectStoreProvider> providers = new ArrayList<>();
        ServiceLoader.load(ObjectStoreProvider.class).forEach(providers::add);
        assertThat(providers).hasAtLeastOneElementOfType(S3StoreProvider.class);
        S3StoreProvider p = new S3StoreProvider();
        assertThat(p.schemes()).containsExactly("s3");
        assertThat(p.supports(URI.create("s3://b/p"))).isTrue();
        assertThat(p.supports(URI.create("S3://b/p"))).isTrue();
        assertThat(p.supports(URI.create("gs://b/p"))).isFalse();
    }

    @Test
    void bucketPrefixAndQueryOptionsComeFromTheUriAndExplicitOptionsWin() {
        String uri = "s3://my-bucket/a/b/?region=eu-west-1&endpoint=" + S3MockServer.get().endpoint() + "&partSize=16MiB&maxConnections=7";
        try (ObjectStore store = fromUri(uri, Map.of("region", "us-east-1", "accessKeyId", "AKIAEXAMPLE", "secretAccessKey", SECRET)).build()) {
                        assertThat(store.describe()).isEqualTo("s3://my-bucket/a/b");
            assertThat(store.capabilities().minPartSize()).isEqualTo(16L * 1024 * 1024);
            assertThat(store.toString()).contains("region=us-east-1").contains("path style").doesNotContain(SECRET).doesNotContain("AKIAEXAMPLE");
        }
        try (ObjectStore root = fromUri("s3://bucket", Map.of("region", "eu-west-1", "accessKeyId", "a", "secretAccessKey", "b")).build()) {
                        assertThat(root.describe()).isEqualTo("s3://bucket");
            assertThat(root.capabilities().minPartSize()).isEqualTo(S3StoreBuilder.MIN_PART_SIZE);
            assertThat(root.toString()).doesNotContain("endpoint");
        }
    }

    @Test
    void anEndpointWithoutARegionUsesUsEast1AndPathStyle() {
        try (ObjectStore store = fromUri("s3://b/p", Map.of("endpoint", "http://127.0.0.1:1", "accessKeyId", "a", "secretAccessKey", "b")).build()) {
            assertThat(store.toString()).contains("region=us-east-1").contains("(path style)");
        }
        try (ObjectStore store = fromUri("s3://b/p", Map.of("endpoint", "http://127.0.0.1:1", "pathStyle", "false", "accessKeyId", "a",
                "secretAccessKey", "b")).build()) {
            assertThat(store.toString()).doesNotContain("path style");
        }
    }

    @Test
    void unknownAndMalformedOptionsAreRefusedWithoutEchoingSecrets() {
        assertThatThrownBy(() -> fromUri("s3://b/p?regoin=eu-west-1", Map.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("regoin").hasMessageContaining("region");
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("partSize", "1MiB"))).isInstanceOf(InvalidInputException.class).hasMessageContaining("5 MiB");
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("partSize", "lots"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("maxConnections", "0"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("readTimeout", "soon"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("crt", "maybe"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("endpoint", "ftp://host"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("endpoint", "http://user:" + SECRET + "@host")))
                .isInstanceOf(InvalidInputException.class).satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("region", "EU WEST"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("sse", "rot13"))).isInstanceOf(InvalidInputException.class).hasMessageContaining("AES256");
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("sse", "AES256", "sseKmsKeyId", "k"))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("secretAccessKey", SECRET)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("together").satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("sseCustomerKey", "not base64 " + SECRET)))
                .isInstanceOf(InvalidInputException.class).satisfies(e -> assertThat(e.getMessage()).doesNotContain(SECRET));
        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("sseCustomerKey", shortKey)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("256-bit").satisfies(e -> assertThat(e.getMessage()).doesNotContain(shortKey));
        assertThatThrownBy(() -> fromUri("s3://b/p", Map.of("sseCustomerKey", SSE_C, "sse", "AES256")).build()).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("gs://b/p", Map.of())).isInstanceOf(InvalidInputException.class).hasMessageContaining("s3://");
        assertThatThrownBy(() -> fromUri("s3:///p", Map.of())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> fromUri("s3://b/a/../c", Map.of())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> S3Store.builder().build()).isInstanceOf(InvalidInputException.class).hasMessageContaining("bucket");
    }

    @Test
    void sseOptionsResolve() {
        Map<String, String> creds = Map.of("region", "us-east-1", "accessKeyId", "a", "secretAccessKey", "b");
        try (ObjectStore kms = fromUri("s3://b/p?sseKmsKeyId=alias/mine&sseBucketKey=true", creds).build();
                ObjectStore aes = fromUri("s3://b/p?sse=AES256", creds).build();
                ObjectStore customer = fromUri("s3://b/p", Map.of("region", "us-east-1", "sseCustomerKey", SSE_C)).build()) {
            assertThat(kms.toString()).contains("aws:kms key alias/mine with bucket key");
            assertThat(aes.toString()).contains("sse=AES256");
            assertThat(customer.toString()).contains("SSE-C").doesNotContain(SSE_C);
        }
    }

    @Test
    void aCallersClientExcludesClientOptions() {
        try (S3AsyncClient client = S3MockServer.rawClient(S3MockServer.get().endpoint())) {
            assertThatThrownBy(() -> S3Store.builder().client(client).bucket("b").region("eu-west-1").build())
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("on that client");
            assertThatThrownBy(() -> S3Store.builder().client(client).bucket("b").crt(true).build()).isInstanceOf(InvalidInputException.class);
            try (ObjectStore store = S3Store.builder().client(client).bucket("b").prefix("/x/").sseS3().build()) {
                assertThat(store.describe()).isEqualTo("s3://b/x");
                assertThat(store.toString()).contains("client supplied");
            }
        }
    }

    @Test
    void theBuilderAndTheStoreNeverShowSecrets() {
        S3StoreBuilder b = S3Store.builder().bucket("b").region("us-east-1").credentials("AKIAEXAMPLE", SECRET, TOKEN).sseCustomerKey(SSE_C);
        assertThat(b.toString()).doesNotContain(SECRET).doesNotContain(TOKEN).doesNotContain(SSE_C).doesNotContain("AKIAEXAMPLE");
        try (ObjectStore store = b.build()) {
            assertThat(store.toString() + store.describe()).doesNotContain(SECRET).doesNotContain(TOKEN).doesNotContain(SSE_C).doesNotContain("AKIAEXAMPLE");
        }
    }

    /** The SDK logger that prints signed headers (the SigV4 canonical request) at DEBUG. */
    static final String SIGNER_LOGGER = "software.amazon.awssdk.http.auth.aws.internal.signer.DefaultV4RequestSigner";
    /** Netty's hex dump of the bytes on the wire, which the SDK's Netty client installs at DEBUG. */
    static final String WIRE_LOGGER = "io.netty.handler.logging.LoggingHandler";

    /**
     * With every SDK, Netty and store logger at TRACE, secrets appear in no log event except the two that dump request
     * headers: the SDK signer's canonical request and Netty's wire dump, which carry the signed x-amz-security-token
     * and SSE-C key headers (SDK behaviour the store cannot change; the README says to keep those two loggers above
     * DEBUG). The secret access key appears nowhere.
     */
    @Test
    void debugLogsCarryNoSecretsExceptTheSdkSignersCanonicalRequest() {
        List<ILoggingEvent> events = logWhileUsingAStore();
        assertThat(events).as("the SDK logged at debug").hasSizeGreaterThan(20);
        List<String> leaking = new ArrayList<>();
        for (ILoggingEvent e : events) {
            String text = e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy()));
            assertThat(text).as("logger %s", e.getLoggerName()).doesNotContain(SECRET);
            if (text.contains(TOKEN) || text.contains(SSE_C)) {
                leaking.add(e.getLoggerName());
            }
        }
        assertThat(leaking).isNotEmpty().allSatisfy(name -> assertThat(name).isIn(SIGNER_LOGGER, WIRE_LOGGER));
    }

    private static List<ILoggingEvent> logWhileUsingAStore() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        List<Logger> loggers = List.of((Logger) LoggerFactory.getLogger("software.amazon.awssdk"), (Logger) LoggerFactory.getLogger("io.netty"),
                (Logger) LoggerFactory.getLogger("dev.checkpointer"));
        List<Level> levels = loggers.stream().map(Logger::getLevel).toList();
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        loggers.forEach(l -> l.setLevel(Level.TRACE));
        try (ObjectStore store = S3MockServer.get().store("options/logs-" + System.nanoTime())
                .credentials(S3MockServer.ACCESS_KEY, SECRET, TOKEN).sseCustomerKey(SSE_C).build()) {
            store.put("k", Payload.of(new byte[] {1, 2, 3}), PutOptions.ifAbsent()).block(Duration.ofSeconds(30));
            store.put("k", Payload.of(new byte[] {1, 2, 3}), PutOptions.ifAbsent()).onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(30));
            store.get("k", ByteRange.ALL).flatMap(c -> dev.checkpointer.spi.Buffers.join(c.body())).block(Duration.ofSeconds(30));
            store.head("missing").onErrorResume(e -> Mono.empty()).block(Duration.ofSeconds(30));
        } finally {
            for (int i = 0; i < loggers.size(); i++) {
                loggers.get(i).setLevel(levels.get(i));
            }
            root.detachAppender(appender);
        }
        return List.copyOf(appender.list);
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import static dev.checkpointer.spring.boot.autoconfigure.StartupFailures.rootCause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.storage.blob.BlobContainerAsyncClient;
import com.azure.storage.blob.BlobContainerClientBuilder;
import com.azure.storage.blob.BlobServiceAsyncClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.google.cloud.storage.Blob;
import com.google.cloud.storage.BlobId;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.ObjectStore;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * SDK client beans of the application: the store for {@code checkpointer.location} is built over them, and closing
 * the context (and so the store) never closes them.
 */
class ClientBeansTest {
    private static final Duration T = Duration.ofSeconds(30);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class));

    // ------------------------------------------------------------------------------------------------- S3

    /** An S3AsyncClient that records every call and answers each request with a client-side failure. */
    static final class RecordingS3 {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final S3AsyncClient client = (S3AsyncClient) Proxy.newProxyInstance(S3AsyncClient.class.getClassLoader(), new Class<?>[] {S3AsyncClient.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "toString":
                            return "RecordingS3";
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "serviceName":
                            return "s3";
                        default:
                            calls.add(method.getName());
                            if (CompletableFuture.class.isAssignableFrom(method.getReturnType())) {
                                return CompletableFuture.failedFuture(SdkClientException.create("recording client: no server"));
                            }
                            return null;
                    }
                });
    }

    @Test
    void anS3AsyncClientBeanIsUsedAndNotClosed() {
        RecordingS3 s3 = new RecordingS3();
        runner.withBean(S3AsyncClient.class, () -> s3.client).withPropertyValues("checkpointer.location=s3://my-bucket/jobs/clicks").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ObjectStore store = ctx.getBean(ObjectStore.class);
            assertThat(store.describe()).startsWith("s3://");
            assertThat(store.describe()).isEqualTo("s3://my-bucket/jobs/clicks");
            assertThat(catchThrowable(() -> store.head("probe").block(T))).isNotNull();
            assertThat(s3.calls).contains("headObject");
            // the store and the checkpointer do not own the client: closing them leaves it to the context
            ctx.getBean(Checkpointer.class).close();
            store.close();
            assertThat(s3.calls).doesNotContain("close");
        });
        assertThat(s3.calls).as("the context closes its own bean").contains("close");
    }

    @Test
    void clientSettingsInOptionsNextToAClientBeanAreRefusedClearly() {
        RecordingS3 s3 = new RecordingS3();
        runner.withBean(S3AsyncClient.class, () -> s3.client)
                .withPropertyValues("checkpointer.location=s3://my-bucket/p", "checkpointer.options.region=eu-west-1")
                .run(ctx -> {
                    CheckpointerConfigurationException e = (CheckpointerConfigurationException) rootCause(ctx);
                    assertThat(e).hasMessageStartingWith("the s3 store over the S3AsyncClient bean refused");
                    assertThat(e.action()).contains("checkpointer.use-client-beans=false");
                });
        runner.withBean(S3AsyncClient.class, () -> s3.client)
                .withPropertyValues("checkpointer.location=s3://my-bucket/p", "checkpointer.s3.region=eu-west-1")
                .run(ctx -> assertThat(rootCause(ctx)).as("a typed group value is an option too")
                        .hasMessageStartingWith("the s3 store over the S3AsyncClient bean refused").hasMessageContaining("region"));
    }

    @Test
    void twoClientBeansWithoutAPrimaryAreRefusedClearly() {
        RecordingS3 a = new RecordingS3();
        RecordingS3 b = new RecordingS3();
        runner.withBean("s3a", S3AsyncClient.class, () -> a.client).withBean("s3b", S3AsyncClient.class, () -> b.client)
                .withPropertyValues("checkpointer.location=s3://my-bucket/p").run(ctx -> {
                    CheckpointerConfigurationException e = (CheckpointerConfigurationException) rootCause(ctx);
                    assertThat(e).hasMessageContaining("2 S3AsyncClient beans and none is @Primary");
                    assertThat(e.action()).contains("@Primary");
                });
        RecordingS3 c = new RecordingS3();
        RecordingS3 primary = new RecordingS3();
        runner.withBean("s3c", S3AsyncClient.class, () -> c.client).withBean("s3p", S3AsyncClient.class, () -> primary.client, d -> d.setPrimary(true))
                .withPropertyValues("checkpointer.location=s3://my-bucket/p").run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    catchThrowable(() -> ctx.getBean(ObjectStore.class).head("probe").block(T));
                    assertThat(primary.calls).containsExactly("headObject");
                    assertThat(c.calls).isEmpty();
                });
    }

    @Test
    void clientBeansCanBeIgnored() {
        RecordingS3 s3 = new RecordingS3();
        runner.withBean(S3AsyncClient.class, () -> s3.client)
                .withPropertyValues("checkpointer.use-client-beans=false", "checkpointer.location=s3://my-bucket/p",
                        "checkpointer.options.region=us-east-1", "checkpointer.options.endpoint=http://127.0.0.1:1",
                        "checkpointer.options.accessKeyId=AKIAEXAMPLE", "checkpointer.options.secretAccessKey=secret")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(ObjectStore.class).describe()).startsWith("s3://");
                    assertThat(s3.calls).isEmpty();
                });
    }

    @Test
    void aClientBeanOfAnotherProviderIsLeftAlone() {
        RecordingS3 s3 = new RecordingS3();
        runner.withBean(S3AsyncClient.class, () -> s3.client).withPropertyValues("checkpointer.location=memory://not-s3").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block(T);
            assertThat(s3.calls).isEmpty();
        });
    }

    // ------------------------------------------------------------------------------------------------- Azure

    /** An Azure HTTP pipeline end that records request URLs and fails them (no server needed). */
    static final class RecordingHttp implements HttpClient {
        final List<String> urls = new CopyOnWriteArrayList<>();

        @Override
        public Mono<HttpResponse> send(HttpRequest request) {
            urls.add(request.getHttpMethod() + " " + request.getUrl());
            return Mono.error(new IOException("recording client: no server"));
        }
    }

    private static final String AZURITE = "http://127.0.0.1:10000/devstoreaccount1";

    private static RequestRetryOptions oneAttempt() {
        return new RequestRetryOptions(RetryPolicyType.FIXED, 1, (Integer) null, null, null, null);
    }

    @Test
    void aBlobServiceAsyncClientBeanIsAskedForTheLocationsContainer() {
        RecordingHttp http = new RecordingHttp();
        BlobServiceAsyncClient service = new BlobServiceClientBuilder().endpoint(AZURITE).httpClient(http).retryOptions(oneAttempt()).buildAsyncClient();
        runner.withBean(BlobServiceAsyncClient.class, () -> service).withPropertyValues("checkpointer.location=azblob://checkpoints/jobs").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ObjectStore store = ctx.getBean(ObjectStore.class);
            assertThat(store.describe()).startsWith("azblob://");
            assertThat(catchThrowable(() -> store.head("probe").block(T))).isNotNull();
            assertThat(http.urls).anyMatch(u -> java.net.URLDecoder.decode(u, StandardCharsets.UTF_8).contains("/devstoreaccount1/checkpoints/jobs/probe"));
        });
    }

    @Test
    void aBlobContainerAsyncClientBeanForTheLocationsContainerIsUsed() {
        RecordingHttp http = new RecordingHttp();
        BlobContainerAsyncClient container = new BlobContainerClientBuilder().endpoint(AZURITE).containerName("checkpoints").httpClient(http)
                .retryOptions(oneAttempt()).buildAsyncClient();
        runner.withBean(BlobContainerAsyncClient.class, () -> container).withPropertyValues("checkpointer.location=azblob://checkpoints/jobs").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(catchThrowable(() -> ctx.getBean(ObjectStore.class).head("probe").block(T))).isNotNull();
            assertThat(http.urls).anyMatch(u -> java.net.URLDecoder.decode(u, StandardCharsets.UTF_8).contains("/devstoreaccount1/checkpoints/jobs/probe"));
        });
    }

    @Test
    void aContainerClientForAnotherContainerIsRefusedClearly() {
        BlobContainerAsyncClient container = new BlobContainerClientBuilder().endpoint(AZURITE).containerName("other").httpClient(new RecordingHttp())
                .retryOptions(oneAttempt()).buildAsyncClient();
        runner.withBean(BlobContainerAsyncClient.class, () -> container).withPropertyValues("checkpointer.location=azblob://checkpoints/jobs").run(ctx ->
                assertThat(rootCause(ctx)).hasMessageContaining("the client's container is 'other', not 'checkpoints'"));
    }

    // ------------------------------------------------------------------------------------------------- GCS

    @Test
    void aGcsStorageBeanIsUsedAndNotClosed() {
        Storage real = LocalStorageHelper.customOptions(false).getService();
        List<String> closed = new ArrayList<>();
        Storage storage = (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class}, (proxy, method, args) -> {
            if (method.getName().equals("close")) {
                closed.add("close");
            }
            try {
                return method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
        // LocalStorageHelper ignores preconditions, so the checkpointer's conditional writes cannot run on it: the store's
        // own requests show whose client it is.
        runner.withBean(Storage.class, () -> storage).withPropertyValues("checkpointer.location=gs://local-bucket/jobs/clicks").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ObjectStore store = ctx.getBean(ObjectStore.class);
            assertThat(store.describe()).isEqualTo("gs://local-bucket/jobs/clicks");
            store.put("probe", Payload.of("in the user's storage".getBytes(StandardCharsets.UTF_8)), PutOptions.none()).block(T);
            Blob written = real.get(BlobId.of("local-bucket", "jobs/clicks/probe"));
            assertThat(written).isNotNull();
            assertThat(new String(written.getContent(), StandardCharsets.UTF_8)).isEqualTo("in the user's storage");
            ctx.getBean(Checkpointer.class).close();
            store.close();
            assertThat(closed).isEmpty();
        });
    }
}

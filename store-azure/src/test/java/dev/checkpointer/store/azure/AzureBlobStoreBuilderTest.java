package dev.checkpointer.store.azure;

import dev.checkpointer.spi.ObjectStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.BlobServiceVersion;
import com.azure.storage.common.sas.AccountSasPermission;
import com.azure.storage.common.sas.AccountSasResourceType;
import com.azure.storage.common.sas.AccountSasService;
import com.azure.storage.common.sas.AccountSasSignatureValues;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.PutOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/** Building stores: URIs, options, credentials, and what is refused (never echoing a secret). */
@ExtendWith(AzuriteExtension.class)
class AzureBlobStoreBuilderTest {
    private static final String CONTAINER = "builder";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @BeforeAll
    static void container() {
        Azurite.shared().container(CONTAINER);
    }

    private static String randomKey() {
        byte[] b = new byte[64];
        new Random(7).nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }

    private static String accountSas() {
        return new BlobServiceClientBuilder().connectionString(Azurite.shared().connectionString()).buildClient()
                .generateAccountSas(new AccountSasSignatureValues(OffsetDateTime.now().plusHours(1), AccountSasPermission.parse("racwdl"),
                        new AccountSasService().setBlobAccess(true), new AccountSasResourceType().setContainer(true).setObject(true)));
    }

    @Test
    void theProviderIsRegisteredAndCheckpointerOpenFindsIt() {
        assertThat(ServiceLoader.load(ObjectStoreProvider.class).stream().map(p -> p.type().getName())).contains(AzureBlobStoreProvider.class.getName());
        AzureBlobStoreProvider provider = new AzureBlobStoreProvider();
        assertThat(provider.schemes()).containsExactly("azblob");
        assertThat(provider.supports(URI.create("azblob://c/p"))).isTrue();
        assertThat(provider.supports(URI.create("AZBLOB://c/p"))).isTrue();
        assertThat(provider.supports(URI.create("s3://c/p"))).isFalse();

        byte[] state = "operator state".getBytes(StandardCharsets.UTF_8);
        try (Checkpointer cp = Checkpointer.open("azblob://" + CONTAINER + "/via-open?blockSize=1MiB",
                Map.of("connectionString", Azurite.shared().connectionString()))) {
            cp.save(Snapshot.builder().epoch(1).partition("op", 0, dev.checkpointer.PartitionKind.SNAPSHOT, Payload.of(state)).build()).block(TIMEOUT);
            Checkpoint latest = cp.latest().block(TIMEOUT);
            assertThat(Buffers.toArray(latest.read("op", 0).block(TIMEOUT))).isEqualTo(state);
        }
    }

    @Test
    void locationsAndOptionsAreParsed() {
        ObjectStore s = AzureBlobStore.builder().location(URI.create("azblob://" + CONTAINER + "/jobs/orders/?maxConcurrency=2&listPageSize=100"),
                Map.of("connectionString", Azurite.shared().connectionString(), "serviceVersion", "2025-11-05")).build();
        assertThat(s.describe()).startsWith("azblob://" + CONTAINER + "/jobs/orders (");
        assertThat(AzureBlobStore.builder().connectionString(Azurite.shared().connectionString()).container(CONTAINER).prefix("/a/b/").build().describe())
                .startsWith("azblob://" + CONTAINER + "/a/b (");
        assertThat(AzureBlobStoreBuilder.parseServiceVersion("V2025_11_05")).isEqualTo(BlobServiceVersion.V2025_11_05);
        assertThat(AzureBlobStoreBuilder.parseServiceVersion("latest")).isEqualTo(BlobServiceVersion.getLatest());
        assertThatThrownBy(() -> AzureBlobStoreBuilder.parseServiceVersion("1999-01-01")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("2025-11-05");
    }

    @Test
    void badLocationsAndOptionsAreRefused() {
        Map<String, String> cs = Map.of("connectionString", Azurite.shared().connectionString());
        assertThatThrownBy(() -> AzureBlobStore.builder().location(URI.create("s3://bucket/p"), cs)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("azblob://");
        assertThatThrownBy(() -> AzureBlobStore.builder().location(URI.create("azblob://ccc/p?blokSize=1MiB"), cs))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("blokSize").hasMessageContaining("blockSize");
        // Spelling is relaxed (case and - _ . ignored), so environment variables and kebab-case keys set real options.
        assertThatThrownBy(() -> AzureBlobStore.builder().location(URI.create("azblob://ccc/p?block-size=1000"), cs))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("blockSize");
        assertThatThrownBy(() -> AzureBlobStore.builder().location(URI.create("azblob://Upper_Case/p"), cs)).hasMessageContaining("container name");
        assertThatThrownBy(() -> AzureBlobStore.builder().container("a--b")).hasMessageContaining("container name");
        assertThatThrownBy(() -> AzureBlobStore.builder().prefix("a/../b")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> AzureBlobStore.builder().blockSize(1000)).hasMessageContaining("blockSize");
        assertThatThrownBy(() -> AzureBlobStore.builder().maxConcurrency(0)).hasMessageContaining("maxConcurrency");
        assertThatThrownBy(() -> AzureBlobStore.builder().listPageSize(5001)).hasMessageContaining("listPageSize");
        assertThatThrownBy(() -> AzureBlobStore.builder().endpoint("ftp://x")).hasMessageContaining("endpoint");
        assertThatThrownBy(() -> AzureBlobStore.builder().endpoint("https://a.blob.core.windows.net/?sv=1&sig=abc")).hasMessageContaining("sasToken")
                .hasMessageNotContaining("abc");
        assertThatThrownBy(() -> AzureBlobStore.builder().container(CONTAINER).build()).hasMessageContaining("account");
        assertThatThrownBy(() -> AzureBlobStore.builder().container(CONTAINER).connectionString(Azurite.shared().connectionString())
                .accountKey(Azurite.KEY).build()).hasMessageContaining("excludes");
        assertThatThrownBy(() -> AzureBlobStore.builder().container(CONTAINER).endpoint(Azurite.shared().endpoint()).accountKey(Azurite.KEY)
                .sasToken("sv=1&sig=x").build()).hasMessageContaining("exclude each other");
        String cpk = Base64.getEncoder().encodeToString(new byte[32]);
        assertThatThrownBy(() -> AzureBlobStore.builder().container(CONTAINER).connectionString(Azurite.shared().connectionString())
                .customerProvidedKey(cpk).encryptionScope("scope").build()).hasMessageContaining("exclude each other");
        assertThatThrownBy(() -> AzureBlobStore.builder().client(Azurite.shared().container(CONTAINER)).accountKey(Azurite.KEY).build())
                .hasMessageContaining("client's business");
        assertThatThrownBy(() -> AzureBlobStore.builder().client(Azurite.shared().container(CONTAINER)).container("other").build())
                .hasMessageContaining("'other'");
    }

    @Test
    void secretOptionsAreNeverEchoed() {
        String notBase64 = "this-is-not-base64-secret!!";
        for (Map.Entry<String, String> bad : Map.of("accountKey", notBase64, "customerProvidedKey", notBase64, "sasToken", notBase64,
                "connectionString", " ").entrySet()) {
            assertThatThrownBy(() -> AzureBlobStore.builder().options(Map.of(bad.getKey(), bad.getValue())))
                    .as(bad.getKey()).isInstanceOf(InvalidInputException.class).hasMessageNotContaining(notBase64);
        }
        String shortKey = Base64.getEncoder().encodeToString("sixteen byte key".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> AzureBlobStore.builder().customerProvidedKey(shortKey)).hasMessageContaining("16 bytes").hasMessageNotContaining(shortKey);
        String badCs = "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=" + randomKey() + ";BlobEndpoint=::not a url::";
        Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> AzureBlobStore.builder().container(CONTAINER).connectionString(badCs).build());
        assertThat(e).isInstanceOf(InvalidInputException.class);
        assertThat(stackTrace(e)).doesNotContain(randomKey()).doesNotContain(badCs);

        AzureBlobStoreBuilder b = AzureBlobStore.builder().container(CONTAINER).endpoint(Azurite.shared().endpoint()).accountName(Azurite.ACCOUNT)
                .accountKey(Azurite.KEY).customerProvidedKey(Base64.getEncoder().encodeToString(new byte[32]));
        assertThat(b.toString()).doesNotContain(Azurite.KEY).contains("accountKey=****", "customerProvidedKey=****");
        assertThat(AzureBlobStore.builder().sasToken(accountSas()).toString()).contains("sasToken=****").doesNotContain("sig=");
    }

    @Test
    void sharedKeyAndSasCredentialsWorkAndWrongOnesAreAccessDenied() {
        byte[] data = {1, 2, 3};
        ObjectStore key = AzureBlobStore.builder().container(CONTAINER).prefix("shared-key").endpoint(Azurite.shared().endpoint())
                .accountKey(Azurite.KEY).build(); // account name read from the path-style endpoint
        assertThat(key.describe()).contains("shared key");
        key.put("k", Payload.of(data), PutOptions.none()).block(TIMEOUT);

        String sas = accountSas();
        ObjectStore viaSas = AzureBlobStore.builder().location(URI.create("azblob://" + CONTAINER + "/shared-key"),
                Map.of("endpoint", Azurite.shared().endpoint(), "sasToken", "?" + sas)).build();
        assertThat(viaSas.describe()).contains("SAS token").doesNotContain("sig");
        assertThat(viaSas.readAll("k").block(TIMEOUT)).isEqualTo(data);

        ObjectStore wrongKey = AzureBlobStore.builder().container(CONTAINER).endpoint(Azurite.shared().endpoint()).accountName(Azurite.ACCOUNT)
                .accountKey(randomKey()).build();
        StoreException denied = (StoreException) wrongKey.head("k").then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
        assertThat(denied.code()).isEqualTo(ErrorCode.STORE_ACCESS_DENIED);
        assertThat(stackTrace(denied)).doesNotContain(randomKey());

        String tampered = sas.replaceAll("sig=[^&]+", "sig=AAAA" + "B".repeat(40) + "%3D");
        ObjectStore wrongSas = AzureBlobStore.builder().container(CONTAINER).endpoint(Azurite.shared().endpoint()).sasToken(tampered).build();
        Throwable e = wrongSas.put("x", Payload.of(data), PutOptions.none()).then(Mono.<Throwable>empty()).onErrorResume(Mono::just).block(TIMEOUT);
        assertThat(e).isInstanceOfSatisfying(StoreException.class, se -> assertThat(se.code()).isEqualTo(ErrorCode.STORE_ACCESS_DENIED));
        assertThat(stackTrace(e)).doesNotContain("B".repeat(40)).doesNotContain(sas);
    }

    @Test
    void withoutASecretTheStoreUsesDefaultAzureCredentialOverHttpsOnly() {
        // azure-identity is on the test class path (an optional dependency of the module); nothing is requested here.
        ObjectStore s = AzureBlobStore.builder().location(URI.create("azblob://" + CONTAINER + "/p?accountName=myaccount"), Map.of()).build();
        assertThat(s.describe()).isEqualTo("azblob://" + CONTAINER + "/p (https://myaccount.blob.core.windows.net, DefaultAzureCredential)");
        assertThatThrownBy(() -> AzureBlobStore.builder().container(CONTAINER).endpoint(Azurite.shared().endpoint()).build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("https");
        ObjectStore custom = AzureBlobStore.builder().container(CONTAINER).accountName("myaccount")
                .credential(r -> Mono.error(new IllegalStateException("no tokens in tests"))).build();
        assertThat(custom.describe()).contains("token credential");
    }

    static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }
}

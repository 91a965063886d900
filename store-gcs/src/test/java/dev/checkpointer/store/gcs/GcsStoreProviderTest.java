package dev.checkpointer.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.gcs.internal.GcsObjectStore;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** URI and option handling of {@link GcsStoreProvider}, found through {@link ServiceLoader}. */
class GcsStoreProviderTest {
    private static final String SECRET = "-----BEGIN PRIVATE KEY-----TOP-SECRET-KEY-MATERIAL";

    private static ObjectStoreProvider provider() {
        return ServiceLoader.load(ObjectStoreProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.supports(URI.create("gs://b/p"))).findFirst().orElseThrow();
    }

    @Test
    void theProviderIsRegisteredForGs() {
        assertThat(provider()).isInstanceOf(GcsStoreProvider.class);
        assertThat(provider().schemes()).containsExactly("gs");
        assertThat(provider().supports(URI.create("s3://b/p"))).isFalse();
    }

    @Test
    void aUriWithOptionsOpensAWorkingStore() {
        String uri = "gs://" + FakeGcs.BUCKET + "/provider/x?anonymous=true&chunkSize=512KiB&threads=3&listPageSize=10&singleRequestUploads=false"
                + "&endpoint=" + FakeGcs.server().endpoint();
        try (ObjectStore store = provider().open(URI.create(uri), Map.of("readChunkSize", "64KiB"))) {
            assertThat(store.describe()).isEqualTo("gs://" + FakeGcs.BUCKET + "/provider/x");
            var config = ((GcsObjectStore) store).config();
            assertThat(config.chunkSize()).isEqualTo(512 * 1024);
            assertThat(config.threads()).isEqualTo(3);
            assertThat(config.readChunkSize()).isEqualTo(64 * 1024);
            assertThat(config.singleRequestUploads()).isFalse();
            store.put("k", Payload.of(new byte[] {1, 2}), PutOptions.none()).block(Duration.ofSeconds(30));
            assertThat(store.readAll("k").block(Duration.ofSeconds(30))).containsExactly(1, 2);
        }
    }

    @Test
    void unknownAndInvalidOptionsAreRefused() {
        assertThatThrownBy(() -> provider().open(URI.create("gs://b/p?chunkSzie=1MiB"), Map.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("chunkSzie");
        assertThatThrownBy(() -> provider().open(URI.create("gs://b/p"), Map.of("anonymous", "true", "chunkSize", "100000")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("256 KiB");
        assertThatThrownBy(() -> provider().open(URI.create("gs://b/p"), Map.of("anonymous", "true", "endpoint", "ftp://x")))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> provider().open(URI.create("gs:///p"), Map.of())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> provider().open(URI.create("gs://b/a/../c"), Map.of())).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void anUnreadableCredentialsFileIsAConfigurationErrorThatNeverShowsItsContents(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("key.json");
        Files.writeString(key, "{\"type\":\"service_account\",\"private_key\":\"" + SECRET + "\"", StandardCharsets.UTF_8);
        Throwable e = catchThrowable(() -> provider().open(URI.create("gs://b/p"), Map.of("credentialsFile", key.toString())));
        assertThat(e).isInstanceOf(CheckpointException.class);
        assertThat(((CheckpointException) e).code()).isEqualTo(ErrorCode.CONFIGURATION);
        assertThat(e.getMessage()).contains(key.toString()).doesNotContain("TOP-SECRET");
        assertThat(e.getCause()).isNull();
        Throwable missing = catchThrowable(() -> provider().open(URI.create("gs://b/p"), Map.of("credentialsFile", dir.resolve("none.json").toString())));
        assertThat(((CheckpointException) missing).code()).isEqualTo(ErrorCode.CONFIGURATION);
    }

    @Test
    void builderAndStoreDescriptionsShowNoCredentials(@TempDir Path dir) {
        GcsStore.Builder b = GcsStore.builder().bucket("b").prefix("p").credentialsFile(dir.resolve("secret-key.json"));
        assertThat(b.toString()).isEqualTo("GcsStore.Builder[gs://b/p]");
        try (ObjectStore store = FakeGcs.store("describe").kmsKeyName("projects/x/locations/l/keyRings/r/cryptoKeys/k").build()) {
            assertThat(store.toString()).doesNotContain("cryptoKeys");
            assertThat(((GcsObjectStore) store).config().toString()).doesNotContain("cryptoKeys").contains("kmsKey=set");
        }
    }

    @Test
    void clientSettingsAndACallersClientExcludeEachOther() {
        var client = com.google.cloud.storage.StorageOptions.http().setProjectId("p")
                .setCredentials(com.google.cloud.NoCredentials.getInstance()).build().getService();
        assertThatThrownBy(() -> GcsStore.builder().storage(client).bucket("b").endpoint("http://127.0.0.1:1").build())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> GcsStore.builder().build()).isInstanceOf(InvalidInputException.class).hasMessageContaining("bucket");
    }
}

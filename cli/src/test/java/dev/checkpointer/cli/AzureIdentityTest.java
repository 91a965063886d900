package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStores;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The tool bundles azure-identity: an azblob location with only an account name authenticates with
 * DefaultAzureCredential (no request is sent here: building the client and credential is offline).
 */
class AzureIdentityTest {
    @Test
    void anAccountNameAloneUsesDefaultAzureCredential() {
        try (ObjectStore s = ObjectStores.open("azblob://container/prefix", Map.of("accountName", "myaccount"))) {
            assertThat(s.describe()).contains("https://myaccount.blob.core.windows.net").contains("DefaultAzureCredential");
        }
    }

    @Test
    void anAccountKeyStillWinsAndIsNeverShown() {
        try (ObjectStore s = ObjectStores.open("azblob://container/prefix", Map.of("accountName", "myaccount", "accountKey", "c2VjcmV0LWtleQ=="))) {
            assertThat(s.describe()).contains("shared key").doesNotContain("DefaultAzureCredential").doesNotContain("c2VjcmV0LWtleQ==");
        }
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;

class CheckpointerSanitizingFunctionTest {
    private final CheckpointerProperties properties = new CheckpointerProperties();
    private final CheckpointerSanitizingFunction function = new CheckpointerSanitizingFunction(() -> properties);

    private Object sanitize(String key, Object value) {
        return function.apply(new SanitizableData(null, key, value)).getValue();
    }

    @Test
    void groupSecretsAreMaskedHoweverTheNameIsSpelt() {
        for (String key : new String[] {"checkpointer.s3.secretAccessKey", "checkpointer.s3.secret-access-key", "CHECKPOINTER_S3_SECRETACCESSKEY",
                "CHECKPOINTER_S3_SECRET_ACCESS_KEY", "checkpointer.s3.access-key-id", "checkpointer.s3.sessionToken",
                "CHECKPOINTER_AZURE_SAS_TOKEN", "checkpointer.azure.connection-string", "checkpointer.azure.accountKey"}) {
            assertThat(sanitize(key, "x")).as(key).isEqualTo(SanitizableData.SANITIZED_VALUE);
        }
    }

    @Test
    void secretStoreOptionsAreMaskedHoweverTheNameIsSpelt() {
        for (String key : new String[] {"checkpointer.options.accountKey", "checkpointer.options.account-key", "CHECKPOINTER_OPTIONS_SECRET_ACCESS_KEY",
                "CHECKPOINTER_OPTIONS_SASTOKEN", "checkpointer.options[sasToken]", "checkpointer.options.sse-customer-key",
                "checkpointer.options.customerProvidedKey", "checkpointer.options.CONNECTIONSTRING"}) {
            assertThat(sanitize(key, "x")).as(key).isEqualTo(SanitizableData.SANITIZED_VALUE);
        }
    }

    @Test
    void otherSettingsAreShown() {
        for (String key : new String[] {"checkpointer.s3.region", "checkpointer.azure.account-name", "checkpointer.options.read-chunk-size",
                "CHECKPOINTER_OPTIONS_ENDPOINT", "checkpointer.gcs.credentials-file", "checkpointer.options", "other.secret-access-key"}) {
            assertThat(sanitize(key, "shown-value")).as(key).isEqualTo("shown-value");
        }
        assertThat(sanitize("checkpointer.location", "s3://bucket/prefix?region=eu-west-1")).isEqualTo("s3://bucket/prefix?region=eu-west-1");
    }

    @Test
    void aLocationWithASecretInItsQueryIsMasked() {
        assertThat(sanitize("checkpointer.location", "azblob://c/p?sas-token=sv%3D1")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitize("CHECKPOINTER_LOCATION", "s3://b/p?region=x&secretAccessKey=y")).isEqualTo(SanitizableData.SANITIZED_VALUE);
    }

    /** A configured secret is masked inside any other value, e.g. the command line in sun.java.command. */
    @Test
    void configuredSecretsAreMaskedWhereverTheyAppear() {
        properties.getS3().setSecretAccessKey("s3-secret-value");
        properties.getOptions().put("account-key", "azure-account-key");
        properties.getAzure().setSasToken("short");
        assertThat(sanitize("sun.java.command", "App --checkpointer.s3.secret-access-key=s3-secret-value")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitize("SPRING_APPLICATION_JSON", "{\"k\":\"azure-account-key\"}")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitize("unrelated", "a value that is not secret, short or not")).isEqualTo("a value that is not secret, short or not");
        assertThat(sanitize("unrelated", "this is short")).as("secrets under 8 characters are masked by name only").isEqualTo("this is short");
    }

    @Test
    void withoutTheCheckpointerNamesAreStillMasked() {
        CheckpointerSanitizingFunction noProperties = new CheckpointerSanitizingFunction(() -> null);
        assertThat(noProperties.apply(new SanitizableData(null, "CHECKPOINTER_S3_SECRETACCESSKEY", "x")).getValue())
                .isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(noProperties.apply(new SanitizableData(null, "any", "value")).getValue()).isEqualTo("value");
        assertThat(noProperties.apply(new SanitizableData(null, "checkpointer.s3.secret-access-key", null)).getValue()).isNull();
    }
}

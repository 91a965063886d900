package dev.checkpointer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Over HTTP: an application that shows configuration values ({@code show-values=always}) still never shows
 * checkpointer secrets in {@code /actuator/env} or {@code /actuator/configprops}, whether set as store options (in any
 * spelling), in a typed group or in the location's query.
 */
class SecretMaskingHttpTest {
    private final String run = UUID.randomUUID().toString();
    private final String secretKey = "opt-secret-" + run;
    private final String keyId = "opt-keyid-" + run;
    private final String sessionToken = "query-token-" + run;
    private final String groupSecret = "group-sas-" + run;

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    @Test
    void secretsAreMaskedInEnvAndConfigprops() throws Exception {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class).web(WebApplicationType.REACTIVE).properties(
                "server.port=0",
                "checkpointer.location=s3://bucket/prefix?sessionToken=" + sessionToken,
                "checkpointer.use-client-beans=false",
                "checkpointer.options.region=eu-west-1",
                "checkpointer.options.endpoint=http://127.0.0.1:9",
                "checkpointer.options.access-key-id=" + keyId,
                "checkpointer.options.SECRET_ACCESS_KEY=" + secretKey,
                "checkpointer.azure.sas-token=" + groupSecret,
                "management.endpoints.web.exposure.include=env,configprops",
                "management.endpoint.env.show-values=always",
                "management.endpoint.configprops.show-values=always").run()) {
            String base = "http://127.0.0.1:" + ctx.getEnvironment().getProperty("local.server.port");
            HttpClient http = HttpClient.newHttpClient();

            String env = get(http, base + "/actuator/env");
            assertThat(env).contains("eu-west-1").contains("******");
            assertNoSecret(env);

            String configprops = get(http, base + "/actuator/configprops");
            assertNoSecret(configprops);
            JsonNode props = null;
            for (JsonNode context : new ObjectMapper().readTree(configprops).path("contexts")) {
                for (JsonNode bean : context.path("beans")) {
                    if (bean.path("prefix").asText().equals("checkpointer")) {
                        props = bean.path("properties");
                    }
                }
            }
            assertThat(props).isNotNull();
            assertThat(props.path("options").path("region").asText()).isEqualTo("eu-west-1");
            assertThat(props.path("options").path("SECRET_ACCESS_KEY").asText()).isEqualTo("******");
            assertThat(props.path("options").path("access-key-id").asText()).isEqualTo("******");
            assertThat(props.path("location").asText()).isEqualTo("******");
            assertThat(props.path("azure").path("sasToken").asText()).isEqualTo("******");
        }
    }

    private void assertNoSecret(String body) {
        for (String secret : new String[] {secretKey, keyId, sessionToken, groupSecret}) {
            assertThat(body.contains(secret)).as("a secret appears in the response").isFalse();
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }
}

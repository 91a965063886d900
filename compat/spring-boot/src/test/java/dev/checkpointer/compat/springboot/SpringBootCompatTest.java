package dev.checkpointer.compat.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The starter on one Spring Boot line (the Maven profile's), black box: {@link CompatApplication} runs as its own JVM,
 * configured the way a container is, by environment variables ({@code CHECKPOINTER_LOCATION},
 * {@code CHECKPOINTER_OPTIONS_READCHUNKSIZE}, secrets as from a Kubernetes secret), and is driven over HTTP only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpringBootCompatTest {
    private final String run = UUID.randomUUID().toString();
    /** Secrets given to the application; none may ever come back out of it. */
    private final String s3Secret = "s3-secret-" + run;
    private final String azureSasToken = "sv=2025-11-05&sig=azure-sas-" + run;
    private final String accessKeyId = "AKIA-" + run;
    private Path store;
    private String location;
    private CompatApp app;

    @BeforeAll
    void start() throws Exception {
        store = CompatApp.workDir().resolve("store-" + run);
        location = store.toUri().toString();
        app = CompatApp.launch("app-boot-" + System.getProperty("compat.boot.version"), Map.of(
                        "CHECKPOINTER_LOCATION", location,
                        "CHECKPOINTER_OPTIONS_READCHUNKSIZE", "64KiB",
                        "CHECKPOINTER_OPTIONS_FSYNC", "false",
                        "CHECKPOINTER_S3_SECRETACCESSKEY", s3Secret,
                        "CHECKPOINTER_AZURE_SAS_TOKEN", azureSasToken),
                "--checkpointer.s3.access-key-id=" + accessKeyId)
                .awaitStarted();
    }

    @AfterAll
    void stop() throws Exception {
        if (app != null) {
            app.close();
            assertNoSecret(app.logText());
        }
    }

    /** The row tests the Boot line it names; what ran is written for scripts/compat-matrix.sh's table. */
    @Test
    void theRequestedSpringBootIsTheOneLoaded() throws Exception {
        String loaded = org.springframework.boot.SpringBootVersion.getVersion();
        java.util.Properties runtime = new java.util.Properties();
        runtime.setProperty("java.version", System.getProperty("java.version"));
        runtime.setProperty("java.vendor", System.getProperty("java.vendor"));
        runtime.setProperty("library", "spring-boot");
        runtime.setProperty("library.version", String.valueOf(loaded));
        Path file = Path.of(System.getProperty("compat.runtime.file"));
        java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(file)) {
            runtime.store(out, "what the compat/spring-boot tests ran on");
        }
        org.assertj.core.api.Assertions.assertThat(loaded).as("Spring Boot on the class path").isEqualTo(System.getProperty("compat.boot.version"));
    }

    @Test
    void savesAndReportsHealthCheckpointsAndMeters() throws Exception {
        HttpResponse<String> saved = app.post("/save?text=hello");
        assertThat(saved.statusCode()).as(saved.body()).isEqualTo(200);
        long id = Long.parseLong(saved.body().trim());

        JsonNode health = app.json("/actuator/health").path("components").path("checkpointer");
        assertThat(health.path("status").asText()).as(health.toString()).isEqualTo("UP");
        JsonNode details = health.path("details");
        assertThat(details.path("latestId").asLong()).as(details.toString()).isGreaterThanOrEqualTo(id);
        assertThat(details.path("pointer").asText()).isEqualTo("ok");
        assertThat(details.has("age")).isTrue();

        JsonNode checkpoints = app.json("/actuator/checkpoints").path("checkpoints");
        List<Long> ids = new ArrayList<>();
        checkpoints.forEach(c -> ids.add(c.path("id").asLong()));
        assertThat(ids).contains(id);
        JsonNode one = app.json("/actuator/checkpoints/" + id);
        assertThat(one.path("summary").path("id").asLong()).isEqualTo(id);
        assertThat(one.path("partitions").get(0).path("operator").asText()).isEqualTo("compat");
        assertThat(app.get("/actuator/checkpoints/999999").statusCode()).isEqualTo(404);

        List<String> meters = new ArrayList<>();
        app.json("/actuator/metrics").path("names").forEach(n -> meters.add(n.asText()));
        assertThat(meters).contains("checkpointer.save", "checkpointer.store.requests");
        JsonNode save = app.json("/actuator/metrics/checkpointer.save?tag=outcome:committed");
        double count = 0;
        for (JsonNode m : save.path("measurements")) {
            if (m.path("statistic").asText().equals("COUNT")) {
                count = m.path("value").asDouble();
            }
        }
        assertThat(count).as(save.toString()).isGreaterThanOrEqualTo(1);
        assertThat(save.path("availableTags").toString()).contains("store").contains("file");
    }

    /** Environment variables in Spring's relaxed form reach the store: the location, and options in any spelling. */
    @Test
    void environmentVariablesConfigureTheStore() throws Exception {
        JsonNode props = checkpointerConfigProps();
        assertThat(props.path("location").asText()).isEqualTo(location);
        JsonNode options = props.path("options");
        assertThat(options.path("readchunksize").asText()).as(options.toString()).isEqualTo("64KiB");
        assertThat(options.path("fsync").asText()).isEqualTo("false");
        assertThat(options.path("create-root").asText()).as("kebab case from application.properties").isEqualTo("true");
        // The store was opened with these options (an unknown one stops startup, see below): checkpoints land there.
        assertThat(app.post("/save?text=env").statusCode()).isEqualTo(200);
        assertThat(store.resolve("_latest")).exists();
    }

    /** Group secrets are masked in /actuator/env and /actuator/configprops although the application shows values. */
    @Test
    void secretsAreMaskedEvenWhenValuesAreShown() throws Exception {
        HttpResponse<String> env = app.get("/actuator/env");
        assertThat(env.statusCode()).isEqualTo(200);
        assertNoSecret(env.body());
        assertThat(env.body()).as("values are shown, not all masked").contains("64KiB");
        JsonNode fromEnv = app.json("/actuator/env/CHECKPOINTER_S3_SECRETACCESSKEY");
        assertNoSecret(fromEnv.toString());
        assertThat(fromEnv.path("property").path("value").asText()).isEqualTo("******");

        HttpResponse<String> configprops = app.get("/actuator/configprops");
        assertThat(configprops.statusCode()).isEqualTo(200);
        assertNoSecret(configprops.body());
        JsonNode props = checkpointerConfigProps();
        assertThat(props.path("s3").path("secretAccessKey").asText()).isEqualTo("******");
        assertThat(props.path("s3").path("accessKeyId").asText()).isEqualTo("******");
        assertThat(props.path("azure").path("sasToken").asText()).isEqualTo("******");
    }

    /** A misspelt option is refused at startup, loosely named, with Boot's failure report; the process ends. */
    @Test
    void anUnknownOptionStopsStartupNamingIt() throws Exception {
        try (CompatApp bad = CompatApp.launch("bad-option-boot-" + System.getProperty("compat.boot.version"), Map.of(
                "CHECKPOINTER_LOCATION", CompatApp.workDir().resolve("store-bad-" + run).toUri().toString(),
                "CHECKPOINTER_OPTIONS_READ_CHUNK_SIZ", "64KiB"))) {
            assertThat(bad.awaitExit()).isNotZero();
            assertThat(bad.logText()).contains("APPLICATION FAILED TO START").contains("unknown filesystem store option")
                    .contains("read.chunk.siz").contains("readChunkSize");
        }
    }

    /** Fails without quoting the text: a failure report must not carry the secrets either. */
    private void assertNoSecret(String text) {
        for (String secret : new String[] {s3Secret, azureSasToken, accessKeyId}) {
            assertThat(text.contains(secret)).as("a secret given to the application came back out").isFalse();
        }
    }

    /** The health component can be turned off the Boot way (each generation has its own condition for it). */
    @Test
    void theHealthComponentCanBeTurnedOff() throws Exception {
        try (CompatApp quiet = CompatApp.launch("health-off-boot-" + System.getProperty("compat.boot.version"), Map.of(
                "CHECKPOINTER_LOCATION", CompatApp.workDir().resolve("store-quiet-" + run).toUri().toString(),
                "MANAGEMENT_HEALTH_CHECKPOINTER_ENABLED", "false")).awaitStarted()) {
            JsonNode components = quiet.json("/actuator/health").path("components");
            assertThat(components.has("checkpointer")).as(components.toString()).isFalse();
            assertThat(components.size()).as("other components remain").isPositive();
            assertThat(quiet.post("/save?text=quiet").statusCode()).isEqualTo(200);
        }
    }

    /** The checkpointer bean's entry of /actuator/configprops: its {@code properties}. */
    private JsonNode checkpointerConfigProps() throws Exception {
        for (JsonNode context : app.json("/actuator/configprops").path("contexts")) {
            for (JsonNode bean : context.path("beans")) {
                if (bean.path("prefix").asText().equals("checkpointer")) {
                    return bean.path("properties");
                }
            }
        }
        throw new AssertionError("no configuration properties with prefix checkpointer");
    }
}

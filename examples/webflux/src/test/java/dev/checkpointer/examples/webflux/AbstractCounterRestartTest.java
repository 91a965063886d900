package dev.checkpointer.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Starts the example on a random port against a store, sends traffic, restarts the application and checks the
 * counts survived. Each store gets a subclass that supplies {@link #storeProperties()}: the filesystem, S3 (S3Mock) and
 * Azure Blob (Azurite); switching between them is the location and its options only.
 */
abstract class AbstractCounterRestartTest {

    /**
     * The store settings: at least {@code checkpointer.location}.
     *
     * @return property assignments
     */
    abstract List<String> storeProperties();

    /**
     * The scheme the health and metrics should report.
     *
     * @return e.g. {@code file}
     */
    abstract String scheme();

    ConfigurableApplicationContext start(String... extra) {
        List<String> props = new ArrayList<>(storeProperties());
        props.add("server.port=0");
        props.add("counter.checkpoint-interval=1h");
        props.addAll(List.of(extra));
        // as command-line arguments: they override application.properties (builder "properties" would not)
        return new SpringApplicationBuilder(CounterApplication.class).run(props.stream().map(p -> "--" + p).toArray(String[]::new));
    }

    static WebTestClient client(ConfigurableApplicationContext ctx) {
        String port = ctx.getEnvironment().getProperty("local.server.port");
        return WebTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    static Map<String, Long> counts(WebTestClient web) {
        return web.get().uri("/counts").exchange().expectStatus().isOk()
                .expectBody(new ParameterizedTypeReference<Map<String, Long>>() {}).returnResult().getResponseBody();
    }

    @Test
    void countsSurviveARestart() {
        Map<String, Long> before;
        try (ConfigurableApplicationContext first = start("counter.checkpoint-on-shutdown=false")) {
            WebTestClient web = client(first);
            assertThat(counts(web)).isEmpty();
            web.post().uri("/events").bodyValue(List.of(Map.of("key", "clicks"), Map.of("key", "clicks"), Map.of("key", "views", "amount", 5)))
                    .exchange().expectStatus().isAccepted().expectBody().jsonPath("$.accepted").isEqualTo(3);
            web.post().uri("/events").bodyValue(Map.of("key", "clicks", "amount", 10)).exchange().expectStatus().isAccepted();
            web.post().uri("/events").bodyValue(Map.of("amount", 1)).exchange().expectStatus().isBadRequest();
            before = counts(web);
            assertThat(before).containsExactlyInAnyOrderEntriesOf(Map.of("clicks", 12L, "views", 5L));

            web.post().uri("/checkpoint").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.id").isEqualTo(1).jsonPath("$.bytes").isNumber();

            // counted after the checkpoint, and no checkpoint at shutdown: must be lost on restart
            web.post().uri("/events").bodyValue(Map.of("key", "lost")).exchange().expectStatus().isAccepted();

            web.get().uri("/actuator/health/checkpointer").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.status").isEqualTo("UP").jsonPath("$.details.latestId").isEqualTo(1);
            web.get().uri("/actuator/checkpoints").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.checkpoints[0].id").isEqualTo(1).jsonPath("$.checkpoints.length()").isEqualTo(1);
            web.get().uri("/actuator/metrics/checkpointer.save?tag=store:" + scheme() + "&tag=outcome:committed").exchange()
                    .expectStatus().isOk().expectBody().jsonPath("$.measurements[?(@.statistic == 'COUNT')].value").isEqualTo(1.0);
            web.get().uri("/actuator/metrics/checkpointer.store.requests?tag=operation:put").exchange().expectStatus().isOk();
        }

        try (ConfigurableApplicationContext second = start()) {
            WebTestClient web = client(second);
            assertThat(counts(web)).isEqualTo(before);
            web.post().uri("/events").bodyValue(Map.of("key", "views")).exchange().expectStatus().isAccepted();
            web.post().uri("/checkpoint").exchange().expectStatus().isOk().expectBody().jsonPath("$.id").isEqualTo(2);
        }

        try (ConfigurableApplicationContext third = start()) {
            // the second run also saved a checkpoint at shutdown (id 3)
            WebTestClient web = client(third);
            assertThat(counts(web)).containsExactlyInAnyOrderEntriesOf(Map.of("clicks", 12L, "views", 6L));
            web.get().uri("/actuator/checkpoints").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.checkpoints[0].id").isEqualTo(3).jsonPath("$.checkpoints.length()").isEqualTo(3);
        }
    }
}

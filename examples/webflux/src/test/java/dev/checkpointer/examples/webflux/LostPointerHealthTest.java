package dev.checkpointer.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * The service restarts on a location whose {@code _latest} was lost: it still restores (reads recover the chain from
 * the manifests), but the {@code checkpointer} health is DOWN (HTTP 503) and says why and what to do, until the
 * pointer is repaired.
 */
class LostPointerHealthTest {
    @TempDir
    Path dir;

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(CounterApplication.class).run(
                "--checkpointer.location=" + dir.toUri(), "--checkpointer.options.fsync=false", "--server.port=0",
                "--counter.checkpoint-interval=1h", "--counter.checkpoint-on-shutdown=false");
    }

    @Test
    void aLostPointerIsReportedDownUntilRepaired() throws Exception {
        try (ConfigurableApplicationContext first = start()) {
            WebTestClient web = AbstractCounterRestartTest.client(first);
            web.post().uri("/events").bodyValue(Map.of("key", "clicks", "amount", 3)).exchange().expectStatus().isAccepted();
            web.post().uri("/checkpoint").exchange().expectStatus().isOk();
            web.post().uri("/events").bodyValue(Map.of("key", "clicks")).exchange().expectStatus().isAccepted();
            web.post().uri("/checkpoint").exchange().expectStatus().isOk().expectBody().jsonPath("$.id").isEqualTo(2);
        }
        Files.delete(dir.resolve("_latest"));

        try (ConfigurableApplicationContext second = start()) {
            WebTestClient web = AbstractCounterRestartTest.client(second);
            assertThat(AbstractCounterRestartTest.counts(web)).as("restored from the recovered chain").isEqualTo(Map.of("clicks", 4L));
            web.get().uri("/actuator/health/checkpointer").exchange().expectStatus().isEqualTo(503)
                    .expectBody()
                    .jsonPath("$.status").isEqualTo("DOWN")
                    .jsonPath("$.details.pointer").isEqualTo("lost")
                    .jsonPath("$.details.recoveredId").isEqualTo(2)
                    .jsonPath("$.details.action").value(a -> assertThat((String) a).contains("stop every writer"));
            web.get().uri("/actuator/metrics/checkpointer.pointer.recoveries?tag=outcome:recovered").exchange().expectStatus().isOk();

            second.getBean(Checkpointer.class).repairPointer().block();
            web.get().uri("/actuator/health/checkpointer").exchange().expectStatus().isOk()
                    .expectBody().jsonPath("$.status").isEqualTo("UP").jsonPath("$.details.pointer").isEqualTo("ok");
            web.post().uri("/checkpoint").exchange().expectStatus().isOk().expectBody().jsonPath("$.id").isEqualTo(3);
            assertThat(dir.resolve("_latest")).exists();
        }
    }
}

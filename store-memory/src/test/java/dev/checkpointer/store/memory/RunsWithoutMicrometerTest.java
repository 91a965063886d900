package dev.checkpointer.store.memory;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * micrometer-core is an optional dependency of checkpointer-api, and nothing api depends on brings it either (api
 * excludes resilience4j-reactor's resilience4j-micrometer). This module's test class path is api's runtime closure
 * plus test libraries, exactly what a user of api and a store gets: Micrometer must be absent, and a save, a load and a
 * verified read must work. (spring-boot's CoreWithoutMicrometerTest hides Micrometer from a class path that has it.)
 */
class RunsWithoutMicrometerTest {

    @Test
    void micrometerIsNotOnTheClassPathOfAnApiUser() {
        for (String absent : new String[] {
                "io.micrometer.core.instrument.MeterRegistry",
                "io.micrometer.observation.ObservationRegistry",
                "io.github.resilience4j.micrometer.Timer"}) {
            assertThatThrownBy(() -> Class.forName(absent, false, getClass().getClassLoader()))
                    .as(absent).isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void aCheckpointerSavesLoadsAndReadsWithoutMicrometer() {
        try (Checkpointer checkpointer = Checkpointer.builder().location("memory://runs-without-micrometer")
                .inlineThreshold(0).build()) {
            Manifest saved = checkpointer.save(Snapshot.builder()
                    .partition("counts", 0, Payload.of("alice=3".getBytes(UTF_8)))
                    .offsets("clicks", Map.of("0", "7"))
                    .build()).block(Duration.ofSeconds(30));
            Checkpoint restored = checkpointer.load(saved.id()).block(Duration.ofSeconds(30));
            assertThat(UTF_8.decode(restored.read("counts", 0).block(Duration.ofSeconds(30))).toString()).isEqualTo("alice=3");
            assertThat(checkpointer.latest().block(Duration.ofSeconds(30)).manifest().offsets()).containsEntry("clicks", Map.of("0", "7"));
        } finally {
            MemoryStore.dropNamed("runs-without-micrometer");
        }
    }
}

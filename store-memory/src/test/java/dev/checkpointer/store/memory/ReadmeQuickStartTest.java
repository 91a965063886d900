package dev.checkpointer.store.memory;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Runs the README's quick start, and checks the README still shows exactly this code. */
class ReadmeQuickStartTest {

    @Test
    void theQuickStartRuns() {
        String counts;
        Map<String, String> offsets;
        // --- quick start (README) ---
        try (Checkpointer checkpointer = Checkpointer.open("memory://quickstart")) {
            Snapshot snapshot = Snapshot.builder()
                    .partition("counts", 0, Payload.of("alice=3,bob=5".getBytes(UTF_8)))
                    .offsets("clicks", Map.of("partition-0", "1042"))
                    .build();
            Manifest saved = checkpointer.save(snapshot).block();          // uploads, then commits atomically
            System.out.println("saved checkpoint " + saved.id());

            // After a restart: the newest complete checkpoint, every byte verified against its SHA-256.
            Checkpoint restored = checkpointer.latest().block();
            counts = UTF_8.decode(restored.read("counts", 0).block()).toString();
            offsets = restored.manifest().offsets().get("clicks");
        }
        // --- end of quick start ---
        assertThat(counts).isEqualTo("alice=3,bob=5");
        assertThat(offsets).containsEntry("partition-0", "1042");
        MemoryObjectStore.dropNamed("quickstart");
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        Path readme = Path.of("..", "README.md");
        List<String> shown = Files.readAllLines(readme).stream()
                .dropWhile(l -> !l.startsWith("```java"))
                .skip(1)
                .takeWhile(l -> !l.startsWith("```"))
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .toList();
        String source = Files.readAllLines(Path.of("src/test/java/dev/checkpointer/store/memory/ReadmeQuickStartTest.java")).stream()
                .map(String::strip).collect(Collectors.joining("\n"));
        assertThat(shown).hasSizeGreaterThan(8);
        for (String line : shown) {
            String code = line.replace("String counts =", "counts =").replace("Map<String, String> offsets =", "offsets =");
            assertThat(source).as("README line: %s", line).contains(code);
        }
    }

    @Test
    void storesAreFoundByScheme() {
        try (Checkpointer cp = Checkpointer.open("memory://registry/some/prefix")) {
            assertThat(cp.toString()).contains("memory://registry/some/prefix");
        }
        assertThatThrownBy(() -> Checkpointer.open("gs://bucket/x"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("'gs'").hasMessageContaining("memory");
        assertThatThrownBy(() -> Checkpointer.open("memory://x?latency=5")).hasMessageContaining("latency");
        MemoryObjectStore.dropNamed("registry");
    }
}

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

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
        MemoryStore.dropNamed("quickstart");
    }

    /** The README's periodic snippet, over virtual time: it keeps checkpointing after a failed snapshot. */
    @Test
    void thePeriodicSnippetKeepsGoingAfterAFailure() {
        CountingState state = new CountingState();
        state.failNext = true;
        List<String> printed = new CopyOnWriteArrayList<>();
        VirtualTimeScheduler time = VirtualTimeScheduler.getOrSet();
        try (Checkpointer checkpointer = Checkpointer.open("memory://readme-every")) {
            // --- periodic (README) ---
            // every 30 s, one save at a time; a failed snapshot or save is logged, counted, and tried again at the next tick
            Disposable checkpoints = checkpointer.every(Duration.ofSeconds(30), () -> Mono.fromCallable(state::snapshot))
                    .subscribe(m -> printed.add("checkpoint " + m.id()));
            // ... on shutdown:
            time.advanceTimeBy(Duration.ofSeconds(90));
            checkpoints.dispose();
            // --- end of periodic ---
            assertThat(state.calls).isEqualTo(3);
            assertThat(printed).hasSize(2);
            assertThat(checkpointer.list().count().block()).isEqualTo(2);
        } finally {
            VirtualTimeScheduler.reset();
            MemoryStore.dropNamed("readme-every");
        }
    }

    /** State whose next snapshot can be made to fail. */
    private static final class CountingState {
        int calls;
        boolean failNext;

        Snapshot snapshot() {
            calls++;
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("state is being rebalanced");
            }
            return Snapshot.builder().partition("counts", 0, Payload.of(new byte[] {(byte) calls})).build();
        }
    }

    @Test
    void theReadmeShowsThisCode() throws IOException {
        String source = Files.readAllLines(Path.of("src/test/java/dev/checkpointer/store/memory/ReadmeQuickStartTest.java")).stream()
                .map(String::strip).collect(Collectors.joining("\n"));
        List<List<String>> blocks = javaBlocks(Files.readAllLines(Path.of("..", "README.md")));
        List<String> quickStart = blocks.get(0);
        assertThat(quickStart).hasSizeGreaterThan(8);
        List<String> periodic = blocks.stream().filter(b -> b.stream().anyMatch(l -> l.contains("checkpointer.every("))).findFirst().orElseThrow();
        for (String line : quickStart) {
            String code = line.replace("String counts =", "counts =").replace("Map<String, String> offsets =", "offsets =");
            assertThat(source).as("README line: %s", line).contains(code);
        }
        for (String line : periodic) {
            assertThat(source).as("README line: %s", line).contains(line.replace("System.out.println(", "printed.add("));
        }
    }

    /** The README's {@code ```java} blocks, each as its stripped, non-empty lines. */
    private static List<List<String>> javaBlocks(List<String> readme) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        for (String l : readme) {
            if (current == null && l.startsWith("```java")) {
                current = new ArrayList<>();
            } else if (current != null && l.startsWith("```")) {
                blocks.add(current);
                current = null;
            } else if (current != null && !l.isBlank()) {
                current.add(l.strip());
            }
        }
        return blocks;
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
        MemoryStore.dropNamed("registry");
    }
}

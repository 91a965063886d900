package dev.checkpointer.micrometer;

import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.store.memory.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Run by {@link CoreWithoutMicrometerTest} inside a class loader that has everything of the test class path except
 * Micrometer: builds checkpointers the two ways (a store, a location), saves, loads and reads.
 */
public final class NoMicrometerProbe implements Callable<String> {

    /** Used reflectively. */
    public NoMicrometerProbe() {}

    @Override
    public String call() throws Exception {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry", false, NoMicrometerProbe.class.getClassLoader());
            return "Micrometer is visible: the probe proves nothing";
        } catch (ClassNotFoundException expected) {
            // as intended
        }
        StringBuilder out = new StringBuilder();
        StringBuilder events = new StringBuilder();
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onSaveFinished(SaveOutcome outcome) {
                events.append(outcome.status());
            }
        };
        try (Checkpointer cp = Checkpointer.builder().store(MemoryStore.create()).inlineThreshold(0).listener(listener).build()) {
            Manifest m = cp.save(Snapshot.builder().partition("p", 0, Payload.of("state".getBytes(StandardCharsets.UTF_8))).build())
                    .block(Duration.ofSeconds(30));
            String read = StandardCharsets.UTF_8.decode(cp.latest().flatMap(c -> c.read("p", 0)).block(Duration.ofSeconds(30))).toString();
            out.append("store:").append(m.id().value()).append(':').append(read).append(':').append(events);
        }
        try (Checkpointer cp = Checkpointer.open("memory://no-micrometer-probe")) {
            Manifest m = cp.save(Snapshot.builder().partition("p", 0, Payload.of(new byte[] {1, 2, 3})).build()).block(Duration.ofSeconds(30));
            out.append(" location:").append(m.id().value()).append(':').append(cp.load(m.id()).block(Duration.ofSeconds(30)).manifest().totalBytes());
        }
        return out.toString();
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Small snapshots for tests. */
final class TestSnapshots {
    private TestSnapshots() {}

    static Snapshot of(String text) {
        return Snapshot.builder()
                .partition("counts", 0, Payload.of(text.getBytes(StandardCharsets.UTF_8)))
                .offsets("events", Map.of("0", String.valueOf(text.length())))
                .build();
    }
}

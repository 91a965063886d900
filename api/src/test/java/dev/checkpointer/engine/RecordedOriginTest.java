package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A save may record an original creation time and writer (copies, imports); by default it records its own. */
class RecordedOriginTest {
    @Test
    void aSnapshotsCreatedAtAndWriterIdAreRecordedAndReadBack() {
        MapStore store = new MapStore();
        Instant original = Instant.parse("2020-02-03T04:05:06.789Z");
        try (Checkpointer cp = Checkpointer.builder().store(store).writerId("copier").build()) {
            Manifest copied = cp.save(Snapshot.builder().partition("op", 0, Payload.of(new byte[] {1}))
                    .createdAt(original).writerId("host-a/42/abc").build()).block();
            assertThat(copied.createdAt()).isEqualTo(original);
            assertThat(copied.writerId()).isEqualTo("host-a/42/abc");
            Manifest loaded = cp.load(copied.id()).block().manifest();
            assertThat(loaded.createdAt()).isEqualTo(original);
            assertThat(loaded.writerId()).isEqualTo("host-a/42/abc");

            Instant before = Instant.now();
            Manifest own = cp.save(Snapshot.builder().partition("op", 0, Payload.of(new byte[] {2})).build()).block();
            assertThat(own.createdAt()).isAfterOrEqualTo(before.minusSeconds(1));
            assertThat(own.writerId()).isEqualTo("copier");
        }
    }

    @Test
    void aBadWriterIdIsRefusedAtOnce() {
        assertThatThrownBy(() -> Snapshot.builder().writerId("bad\nid")).isInstanceOf(InvalidInputException.class).hasMessageContaining("writerId");
        assertThatThrownBy(() -> Snapshot.builder().writerId("")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Snapshot.builder().createdAt(null)).isInstanceOf(NullPointerException.class);
    }
}

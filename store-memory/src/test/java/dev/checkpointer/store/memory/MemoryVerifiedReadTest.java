package dev.checkpointer.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The memory store serves its stored arrays as read-only views, so a verified {@code read()} can hand them out
 * without a copy and still nobody can change the store's bytes through what it was given.
 */
class MemoryVerifiedReadTest {
    private static final Duration T = Duration.ofSeconds(10);

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    void aSinglePartObjectIsServedAsOneReadOnlyBufferThatCannotChangeTheStoredBytes() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create()); // no faults: only for raw()
        byte[] data = bytes(3 << 20);
        try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
            cp.save(Snapshot.builder().partition("op", 0, Payload.of(data)).build()).block(T);
            Checkpoint c = cp.latest().block(T);
            String key = c.manifest().partitions().get(0).key();
            assertThat(store.get(key, ByteRange.ALL).block(T).body().collectList().block(T))
                    .singleElement().satisfies(b -> assertThat(b.isReadOnly()).isTrue());

            ByteBuffer read = c.read("op", 0).block(T);
            assertThat(read.isReadOnly()).isTrue();
            assertThatThrownBy(() -> read.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
            assertThat(toArray(c.read("op", 0).block(T))).isEqualTo(data);
            assertThat(store.raw(key).orElseThrow()).isEqualTo(data);
        }
    }

    @Test
    void aMultipartObjectIsReadWholeAndVerified() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create()); // no faults: only for raw()
        byte[] data = bytes(20 << 20); // 8 + 8 + 4 MiB parts at the default part size
        try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
            cp.save(Snapshot.builder().partition("op", 0, Payload.of(data)).build()).block(T);
            Checkpoint c = cp.latest().block(T);
            String key = c.manifest().partitions().get(0).key();
            assertThat(store.get(key, ByteRange.ALL).block(T).body().collectList().block(T)).hasSize(3);
            ByteBuffer read = c.read("op", 0).block(T);
            assertThat(read.capacity()).isEqualTo(data.length);
            assertThat(toArray(read)).isEqualTo(data);
            assertThat(read.isReadOnly()).isTrue();
        }
    }
}

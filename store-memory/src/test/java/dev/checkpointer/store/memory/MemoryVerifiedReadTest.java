package dev.checkpointer.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.IntegrityException;
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
 * The memory store serves each stored array as one view the engine can hash straight from the array (no copy through
 * a temporary one), and a verified {@code read()} hands it out without a copy as a read-only view, so nobody can
 * change the store's bytes through what it was given.
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
    void aSinglePartObjectIsServedAsOneArrayBufferAndReadWithoutACopyAsAReadOnlyViewThatCannotChangeTheStoredBytes() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create()); // no faults: only for raw()
        byte[] data = bytes(3 << 20);
        try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
            cp.save(Snapshot.builder().partition("op", 0, Payload.of(data)).build()).block(T);
            Checkpoint c = cp.latest().block(T);
            String key = c.manifest().partitions().get(0).key();
            ByteBuffer served = store.get(key, ByteRange.ALL).block(T).body().collectList().block(T).get(0);
            assertThat(store.get(key, ByteRange.ALL).block(T).body().collectList().block(T)).hasSize(1);
            assertThat(served.hasArray()).isTrue(); // MessageDigest hashes it from the array, no temporary copy
            assertThat(served.remaining()).isEqualTo(data.length);

            ByteBuffer read = c.read("op", 0).block(T);
            assertThat(read.isReadOnly()).isTrue();
            assertThatThrownBy(() -> read.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
            assertThat(toArray(read)).isEqualTo(data);
            assertThat(toArray(c.read("op", 0).block(T))).isEqualTo(data);
            assertThat(store.raw(key).orElseThrow()).isEqualTo(data);
            // No copy: the stored array is what read() hands out. (Only a test writes into a served buffer, to show it;
            // the SPI forbids consumers to.) Every read shares it, and none can write through what it was given.
            served.put(served.position() + 4321, (byte) (data[4321] ^ 0x5a));
            assertThat(read.get(4321)).isEqualTo((byte) (data[4321] ^ 0x5a));
            // ... and the stored bytes changed behind the engine's back are refused by the next read.
            assertThatThrownBy(() -> c.read("op", 0).block(T)).isInstanceOf(IntegrityException.class);
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

package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.memory.MemoryObjectStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import org.junit.jupiter.api.Test;

/** The testkit's store-independent fault and tamper wrapper, driven over the memory store. */
class FaultInjectingStoreTest {

    @Test
    void aCrashPointFailsEveryLaterCallAndCountsThem() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryObjectStore.create());
        store.crashAfter(1, false);
        store.put("a", Payload.of(new byte[] {1}), PutOptions.none()).block();
        assertThatThrownBy(() -> store.put("b", Payload.of(new byte[] {2}), PutOptions.none()).block())
                .isInstanceOf(StoreException.class).hasMessageContaining("simulated crash");
        assertThat(store.callCount()).isEqualTo(2);
        assertThat(store.raw("b")).isEmpty();
    }

    @Test
    void tamperingIsSeenByTheEngineAsAnIntegrityFailure() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryObjectStore.create());
        try (Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(1).build()) {
            var manifest = cp.save(Snapshot.builder().partition("op", 0, Payload.of(new byte[4096])).build()).block();
            String key = manifest.partitions().get(0).key();
            long before = store.callCount();
            store.flipByte(key, 100);
            assertThat(store.callCount()).as("tampering is not a counted call").isEqualTo(before);
            Checkpoint c = cp.latest().block();
            assertThatThrownBy(() -> c.read("op", 0).block()).isInstanceOf(IntegrityException.class);
            store.truncate(key, 10);
            assertThat(store.raw(key)).hasValueSatisfying(b -> assertThat(b).hasSize(10));
            assertThatThrownBy(() -> store.flipByte(key, 10)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.truncate("missing", 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}

package dev.checkpointer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.Snapshot;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Unit tests of engine internals that other modules may not see (they are package-private): the key layout, the
 * pointer's encoding and its epoch and floor updates, retention's selection and epoch fencing. This class lives in
 * the engine's package, in the engine-tests module, which is where such tests belong.
 */
class EngineUnitsTest {

    // ------------------------------------------------------------------------------------------------- layout

    @Test
    void layoutPlacesEveryObjectOfAnIdUnderItsPaddedDirectory() {
        CheckpointId id = CheckpointId.of(42);
        assertThat(Layout.dir(id)).isEqualTo("checkpoints/00000000000000000042/");
        assertThat(Layout.manifest(id)).isEqualTo("checkpoints/00000000000000000042/manifest.json");
        assertThat(Layout.reservation(id)).isEqualTo("checkpoints/00000000000000000042/_begin");
        assertThat(Layout.sidecar(id, "t0")).isEqualTo("checkpoints/00000000000000000042/state.t0.bin");
        assertThat(Layout.artifact(id, "op", 3, PartitionKind.SNAPSHOT, "t1")).startsWith(Layout.dir(id) + "op/3.t1.");
        assertThat(Layout.idOf(Layout.artifact(id, "op", 3, PartitionKind.SNAPSHOT, "t1"))).contains(id);
        assertThat(Layout.isManifest(Layout.manifest(id))).isTrue();
        assertThat(Layout.isManifest(Layout.dir(id) + "x/manifest.json")).isFalse();
    }

    @Test
    void layoutRefusesKeysThatAreNotACheckpointsOwn() {
        assertThat(Layout.idOf("_latest")).isEmpty();
        assertThat(Layout.idOf("checkpoints/42/manifest.json")).as("not padded").isEmpty();
        assertThat(Layout.idOf("checkpoints/0000000000000000004x/manifest.json")).as("not digits").isEmpty();
        assertThat(Layout.idOf("checkpoints/00000000000000000000/manifest.json")).as("id 0").isEmpty();
        assertThat(Layout.idOf("checkpoints/99999999999999999999/manifest.json")).as("beyond a long").isEmpty();
        assertThat(Layout.idOf("checkpoints/" + CheckpointId.of(CheckpointId.MAX_VALUE).padded() + "/m")).contains(CheckpointId.of(CheckpointId.MAX_VALUE));
    }

    // ------------------------------------------------------------------------------------------------- pointer

    @Test
    void aPointerRoundTripsAndChangesEpochAndFloorOnly() {
        Manifest.Link parent = new Manifest.Link(CheckpointId.of(6), "a".repeat(64));
        Pointer p = Pointer.of(7, "b".repeat(64), parent, 3, 2, "writer-1");
        Pointer back = Pointer.decode(Layout.LATEST, p.encode());
        assertThat(back).isEqualTo(p);
        assertThat(back.head()).isEqualTo(new Manifest.Link(CheckpointId.of(7), "b".repeat(64)));
        assertThat(back.headIs(new Manifest.Link(CheckpointId.of(7), "b".repeat(64)))).isTrue();

        Pointer fenced = p.withEpoch(4, "writer-2");
        assertThat(fenced.epoch()).isEqualTo(4);
        assertThat(fenced.writerId()).isEqualTo("writer-2");
        assertThat(fenced.head()).isEqualTo(p.head());
        assertThat(fenced.floor()).isEqualTo(p.floor());
        Pointer raised = p.withFloor(5, "janitor");
        assertThat(raised.floor()).isEqualTo(5);
        assertThat(raised.epoch()).isEqualTo(3);
        assertThat(Pointer.of(0, null, null, 1, 0, "w").head()).as("no head before the first checkpoint").isNull();
    }

    @Test
    void aDamagedPointerIsCorruptMetadataNamingTheKey() {
        assertThatThrownBy(() -> Pointer.decode(Layout.LATEST, "{\"format\":\"checkpointer-pointer\"".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining(Layout.LATEST);
        byte[] good = Pointer.of(7, "b".repeat(64), null, 3, 0, "w").encode();
        String tampered = new String(good, StandardCharsets.UTF_8).replace("\"epoch\":3", "\"epoch\":-3");
        assertThatThrownBy(() -> Pointer.decode(Layout.LATEST, tampered.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class);
    }

    // ------------------------------------------------------------------------------------------------- retention

    private static Snapshot snapshot(long epoch, int value) {
        return Snapshot.builder().epoch(epoch).partition("op", 0, Payload.of(new byte[] {(byte) value})).build();
    }

    @Test
    void retentionKeepsTheNewestAndThePinnedAndRemovesTheRest() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        try (Checkpointer first = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).build()) {
            for (int i = 1; i <= 2; i++) {
                first.save(snapshot(1, i)).block();
            }
        }
        CheckpointId pinned = CheckpointId.of(1);
        try (Checkpointer cp = Checkpointer.builder().store(store).retention(Retention.keepLast(2).withPinned(pinned)).build()) {
            for (int i = 3; i <= 6; i++) {
                cp.save(snapshot(1, i)).block();
            }
            cp.prune().block();
            List<Long> ids = cp.list().map(m -> m.id().value()).collectList().block();
            assertThat(ids).containsExactlyInAnyOrder(1L, 5L, 6L);
            assertThat(store.keys()).noneMatch(k -> k.startsWith(Layout.dir(CheckpointId.of(3))) && !k.endsWith(Layout.MANIFEST));
        }
    }

    // ------------------------------------------------------------------------------------------------- epochs

    @Test
    void aWriterOfAnOlderEpochIsFencedOnceANewerEpochCommitted() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        try (Checkpointer old = Checkpointer.builder().store(store).writerId("old").build();
                Checkpointer fresh = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).writerId("new").build()) {
            old.save(snapshot(1, 1)).block();
            fresh.save(snapshot(2, 2)).block();
            Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> old.save(snapshot(1, 3)).block());
            assertThat(e).isInstanceOfSatisfying(ConcurrentCheckpointException.class, c -> assertThat(c.fenced()).isTrue());
            assertThat(fresh.latest().block().manifest().epoch()).isEqualTo(2);
            // the same epoch may go on; a newer one too
            fresh.save(snapshot(2, 4)).block();
            old.save(snapshot(3, 5)).block();
            assertThat(fresh.latest().block().manifest().epoch()).isEqualTo(3);
        }
    }
}

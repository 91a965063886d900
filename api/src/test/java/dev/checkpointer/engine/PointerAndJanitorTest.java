package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Retention;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Lost pointers, deletes of unreadable members and prune's report: the cases the CLI port found. */
class PointerAndJanitorTest {
    private static final Duration T = Duration.ofSeconds(10);

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Snapshot snapshot(int size, long seed) {
        return Snapshot.builder().partition("p", 0, Payload.of(bytes(size, seed))).build();
    }

    @Test
    void aLostPointerIsLostEvenWhenOnlyTheFirstCheckpointWasCommitted() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).orphanGracePeriod(Duration.ZERO).build();
        Manifest one = cp.save(snapshot(5000, 1)).block(T);
        store.putRaw("_latest", new byte[0]);
        store.deleteAll(List.of("_latest")).block(T);
        List<CheckpointId> recoveries = new CopyOnWriteArrayList<>();
        Checkpointer fresh = Checkpointer.builder().store(store).orphanGracePeriod(Duration.ZERO).listener(new CheckpointListener() {
            @Override
            public void onPointerRecovery(CheckpointId recovered, String reason) {
                recoveries.add(recovered);
            }
        }).build();
        assertThat(fresh.latest().block(T).manifest()).isEqualTo(one);
        assertThat(fresh.load(one.id()).block(T).manifest()).isEqualTo(one);
        assertThat(recoveries).contains(one.id());
        assertThatThrownBy(() -> fresh.save(snapshot(10, 2)).block(T)).isInstanceOf(CorruptMetadataException.class).hasMessageContaining("repair");
        assertThatThrownBy(() -> fresh.prune().block(T)).isInstanceOf(CorruptMetadataException.class);
        assertThat(store.keys()).contains("checkpoints/00000000000000000001/manifest.json");
        assertThat(fresh.repairPointer().block(T)).isEqualTo(one);
        assertThat(fresh.save(snapshot(10, 2)).block(T).parent().orElseThrow().id()).isEqualTo(one.id());
    }

    @Test
    void aWriterWithAnExplicitEpochCreatesThePointerBeforeItsFirstManifest() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        cp.save(Snapshot.builder().epoch(7).partition("p", 0, Payload.of(new byte[] {1})).build()).block(T);
        List<String> puts = store.calls().stream().filter(c -> c.startsWith("put ")).toList();
        assertThat(puts).containsExactly("put _latest", "put checkpoints/00000000000000000001/manifest.json", "put _latest");
    }

    @Test
    void aChainMemberWhoseManifestIsUnreadableIsNotDeletedAndTheChainStaysWhole() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        for (int i = 1; i <= 3; i++) {
            cp.save(snapshot(5000, i)).block(T);
        }
        String key = "checkpoints/00000000000000000002/manifest.json";
        byte[] m = store.raw(key);
        m[m.length / 2] ^= 1;
        store.putRaw(key, m);
        Checkpointer fresh = Checkpointer.builder().store(store).build();
        assertThatThrownBy(() -> fresh.delete(CheckpointId.of(2)).block(T))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("cannot be read");
        assertThat(store.raw(key)).isEqualTo(m);
        // The walk still steps over it to 1, through 3's grandparent link.
        assertThat(fresh.list().map(x -> x.id().value()).collectList().block(T)).containsExactly(1L, 3L);
        assertThat(Buffers.toArray(fresh.load(CheckpointId.of(1)).block(T).read("p", 0).block(T))).isEqualTo(bytes(5000, 1));
    }

    @Test
    void pruneReportsWhatRetentionRemovedOldestFirstAndEveryByteItFreed() {
        MapStore store = new MapStore();
        Checkpointer seed = Checkpointer.builder().store(store).build();
        for (int i = 1; i <= 3; i++) {
            seed.save(snapshot(100 * 1024, i)).block(T);
        }
        Checkpointer pruner = Checkpointer.builder().store(store).retention(Retention.keepLast(1)).orphanGracePeriod(Duration.ZERO).build();
        PruneReport report = pruner.prune().block(T);
        assertThat(report.deletedCheckpoints()).containsExactly(CheckpointId.of(1), CheckpointId.of(2));
        assertThat(report.bytesFreed()).isGreaterThan(2 * 100 * 1024);
        assertThat(pruner.list().map(x -> x.id().value()).collectList().block(T)).containsExactly(3L);
    }

    /**
     * A reader walking the chain while retention elsewhere raises the floor and deletes the members below it finds
     * those manifests gone: they expired, nothing is corrupt, and nothing is reported. A member that vanishes while
     * the floor stays below it is still reported.
     */
    @Test
    void aMemberThatExpiresDuringAWalkIsNotReportedAsCorruptButOneThatVanishesIs() {
        MapStore store = new MapStore();
        Checkpointer writer = Checkpointer.builder().store(store).build();
        for (int i = 1; i <= 4; i++) {
            writer.save(snapshot(5000, i)).block(T);
        }
        List<CheckpointId> reported = new CopyOnWriteArrayList<>();
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onCorruptCheckpoint(CheckpointId id, dev.checkpointer.CheckpointException problem) {
                reported.add(id);
            }
        };
        Checkpointer reader = Checkpointer.builder().store(store).listener(listener).build();
        Checkpointer retaining = Checkpointer.builder().store(store).retention(Retention.keepLast(2)).build();
        // The reader has read the pointer (floor 1) and the head (4); before it reads 3, another process saves 5
        // with keepLast(2): the floor becomes 4 and checkpoints 1 to 3 are deleted.
        store.beforeNextGet("checkpoints/00000000000000000003/manifest.json", () -> retaining.save(snapshot(5000, 5)).block(T));
        List<Long> listed = reader.list().map(m -> m.id().value()).collectList().block(T);
        assertThat(store.keys()).doesNotContain("checkpoints/00000000000000000003/manifest.json");
        assertThat(listed).as("what the walk could still read").containsExactly(4L);
        assertThat(reported).as("expired members are not corrupt").isEmpty();

        // Checkpoint 5 is the head, 4 its parent, the floor 4: removing 4's manifest behind the library's back is a defect.
        Checkpointer another = Checkpointer.builder().store(store).listener(listener).build();
        store.beforeNextGet("checkpoints/00000000000000000004/manifest.json",
                () -> store.deleteAll(List.of("checkpoints/00000000000000000004/manifest.json")).block(T));
        assertThat(another.list().map(m -> m.id().value()).collectList().block(T)).containsExactly(5L);
        assertThat(reported).containsExactly(CheckpointId.of(4));
    }
}

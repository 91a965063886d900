package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.ToLongFunction;
import reactor.test.StepVerifier;

/**
 * A crash at every store call of a second save, from a fresh process: whatever call the process dies at, before or
 * after that call takes effect, the location holds the previous or the new checkpoint whole; the next save goes on
 * from it; and once its head has passed what the crash left, {@code prune()} removes exactly that debris. Shared by
 * the fault tests with and without chunking.
 */
final class CrashSweep {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** What a sweep saves and how it checks a checkpoint. */
    /**
     * What a sweep saves and checks.
     *
     * @param builder a checkpointer builder over a store, with the settings under test
     * @param snapshot version {@code v} of the state
     * @param verifiedVersion reads every partition of a checkpoint, checks it is exactly one version's state, and
     *     returns that version
     */
    record Fixture(Function<ObjectStore, CheckpointerBuilder> builder, LongFunction<Snapshot> snapshot, ToLongFunction<Checkpoint> verifiedVersion) {
        CheckpointerBuilder builder(ObjectStore store) {
            return builder.apply(store);
        }

        Snapshot snapshot(long v) {
            return snapshot.apply(v);
        }

        long verifiedVersion(Checkpoint c) {
            return verifiedVersion.applyAsLong(c);
        }
    }

    private CrashSweep() {}

    /**
     * The calls a second save makes from a fresh process, on a store holding the first.
     *
     * @return the probe store, its calls recorded
     */
    static FaultInjectingStore probe(Fixture f) {
        FaultInjectingStore first = new FaultInjectingStore(MemoryStore.create());
        f.builder(first).build().save(f.snapshot(1)).block(TIMEOUT);
        FaultInjectingStore second = new FaultInjectingStore(MemoryStore.reopen(first.wrapped()));
        f.builder(second).build().save(f.snapshot(2)).block(TIMEOUT);
        return second;
    }

    /** Runs the sweep over every call of the second save, crashing before or after the call takes effect. */
    static void run(Fixture f, boolean afterEffect) {
        long callsPerSave = probe(f).callCount();
        assertThat(callsPerSave).isGreaterThan(8);
        int sawOld = 0;
        int sawNew = 0;
        for (long k = 0; k < callsPerSave; k++) {
            FaultInjectingStore base = new FaultInjectingStore(MemoryStore.create());
            f.builder(base).build().save(f.snapshot(1)).block(TIMEOUT);
            FaultInjectingStore dying = new FaultInjectingStore(MemoryStore.reopen(base.wrapped()));
            dying.crashAfter(k, afterEffect);
            StepVerifier.create(f.builder(dying).build().save(f.snapshot(2)))
                    // Two uploads in flight may both hit the crash: Reactor then reports them together.
                    .expectErrorSatisfies(e -> assertThat(reactor.core.Exceptions.unwrapMultiple(e)).isNotEmpty()
                            .allSatisfy(x -> assertThat(x).isInstanceOf(StoreException.class).hasMessageContaining("simulated crash")))
                    .verify(TIMEOUT);

            Checkpointer recovered = f.builder(MemoryStore.reopen(base.wrapped())).build();
            long version = f.verifiedVersion(recovered.latest().block(TIMEOUT));
            assertThat(version).as("crash after %d calls", k).isIn(1L, 2L);
            if (version == 1) {
                sawOld++;
            } else {
                sawNew++;
            }
            // The location stays writable, and once the head has passed whatever the crash left behind, that is
            // debris prune removes, and only that (before, a save that may still commit could need it).
            Manifest next = recovered.save(f.snapshot(3)).block(TIMEOUT);
            assertThat(f.verifiedVersion(recovered.load(next.id()).block(TIMEOUT))).isEqualTo(3);
            recovered.prune().block(TIMEOUT);
            assertThat(base.keys()).as("crash after %d calls", k).containsExactlyInAnyOrderElementsOf(referencedKeys(recovered));
            assertThat(f.verifiedVersion(recovered.latest().block(TIMEOUT))).isEqualTo(3);
            for (Manifest m : recovered.list().collectList().block(TIMEOUT)) {
                f.verifiedVersion(recovered.load(m.id()).block(TIMEOUT));
            }
        }
        assertThat(sawOld).isPositive();
        if (afterEffect) {
            assertThat(sawNew).as("a crash right after the manifest is written still commits").isPositive();
        }
    }

    /** Every key the retained checkpoints reference (partition objects and chunks) and the pointer. */
    static Set<String> referencedKeys(Checkpointer cp) {
        Set<String> keys = new HashSet<>();
        for (Manifest m : cp.list().collectList().block(TIMEOUT)) {
            keys.add("checkpoints/" + m.id().padded() + "/manifest.json");
            for (PartitionEntry e : m.partitions()) {
                if (e.key() != null) {
                    keys.add(e.key());
                }
                e.chunks().stream().map(ChunkRef::key).forEach(keys::add);
            }
        }
        keys.add("_latest");
        return keys;
    }
}

package dev.checkpointer.multihost;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import dev.checkpointer.spi.ForwardingObjectStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Two coordinators committing the same checkpoint id (a standby taking over, split brain), each with the epoch its
 * own {@code Checkpointer} claims, in two exact interleavings forced by gates on the store: A (older epoch) creates
 * the manifest first, B (newer epoch, so A is fenced) finds the id taken.
 *
 * <p>What protocol v2 promises here: never two commits, and never a withdrawal. A's manifest can never be published
 * (its epoch is fenced) and is never deleted while it could be; the id is dead, so B's commit of it is refused with
 * {@link dev.checkpointer.ConcurrentCheckpointException}. B then begins a fresh id, the worker stages again, and B
 * commits. (v1 withdrew A's manifest so that B could retry the same id; a reader could see the withdrawn manifest,
 * and a paused withdrawal could delete what B had just committed.)
 */
class CommitTakeoverRaceTest {
    private static final Duration T = Duration.ofSeconds(10);

    /** A's claim, B's claim, A's manifest, B's manifest (refused: the id is taken), A's pointer (fenced). */
    @Test
    void olderEpochWinsTheManifestThenIsFencedAndTheNewerCoordinatorCommitsAFreshId() {
        run(Order.B_MANIFEST_BEFORE_A_POINTER);
    }

    /** As above, but B's manifest goes after A's fenced publish ended: the id is still taken, never withdrawn. */
    @Test
    void theFencedManifestIsNeverWithdrawnAndTheNewerCoordinatorCommitsAFreshId() {
        run(Order.B_MANIFEST_AFTER_A_ROLLBACK);
    }

    private enum Order { B_MANIFEST_BEFORE_A_POINTER, B_MANIFEST_AFTER_A_ROLLBACK }

    private static void run(Order order) {
        FaultInjectingStore mem = new FaultInjectingStore(MemoryStore.create());
        CompletableFuture<Void> aClaimed = new CompletableFuture<>();
        CompletableFuture<Void> bClaimed = new CompletableFuture<>();
        CompletableFuture<Void> aManifest = new CompletableFuture<>();
        CompletableFuture<Void> bManifest = new CompletableFuture<>();
        CompletableFuture<Void> aDone = new CompletableFuture<>();

        ObjectStore storeA = gate(mem, (key, put) -> {
            if (key.endsWith("/manifest.json")) {
                return after(bClaimed, put).doOnSuccess(i -> aManifest.complete(null));
            }
            if (key.equals(Stores.LATEST)) {
                if (!aClaimed.isDone()) {
                    return put.doOnSuccess(i -> aClaimed.complete(null));
                }
                return order == Order.B_MANIFEST_BEFORE_A_POINTER ? after(bManifest, put) : put;
            }
            return put;
        });
        ObjectStore storeB = gate(mem, (key, put) -> {
            if (key.equals(Stores.LATEST)) {
                return after(aClaimed, put).doOnSuccess(i -> bClaimed.complete(null));
            }
            if (key.endsWith("/manifest.json")) {
                return after(order == Order.B_MANIFEST_BEFORE_A_POINTER ? aManifest : aDone, put)
                        .doFinally(s -> bManifest.complete(null));
            }
            return put;
        });

        try (Checkpointer a = Checkpointer.builder().store(storeA).writerId("coordinator-A").build();
             Checkpointer b = Checkpointer.builder().store(storeB).writerId("coordinator-B").build();
             Checkpointer worker = Checkpointer.builder().store(mem).writerId("worker").build()) {
            CheckpointId id = a.begin().block(T);
            byte[] state = Content.large(1, 0);
            PartitionEntry entry = worker.stage(id, Content.LARGE_OP, 0, Payload.of(state)).block(T);

            List<Object> results = Flux.merge(
                            a.commit(id, CheckpointMetadata.empty(), List.of(entry)).doFinally(s -> aDone.complete(null))
                                    .subscribeOn(Schedulers.parallel()).map(m -> (Object) m).onErrorResume(Mono::just),
                            b.commit(id, CheckpointMetadata.empty(), List.of(entry))
                                    .subscribeOn(Schedulers.parallel()).map(m -> (Object) m).onErrorResume(Mono::just))
                    .collectList().block(T);

            List<Object> won = results.stream().filter(Manifest.class::isInstance).toList();
            assertThat(won).as("neither commits the id: A is fenced, B finds it taken: %s", results).isEmpty();
            assertThat(results).allSatisfy(r -> assertThat(r).isInstanceOf(dev.checkpointer.ConcurrentCheckpointException.class));
            assertThat(results).anySatisfy(r -> assertThat(((dev.checkpointer.ConcurrentCheckpointException) r).fenced()).isTrue());
            // A's manifest stays where it is (never withdrawn) and never becomes visible.
            assertThat(mem.raw("checkpoints/" + id.padded() + "/manifest.json")).isPresent();
            assertThat(worker.latest().blockOptional(T)).isEmpty();
            assertThat(worker.list().collectList().block(T)).isEmpty();

            // The newer coordinator starts over with a fresh id; the worker stages again; it commits and restores.
            CheckpointId fresh = b.begin().block(T);
            assertThat(fresh.value()).isGreaterThan(id.value());
            PartitionEntry again = worker.stage(fresh, Content.LARGE_OP, 0, Payload.of(state)).block(T);
            Manifest committed = b.commit(fresh, CheckpointMetadata.empty(), List.of(again)).block(T);
            assertThat(committed.id()).isEqualTo(fresh);
            Checkpoint latest = worker.latest().block(T);
            assertThat(latest.manifest()).isEqualTo(committed);
            assertThat(latest.read(Content.LARGE_OP, 0).map(Buffers::toArray).block(T)).isEqualTo(state);
        }
    }

    private static Mono<ObjectInfo> after(CompletableFuture<Void> gate, Mono<ObjectInfo> put) {
        return Mono.fromFuture(gate).then(put);
    }

    private interface Gate {
        Mono<ObjectInfo> put(String key, Mono<ObjectInfo> put);
    }

    private static ObjectStore gate(ObjectStore store, Gate gate) {
        return new ForwardingObjectStore(store) {
            @Override
            public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
                return Mono.defer(() -> gate.put(key, delegate().put(key, payload, options)));
            }

            @Override
            public void close() {
                // the memory store is shared by the three checkpointers
            }
        };
    }

}

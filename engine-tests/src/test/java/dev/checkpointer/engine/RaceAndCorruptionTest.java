package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.util.concurrent.atomic.AtomicBoolean;
import reactor.test.StepVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Races between writers, and one flipped byte in every position of every kind of object. */
class RaceAndCorruptionTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static long pointerId(FaultInjectingStore store) {
        try {
            com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(store.raw("_latest").orElseThrow());
            return (tree.has("pointer") ? tree.get("pointer") : tree).get("id").asLong();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static Mono<Object> outcome(Mono<Manifest> save) {
        return save.subscribeOn(Schedulers.parallel()).map(m -> (Object) m).onErrorResume(e -> Mono.just(e));
    }

    @Test
    void twoCheckpointersRacing200RoundsNeverCommitOneIdTwiceAndThePointerNeverMovesBack() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer a = Checkpointer.builder().store(store).writerId("a").build();
        Checkpointer b = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).writerId("b").build();
        long lastPointer = 0;
        int committed = 0;
        for (int round = 1; round <= 200; round++) {
            int r = round;
            List<Object> results = Flux.merge(
                            outcome(a.save(Snapshot.builder().epoch(1).partition("p", 0, Payload.of(bytes(3000, r))).metadata("by", "a").build())),
                            outcome(b.save(Snapshot.builder().epoch(1).partition("p", 0, Payload.of(bytes(3000, -r))).metadata("by", "b").build())))
                    .collectList().block(TIMEOUT);
            for (Object o : results) {
                if (o instanceof Manifest m) {
                    committed++;
                    Checkpoint c = a.load(m.id()).block(TIMEOUT);
                    assertThat(c.manifest()).as("round %d", r).isEqualTo(m); // the stored manifest is the winner's own
                    assertThat(Buffers.toArray(c.read("p", 0).block(TIMEOUT))).isEqualTo(bytes(3000, "a".equals(m.metadata().get("by")) ? r : -r));
                } else {
                    assertThat(o).as("round %d", r).isInstanceOf(ConcurrentCheckpointException.class);
                }
            }
            long now = pointerId(store);
            assertThat(now).as("round %d", r).isGreaterThanOrEqualTo(lastPointer);
            lastPointer = now;
        }
        List<Manifest> all = a.list().collectList().block(TIMEOUT);
        assertThat(all).extracting(m -> m.id().value()).doesNotHaveDuplicates().isSorted();
        assertThat(all).hasSize(committed);
        assertThat(committed).isGreaterThanOrEqualTo(200); // at least one save per round wins
        assertThat(a.latest().block(TIMEOUT).manifest().id().value()).isEqualTo(lastPointer);
    }

    @Test
    void racingForTheSameId200RoundsExactlyOneWins() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer a = Checkpointer.builder().store(store).writerId("a").build();
        Checkpointer b = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).writerId("b").build();
        for (int round = 1; round <= 200; round++) {
            CheckpointId id = CheckpointId.of(round);
            int r = round;
            List<Object> results = Flux.merge(
                            outcome(a.save(Snapshot.builder().epoch(1).id(id).partition("p", 0, Payload.of(bytes(100_000, r))).build())),
                            outcome(b.save(Snapshot.builder().epoch(1).id(id).partition("p", 0, Payload.of(bytes(100_000, -r))).build())))
                    .collectList().block(TIMEOUT);
            assertThat(results.stream().filter(Manifest.class::isInstance)).as("round %d: %s", r, results).hasSize(1);
            assertThat(results.stream().filter(o -> !(o instanceof Manifest)))
                    .allSatisfy(e -> assertThat(e).isInstanceOf(ConcurrentCheckpointException.class));
        }
        assertThat(pointerId(store)).isEqualTo(200);
        // The losers' artifacts were removed: every stored artifact is referenced by a manifest.
        Set<String> referenced = new HashSet<>();
        a.list().toIterable().forEach(m -> m.partitions().forEach(e -> referenced.add(e.key())));
        assertThat(store.keys()).filteredOn(k -> k.endsWith(".snapshot")).containsExactlyInAnyOrderElementsOf(referenced);
    }

    @Test
    void aZombieRacingItsSuccessorIsFencedAndNeverPublishes() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer zombie = Checkpointer.builder().store(store).writerId("zombie").build();
        zombie.save(Snapshot.builder().partition("p", 0, Payload.of(bytes(10, 0))).build()).block(TIMEOUT);
        Checkpointer successor = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).writerId("successor").build();
        successor.save(Snapshot.builder().partition("p", 0, Payload.of(bytes(10, 1))).build()).block(TIMEOUT);
        int fenced = 0;
        long lastPointer = pointerId(store);
        for (int round = 0; round < 200; round++) {
            int r = round;
            List<Object> results = Flux.merge(
                            outcome(zombie.save(Snapshot.builder().partition("p", 0, Payload.of(bytes(10, r))).build())),
                            outcome(successor.save(Snapshot.builder().partition("p", 0, Payload.of(bytes(10, r))).build())))
                    .collectList().block(TIMEOUT);
            for (Object o : results) {
                if (o instanceof Manifest m) {
                    assertThat(m.writerId()).isEqualTo("successor");
                } else {
                    assertThat(o).isInstanceOf(ConcurrentCheckpointException.class);
                    if (((ConcurrentCheckpointException) o).fenced()) {
                        fenced++;
                    }
                }
            }
            long now = pointerId(store);
            assertThat(now).isGreaterThanOrEqualTo(lastPointer);
            lastPointer = now;
        }
        assertThat(fenced).isGreaterThan(190);
        assertThat(successor.list().filter(m -> "zombie".equals(m.writerId())).count().block(TIMEOUT)).isEqualTo(1);
    }

    @Test
    void anIdTakenByARivalBeforeOurManifestMakesTheSaveMoveToAFreshIdAndCommit() {
        // A rival writes something at checkpoint 2's manifest key first, so ours is refused; then that object goes
        // away before we look. Nothing of ours was created there, so the save uploads again under a fresh id.
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer.builder().store(store).writerId("first").build()
                .save(Snapshot.builder().partition("p", 0, Payload.of(bytes(10, 1))).build()).block(TIMEOUT);
        AtomicBoolean raced = new AtomicBoolean();
        ObjectStore racing = new ForwardingObjectStore(MemoryStore.reopen(store.wrapped())) {
            @Override
            public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
                if (key.endsWith("/manifest.json") && raced.compareAndSet(false, true)) {
                    return store.put(key, Payload.of("{\"rival\":true}".getBytes(StandardCharsets.UTF_8)), PutOptions.ifAbsent())
                            .then(super.put(key, payload, options))
                            .onErrorResume(e -> store.delete(key).then(Mono.error(e)));
                }
                return super.put(key, payload, options);
            }
        };
        Checkpointer second = Checkpointer.builder().store(racing).writerId("second").build();
        Snapshot snapshot = Snapshot.builder().partition("p", 0, Payload.of(bytes(100_000, 2))).build();

        Manifest saved = second.save(snapshot).block(TIMEOUT);
        assertThat(raced).isTrue();
        assertThat(saved.id()).isEqualTo(CheckpointId.of(3));
        assertThat(saved.parent().orElseThrow().id()).isEqualTo(CheckpointId.of(1));
        assertThat(pointerId(store)).isEqualTo(3);
        // The first attempt's upload under id 2 was removed: only checkpoint 1's and 3's artifacts remain.
        assertThat(store.keys()).filteredOn(k -> k.endsWith(".snapshot")).allMatch(k -> k.startsWith("checkpoints/00000000000000000001/")
                || k.startsWith("checkpoints/00000000000000000003/"));
        assertThat(second.latest().block(TIMEOUT).manifest()).isEqualTo(saved);
    }

    private static Snapshot mixed(int seed) {
        return Snapshot.builder()
                .partition("inline", 0, Payload.of(bytes(300, seed)))
                .partition("stored", 0, Payload.of(bytes(70_000, seed)))
                .offsets("src", java.util.Map.of("0", Integer.toString(seed)))
                .build();
    }

    @Test
    void aFlippedByteAnywhereInLatestIsDetectedAndTheRightCheckpointStillFound() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Checkpointer.builder().store(store).build();
        cp.save(mixed(1)).block(TIMEOUT);
        cp.save(mixed(2)).block(TIMEOUT);
        byte[] pointer = store.raw("_latest").orElseThrow();
        for (int i = 0; i < pointer.length; i++) {
            byte[] bad = pointer.clone();
            bad[i] ^= 0x01;
            store.putRaw("_latest", bad);
            int at = i;
            List<CheckpointId> recoveries = new java.util.concurrent.CopyOnWriteArrayList<>();
            Checkpoint latest = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).listener(new dev.checkpointer.CheckpointListener() {
                @Override
                public void onPointerRecovery(CheckpointId recovered, String reason) {
                    recoveries.add(recovered);
                }
            }).build().latest().block(TIMEOUT);
            assertThat(latest.manifest().id().value()).as("byte %d", at).isEqualTo(2);
            assertThat(recoveries).as("byte %d: the corrupt pointer is reported", at).containsExactly(CheckpointId.of(2));
        }
    }

    @Test
    void aFlippedByteAnywhereInAManifestIsDetected() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Checkpointer.builder().store(store).build();
        cp.save(mixed(1)).block(TIMEOUT);
        Manifest two = cp.save(mixed(2)).block(TIMEOUT);
        String key = "checkpoints/" + two.id().padded() + "/manifest.json";
        byte[] original = store.raw(key).orElseThrow();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < original.length; i += Math.max(1, original.length / 400)) {
            positions.add(i);
        }
        for (int i : positions) {
            byte[] bad = original.clone();
            bad[i] ^= 0x01;
            store.putRaw(key, bad);
            Checkpointer fresh = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).build();
            Object loaded = fresh.load(two.id()).map(c -> (Object) c).onErrorResume(e -> Mono.just(e)).block(TIMEOUT);
            assertThat(loaded).as("byte %d", i).isInstanceOfAny(CorruptMetadataException.class, IncompatibleCheckpointException.class);
            assertThat(fresh.latest().block(TIMEOUT).manifest().id().value()).as("byte %d", i).isEqualTo(1);
        }
        store.putRaw(key, original);
        assertThat(cp.latest().block(TIMEOUT).manifest().id()).isEqualTo(two.id());
    }

    @Test
    void silentCorruptionAtRestIsNeverHandedToTheCaller() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(0).build();
        store.inject(FaultInjectingStore.Plan.none().withCorruptWriteRate(0.5).withSeed(3));
        int detected = 0;
        int clean = 0;
        for (int i = 0; i < 40; i++) {
            Manifest m;
            try {
                m = cp.save(mixed(i)).block(TIMEOUT);
            } catch (CheckpointException e) {
                continue; // a corrupted manifest or pointer may make the save itself fail; that is fine
            }
            Checkpoint c;
            try {
                c = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).build().load(m.id()).block(TIMEOUT);
            } catch (CorruptMetadataException | dev.checkpointer.CheckpointNotFoundException e) {
                // A corrupted manifest, or a corrupted pointer whose recovery found an older head: refused either way.
                detected++;
                continue;
            }
            for (String op : List.of("inline", "stored")) {
                try {
                    byte[] got = Buffers.toArray(c.read(op, 0).block(TIMEOUT));
                    assertThat(got).isEqualTo(Buffers.join(mixed(i).partitions().get(op.equals("inline") ? 0 : 1).payload().content()).block());
                    clean++;
                } catch (IntegrityException e) {
                    detected++;
                }
            }
        }
        assertThat(detected).isPositive();
        assertThat(clean).isPositive();
        assertThat(new String(store.raw("_latest").orElse(new byte[0]), StandardCharsets.UTF_8)).isNotNull();
    }
}

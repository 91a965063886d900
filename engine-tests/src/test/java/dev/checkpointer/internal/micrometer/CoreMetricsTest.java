package dev.checkpointer.internal.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.micrometer.CheckpointerMeters;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The core's Micrometer binding, without Spring: {@code Checkpointer.builder().meterRegistry(..)} over the memory
 * store. (These live in the starter's tests because the api module cannot depend on store-memory.)
 */
class CoreMetricsTest {
    private static final Duration T = Duration.ofSeconds(30);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static Snapshot snapshot(String text) {
        return Snapshot.builder().partition("counts", 0, Payload.of(text.getBytes(StandardCharsets.UTF_8))).build();
    }

    private static String partitionKey(FaultInjectingStore store) {
        return store.keys().stream().filter(k -> k.contains("/counts/0.") && k.endsWith(".snapshot")).findFirst().orElseThrow();
    }

    @Test
    void withoutARegistryTheBuilderReturnsThePlainEngine() {
        try (Checkpointer cp = Checkpointer.builder().store(MemoryStore.create()).build()) {
            assertThat(cp.getClass().getName()).isEqualTo("dev.checkpointer.internal.DefaultCheckpointer");
            cp.save(snapshot("plain")).block(T);
        }
    }

    @Test
    void savesLoadsReadsBytesAndRequestsAreRecorded() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        try (Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(0).meterRegistry(registry).build()) {
            assertThat(cp).isInstanceOf(MeteredCheckpointer.class);
            assertThat(cp.latest().block(T)).isNull();
            Manifest m = cp.save(snapshot("twelve bytes")).block(T);
            Checkpoint latest = cp.latest().block(T);
            assertThat(StandardCharsets.UTF_8.decode(latest.read("counts", 0).block(T)).toString()).isEqualTo("twelve bytes");
            assertThat(Buffers.join(latest.stream("counts", 0)).block(T)).hasSize(12);
            assertThat(cp.load(m.id()).block(T).id()).isEqualTo(m.id());
            assertThatThrownBy(() -> cp.load(CheckpointId.of(99)).block(T)).isInstanceOf(CheckpointNotFoundException.class);

            assertThat(registry.get(CheckpointerMeters.SAVE).tags("store", "memory", "outcome", "committed", "error", "none").timer().count())
                    .isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.SAVE_SIZE).summary().totalAmount()).isEqualTo(12);
            assertThat(registry.get(CheckpointerMeters.LOAD).tags("operation", "latest", "outcome", "none").timer().count()).isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.LOAD).tags("operation", "latest", "outcome", "found").timer().count()).isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.LOAD).tags("operation", "load", "outcome", "found").timer().count()).isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.LOAD).tags("operation", "load", "outcome", "failed", "error", "CHECKPOINT_NOT_FOUND")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.READ).tags("store", "memory", "operation", "read", "outcome", "success").timer().count())
                    .isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.READ).tags("operation", "stream", "outcome", "success").timer().count()).isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.STORE_REQUESTS).tags("store", "memory", "operation", "put", "outcome", "success")
                    .timer().count()).isGreaterThanOrEqualTo(2); // partition + manifest (+ pointer)
            assertThat(registry.get(CheckpointerMeters.STORE_REQUESTS).tags("operation", "get", "outcome", "success").timer().count())
                    .isGreaterThanOrEqualTo(3);
            assertThat(registry.get(CheckpointerMeters.STORE_BYTES_WRITTEN).counter().count()).isGreaterThan(12);
            assertThat(registry.get(CheckpointerMeters.STORE_BYTES_READ).counter().count()).isGreaterThanOrEqualTo(24);
            assertThat(registry.find(CheckpointerMeters.INTEGRITY_FAILURES).counters()).isEmpty();
        }
    }

    @Test
    void theNumberOfMetersDoesNotGrowWithTheNumberOfCheckpoints() {
        try (Checkpointer cp = Checkpointer.builder().store(MemoryStore.create()).inlineThreshold(0).meterRegistry(registry).build()) {
            for (int i = 0; i < 3; i++) {
                cp.save(snapshot("n" + i)).block(T);
                cp.latest().flatMap(c -> c.read("counts", 0)).block(T);
            }
            Set<Meter.Id> after3 = new HashSet<>();
            registry.getMeters().forEach(m -> after3.add(m.getId()));
            for (int i = 3; i < 20; i++) {
                cp.save(snapshot("n" + i)).block(T);
                cp.latest().flatMap(c -> c.read("counts", 0)).block(T);
            }
            Set<Meter.Id> after20 = new HashSet<>();
            registry.getMeters().forEach(m -> after20.add(m.getId()));
            assertThat(after20).isEqualTo(after3);
            // no key, id or path in any tag value
            after20.forEach(id -> id.getTags().forEach(t -> assertThat(t.getValue()).doesNotContain("/").doesNotMatch(".*\\d{3,}.*")));
        }
    }

    @Test
    void commonTagsAreAddedAndMayReplaceTheStoreTag() {
        try (Checkpointer cp = Checkpointer.builder().store(MemoryStore.create())
                .meterRegistry(registry, Tags.of("job", "orders", "store", "primary")).build()) {
            cp.save(snapshot("x")).block(T);
            cp.latest().block(T);
        }
        assertThat(registry.getMeters()).isNotEmpty().allSatisfy(m -> assertThat(m.getId().getTags())
                .contains(Tag.of("job", "orders"), Tag.of("store", "primary")));
    }

    @Test
    void throttlingIsCountedAsRetriesThrottlesAndAFailedSave() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withThrottleRate(1.0));
        try (Checkpointer cp = Checkpointer.builder().store(store).meterRegistry(registry)
                .retry(new dev.checkpointer.RetrySettings(Duration.ofMillis(1), 1.0, Duration.ofMillis(1), 3, Duration.ofSeconds(10), 0.0))
                .build()) {
            assertThatThrownBy(() -> cp.save(snapshot("x")).block(T)).isInstanceOf(StoreException.class);
        }
        assertThat(registry.get(CheckpointerMeters.RETRIES).tags("reason", "throttled").counters()).isNotEmpty();
        assertThat(registry.get(CheckpointerMeters.RETRIES).tags("reason", "throttled").counters().stream().mapToDouble(c -> c.count()).sum())
                .isGreaterThanOrEqualTo(2);
        assertThat(registry.get(CheckpointerMeters.THROTTLES).counters()).isNotEmpty();
        assertThat(registry.get(CheckpointerMeters.SAVE).tags("outcome", "failed", "error", "STORE_THROTTLED").timer().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.STORE_REQUESTS).tags("outcome", "STORE_THROTTLED").timers()).isNotEmpty();
    }

    @Test
    void aCorruptPartitionIsAnIntegrityFailureOfTheRead() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        try (Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(0).meterRegistry(registry).build()) {
            cp.save(snapshot("some state to corrupt")).block(T);
            store.flipByte(partitionKey(store), 3);
            Checkpoint latest = cp.latest().block(T);
            assertThatThrownBy(() -> latest.read("counts", 0).block(T)).isInstanceOf(IntegrityException.class);
        }
        assertThat(registry.get(CheckpointerMeters.INTEGRITY_FAILURES).tags("store", "memory").counter().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.READ).tags("outcome", "failed", "error", "INTEGRITY").timer().count()).isEqualTo(1);
    }

    @Test
    void aCorruptManifestPassedOverByLatestIsCounted() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        try (Checkpointer cp = Checkpointer.builder().store(store).meterRegistry(registry).build()) {
            Manifest first = cp.save(snapshot("one")).block(T);
            Manifest second = cp.save(snapshot("two")).block(T);
            String manifest = store.keys().stream().filter(k -> k.contains(String.format("%020d", second.id().value())) && k.endsWith("manifest.json"))
                    .findFirst().orElseThrow();
            store.flipByte(manifest, 10);
            assertThat(cp.latest().block(T).id()).isEqualTo(first.id());
        }
        assertThat(registry.get(CheckpointerMeters.CORRUPT_CHECKPOINTS).counters()).isNotEmpty();
        assertThat(registry.get(CheckpointerMeters.CORRUPT_CHECKPOINTS).counters().stream().mapToDouble(c -> c.count()).sum()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.LOAD).tags("operation", "latest", "outcome", "found").timer().count()).isEqualTo(1);
    }

    @Test
    void refusedSavesAreCountedByReasonFencingIncluded() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        int fenced = 0;
        int lost = 0;
        try (Checkpointer zombie = Checkpointer.builder().store(store).writerId("zombie").meterRegistry(registry).build();
                Checkpointer successor = Checkpointer.builder().store(MemoryStore.reopen(store.wrapped())).writerId("successor").build()) {
            zombie.save(snapshot("z1")).block(T);
            successor.save(snapshot("s1")).block(T);
            // the zombie first loses the race for the next id, then (its view refreshed) is fenced by the successor's epoch
            for (int i = 0; i < 3; i++) {
                Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> zombie.save(snapshot("z")).block(T));
                assertThat(e).isInstanceOf(ConcurrentCheckpointException.class);
                if (((ConcurrentCheckpointException) e).fenced()) {
                    fenced++;
                } else {
                    lost++;
                }
            }
        }
        assertThat(fenced).isPositive();
        assertThat(registry.get(CheckpointerMeters.CONFLICTS).tags("store", "memory", "reason", "fenced").counter().count()).isEqualTo(fenced);
        assertThat(registry.find(CheckpointerMeters.CONFLICTS).tags("reason", "lost_race").counters().stream().mapToDouble(c -> c.count()).sum())
                .isEqualTo(lost);
        assertThat(registry.get(CheckpointerMeters.SAVE).tags("outcome", "failed", "error", "CONCURRENT_CHECKPOINT").timer().count()).isEqualTo(3);
    }

    @Test
    void retryOperationTagsKeepTheEnginesNames() {
        MeterRegistry r = new SimpleMeterRegistry();
        MicrometerCheckpointListener l = new MicrometerCheckpointListener(r, "s3");
        l.onRetry("deleteAll", 1, StoreException.transientFailure("deleteAll", "k", "503", null));
        l.onRetry("uploadPart", 1, StoreException.transientFailure("uploadPart", "k", "503", null));
        assertThat(r.get(CheckpointerMeters.RETRIES).tag("operation", "deleteAll").counter().count()).isEqualTo(1);
        assertThat(r.get(CheckpointerMeters.RETRIES).tag("operation", "uploadPart").counter().count()).isEqualTo(1);
    }

    @Test
    void listenerCountsConflictsIntegrityAndCorruption() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerCheckpointListener l = new MicrometerCheckpointListener(registry, "s3");
        l.onSaveFinished(new SaveOutcome(SaveOutcome.Status.FAILED, null, new ConcurrentCheckpointException("fenced", true), Duration.ofMillis(3)));
        l.onSaveFinished(new SaveOutcome(SaveOutcome.Status.FAILED, null, new ConcurrentCheckpointException("lost", false), Duration.ofMillis(3)));
        l.onSaveFinished(new SaveOutcome(SaveOutcome.Status.FAILED, null, new IntegrityException("k", "a", "b"), Duration.ofMillis(3)));
        l.onSaveFinished(new SaveOutcome(SaveOutcome.Status.CANCELLED, null, null, Duration.ofMillis(1)));
        l.onCorruptCheckpoint(CheckpointId.of(7), new CorruptMetadataException("k", List.of("bad"), null));
        l.onTickSkipped(1);
        l.onRetry("put", 1, StoreException.transientFailure("put", "k", "503", null));
        l.onRetry("some weird/op", 1, new RuntimeException());

        assertThat(registry.get(CheckpointerMeters.CONFLICTS).tag("store", "s3").tag("reason", "fenced").counter().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.CONFLICTS).tag("reason", "lost_race").counter().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.INTEGRITY_FAILURES).counter().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.SAVE).tag("outcome", "cancelled").timer().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.SAVE).tag("outcome", "failed").timers()).hasSize(2);
        assertThat(registry.get(CheckpointerMeters.CORRUPT_CHECKPOINTS).tag("error", "CORRUPT_METADATA").counter().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.TICKS_SKIPPED).counter().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.RETRIES).tag("operation", "put").tag("reason", "transient").counter().count()).isEqualTo(1);
        assertThat(registry.get(CheckpointerMeters.RETRIES).tag("operation", "other").counter().count()).isEqualTo(1);
        assertThat(registry.find(CheckpointerMeters.THROTTLES).counters()).isEmpty();
    }

    /** The counter of protocol v2's pointer recoveries reaches the registry the starter hands to the core. */
}

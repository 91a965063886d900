package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import dev.checkpointer.testkit.FaultInjectingStore.Plan;
import java.time.Duration;
import java.util.List;
import reactor.test.StepVerifier;
import org.junit.jupiter.api.Test;

/** The testkit's store-independent fault and tamper wrapper, driven over the memory store. */
class FaultInjectingStoreTest {

    @Test
    void aCrashPointFailsEveryLaterCallAndCountsThem() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.crashAfter(1, false);
        store.put("a", Payload.of(new byte[] {1}), PutOptions.none()).block();
        assertThatThrownBy(() -> store.put("b", Payload.of(new byte[] {2}), PutOptions.none()).block())
                .isInstanceOf(StoreException.class).hasMessageContaining("simulated crash");
        assertThat(store.callCount()).isEqualTo(2);
        assertThat(store.raw("b")).isEmpty();
    }

    @Test
    void tamperingIsSeenByTheEngineAsAnIntegrityFailure() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
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

    private static final Duration T = Duration.ofSeconds(5);

    private static void put(ObjectStore store, String key, int... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) values[i];
        }
        put(store, key, bytes);
    }

    private static void put(ObjectStore store, String key, byte[] bytes) {
        store.put(key, Payload.of(bytes), PutOptions.none()).block(T);
    }

    @Test
    void theCallLogNumbersEveryCallAndSurvivesClearingOnlyInItsCount() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        put(store, "a", 1);
        store.readAll("a").block(T);
        store.list("").collectList().block(T);
        assertThat(store.calls()).containsExactly(new FaultInjectingStore.Call(1, "put", "a"), new FaultInjectingStore.Call(2, "get", "a"),
                new FaultInjectingStore.Call(3, "list", ""));
        store.clearCalls();
        store.delete("a").block(T);
        assertThat(store.calls()).containsExactly(new FaultInjectingStore.Call(4, "delete", "a"));
        assertThat(store.callCount()).isEqualTo(4);
        assertThat(store.keys()).as("inspection is not a call").isEmpty();
        assertThat(store.callCount()).isEqualTo(4);
    }

    @Test
    void failOnceFailsTheNextMatchingCallBeforeOrAfterItsEffectThenNeverAgain() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.failOnce("put", "manifest.json", true).failOnce("put", "manifest.json", false).failOnce("get", "x", false);
        put(store, "other", 0); // does not match
        assertThatThrownBy(() -> put(store, "1/manifest.json", 1)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_TRANSIENT));
        assertThat(store.raw("1/manifest.json")).as("the first took effect: a lost response").isPresent();
        assertThatThrownBy(() -> put(store, "2/manifest.json", 2)).isInstanceOf(StoreException.class);
        assertThat(store.raw("2/manifest.json")).as("the second failed before its effect").isEmpty();
        put(store, "2/manifest.json", 2);
        put(store, "x", 3);
        assertThatThrownBy(() -> store.readAll("x").block(T)).isInstanceOf(StoreException.class);
        assertThat(store.readAll("x").block(T)).containsExactly((byte) 3);
        assertThat(store.failedAfter()).isEqualTo(1);
        assertThat(store.failedBefore()).isEqualTo(2);
    }

    @Test
    void aCrashCanLetTheCrashingWriteTakeEffectAndClearFaultsEndsIt() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.crashAfter(0, true);
        assertThatThrownBy(() -> put(store, "landed", 1)).isInstanceOfSatisfying(StoreException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.STORE_FAILURE));
        assertThat(store.raw("landed")).isPresent();
        assertThatThrownBy(() -> store.head("landed").block(T)).hasMessageContaining("simulated crash");
        store.clearFaults();
        assertThat(store.head("landed").block(T).size()).isEqualTo(1);
        assertThatThrownBy(() -> store.crashAfter(-1, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void latencyDelaysEveryCallOnTheParallelSchedulerSoVirtualTimeDrivesIt() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create()).inject(Plan.none().withLatency(Duration.ofHours(1)));
        StepVerifier.withVirtualTime(() -> store.put("k", Payload.of(new byte[] {1}), PutOptions.none()))
                .expectSubscription()
                .expectNoEvent(Duration.ofMinutes(59))
                .thenAwait(Duration.ofMinutes(1))
                .assertNext(info -> assertThat(info.size()).isEqualTo(1))
                .verifyComplete();
    }

    @Test
    void ratesAreReproducibleBySeedAndThrottlingIsItsOwnError() {
        FaultInjectingStore a = new FaultInjectingStore(MemoryStore.create()).inject(Plan.none().withTransientRate(0.3).withThrottleRate(0.2).withSeed(9));
        FaultInjectingStore b = new FaultInjectingStore(MemoryStore.create()).inject(Plan.none().withTransientRate(0.3).withThrottleRate(0.2).withSeed(9));
        List<String> outcomesA = new java.util.ArrayList<>();
        List<String> outcomesB = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            outcomesA.add(outcome(a, "k" + i));
            outcomesB.add(outcome(b, "k" + i));
        }
        assertThat(outcomesA).isEqualTo(outcomesB).contains("ok", "STORE_TRANSIENT", "STORE_THROTTLED");
        assertThat(a.throttled()).isEqualTo(outcomesA.stream().filter("STORE_THROTTLED"::equals).count());
        assertThat(a.injected()).isEqualTo(outcomesA.stream().filter(o -> !o.equals("ok")).count());
        a.inject(Plan.NONE);
        assertThat(outcome(a, "after")).isEqualTo("ok");
        assertThatThrownBy(() -> Plan.none().withTransientRate(0.7).withThrottleRate(0.4)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Plan.none().withCorruptReadRate(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Plan.none().withLatency(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    private static String outcome(FaultInjectingStore store, String key) {
        try {
            put(store, key, 1);
            return "ok";
        } catch (StoreException e) {
            return e.code().name();
        }
    }

    @Test
    void corruptReadsAndWritesFlipOneByteAndTheEngineCatchesBoth() {
        byte[] data = new byte[4096];
        FaultInjectingStore reads = new FaultInjectingStore(MemoryStore.create());
        put(reads, "k", data);
        reads.inject(Plan.none().withCorruptReadRate(1.0));
        byte[] served = reads.readAll("k").block(T);
        assertThat(served).hasSize(data.length).isNotEqualTo(data);
        assertThat(reads.raw("k")).hasValueSatisfying(b -> assertThat(b).isEqualTo(data)); // at rest it is intact

        FaultInjectingStore writes = new FaultInjectingStore(MemoryStore.create()).inject(Plan.none().withCorruptWriteRate(1.0));
        // Declared checksum and all: the damage is "at rest", after the store's check.
        writes.put("k", Payload.of(data), PutOptions.none().withSha256("0".repeat(64))).block(T);
        assertThat(writes.raw("k")).hasValueSatisfying(b -> assertThat(b).hasSize(data.length).isNotEqualTo(data));
        assertThat(reads.corrupted()).isEqualTo(1);
        assertThat(writes.corrupted()).isEqualTo(1);

        FaultInjectingStore engine = new FaultInjectingStore(MemoryStore.create());
        try (Checkpointer cp = Checkpointer.builder().store(engine).inlineThreshold(1).build()) {
            cp.save(Snapshot.builder().partition("op", 0, Payload.of(data)).build()).block(T);
            engine.inject(Plan.none().withCorruptReadRate(1.0));
            assertThatThrownBy(() -> cp.latest().block(T).read("op", 0).block(T)).isInstanceOf(Exception.class);
        }
    }
}

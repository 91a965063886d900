package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.SinkState;
import dev.checkpointer.SinkStatus;
import dev.checkpointer.Snapshot;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Sink statuses: pending on commit, moved once by compare-and-swap beside the manifest, crash-safe, collected with their checkpoint. */
class SinkStatusTest {

    private static Snapshot withSinks(int n) {
        return Snapshot.builder().partition("state", 0, Payload.of(new byte[] {(byte) n}))
                .offsets("words", Map.of("0", Integer.toString(n)))
                .sinkEpoch("kafka-out", n).sinkPrepared("kafka-out", "{\"producerId\":7,\"epoch\":" + n + "}")
                .sinkEpoch("warehouse", n)
                .build();
    }

    private static Map<String, SinkState> states(Checkpointer cp, CheckpointId id) {
        return cp.sinkStatuses(id).block().stream().collect(Collectors.toMap(SinkStatus::sink, SinkStatus::state));
    }

    @Test
    void everySinkIsPendingWhenItsCheckpointCommitsAndCarriesItsEpochAndPreparedData() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        Manifest m = cp.save(withSinks(3)).block();

        List<SinkStatus> statuses = cp.sinkStatuses(m.id()).block();
        assertThat(statuses).extracting(SinkStatus::sink).containsExactly("kafka-out", "warehouse");
        assertThat(statuses).allSatisfy(s -> {
            assertThat(s.state()).isEqualTo(SinkState.PENDING);
            assertThat(s.epoch()).isEqualTo(3);
            assertThat(s.updatedAt()).isNull();
        });
        assertThat(statuses.get(0).prepared()).isEqualTo("{\"producerId\":7,\"epoch\":3}");
        assertThat(statuses.get(1).preparedData()).isEmpty();
        assertThat(store.keys()).noneMatch(k -> k.endsWith("/_sinks")); // absent object = all pending, nothing written
        // the prepared data is in the checkpoint itself, so a new process reads it back
        assertThat(Checkpointer.builder().store(store).build().latest().block().manifest().sinkPrepared())
                .containsEntry("kafka-out", "{\"producerId\":7,\"epoch\":3}");
    }

    @Test
    void aTransitionIsMadeOnceRepeatingItIsANoOpAndTheOppositeOneIsRefused() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).writerId("job/1").build();
        Manifest m = cp.save(withSinks(1)).block();
        byte[] manifestBefore = store.raw("checkpoints/" + m.id().padded() + "/manifest.json");

        SinkStatus committed = cp.markSink(m.id(), "kafka-out", SinkState.COMMITTED, "txn 42").block();
        assertThat(committed.state()).isEqualTo(SinkState.COMMITTED);
        assertThat(committed.detail()).isEqualTo("txn 42");
        assertThat(committed.updatedAt()).isNotNull();
        byte[] statusAfterFirst = store.raw("checkpoints/" + m.id().padded() + "/_sinks");

        store.clearCalls();
        assertThat(cp.markSink(m.id(), "kafka-out", SinkState.COMMITTED, "again").block().detail()).isEqualTo("txn 42");
        assertThat(store.calls()).noneMatch(c -> c.startsWith("put")); // idempotent: nothing written
        assertThat(store.raw("checkpoints/" + m.id().padded() + "/_sinks")).isEqualTo(statusAfterFirst);

        assertThatThrownBy(() -> cp.markSink(m.id(), "kafka-out", SinkState.FAILED, "late failure").block())
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.SINK_STATE_CONFLICT);
                    assertThat(e.getMessage()).contains("kafka-out").contains("already COMMITTED").contains("cannot become FAILED");
                });
        cp.markSink(m.id(), "warehouse", SinkState.FAILED, "disk full").block();

        assertThat(states(cp, m.id())).containsEntry("kafka-out", SinkState.COMMITTED).containsEntry("warehouse", SinkState.FAILED);
        assertThat(store.raw("checkpoints/" + m.id().padded() + "/manifest.json")).as("the manifest is never rewritten").isEqualTo(manifestBefore);
        assertThat(new String(store.raw("checkpoints/" + m.id().padded() + "/_sinks"), StandardCharsets.UTF_8))
                .startsWith("{\"format\":\"checkpointer-sinks\",\"bodySha256\":\"");
    }

    @Test
    void badTransitionsAreRefusedWithTheReason() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        Manifest m = cp.save(withSinks(1)).block();
        assertThatThrownBy(() -> cp.markSink(m.id(), "kafka-out", SinkState.PENDING, null).block())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("PENDING");
        assertThatThrownBy(() -> cp.markSink(m.id(), "nope", SinkState.COMMITTED, null).block())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no sink 'nope'").hasMessageContaining("kafka-out");
        assertThatThrownBy(() -> cp.markSink(m.id(), "kafka-out", SinkState.COMMITTED, "x".repeat(1025)).block())
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> cp.markSink(CheckpointId.of(9), "kafka-out", SinkState.COMMITTED, null).block())
                .isInstanceOf(CheckpointNotFoundException.class);
        assertThatThrownBy(() -> cp.sinkStatuses(CheckpointId.of(9)).block()).isInstanceOf(CheckpointNotFoundException.class);
    }

    @Test
    void twoSinksMarkedAtTheSameTimeBothLandThroughTheCompareAndSwapRetry() {
        MapStore store = new MapStore();
        Checkpointer a = Checkpointer.builder().store(store).build();
        Checkpointer b = Checkpointer.builder().store(store).build();
        Manifest m = a.save(withSinks(1)).block();
        String key = "checkpoints/" + m.id().padded() + "/_sinks";
        // a reads "absent", then b creates the object before a's create-if-absent: a loses, reads again, replaces if-match
        store.beforeNextGet(key, () -> b.markSink(m.id(), "warehouse", SinkState.FAILED, "by b").block());
        a.markSink(m.id(), "kafka-out", SinkState.COMMITTED, "by a").block();
        assertThat(states(a, m.id())).containsEntry("kafka-out", SinkState.COMMITTED).containsEntry("warehouse", SinkState.FAILED);

        // and when the racing transition is the opposite one for the same sink, the loser is refused, not overwritten
        Manifest m2 = a.save(withSinks(2)).block();
        String key2 = "checkpoints/" + m2.id().padded() + "/_sinks";
        store.beforeNextGet(key2, () -> b.markSink(m2.id(), "kafka-out", SinkState.FAILED, "by b").block());
        assertThatThrownBy(() -> a.markSink(m2.id(), "kafka-out", SinkState.COMMITTED, "by a").block())
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SINK_STATE_CONFLICT));
        assertThat(states(a, m2.id())).containsEntry("kafka-out", SinkState.FAILED);
    }

    /**
     * "Sink statuses survive crashes at every step of their update": the update is a GET of {@code _sinks} then a
     * conditional PUT (twice when a first transition exists). For every store call of the update, crash before it
     * reaches the store and after it took effect (response lost): the status read back is the old or the new one,
     * never anything else, and repeating the transition converges on the new one.
     */
    @Test
    void sinkStatusesSurviveACrashAtEveryStepOfTheirUpdate() {
        for (boolean firstTransitionExists : new boolean[] {false, true}) {
            for (FaultingStore.Mode mode : FaultingStore.Mode.values()) {
                for (int at = 1; ; at++) {
                    MapStore raw = new MapStore();
                    FaultingStore store = new FaultingStore(raw, k -> k.endsWith("/_sinks"));
                    Checkpointer cp = Checkpointer.builder().store(store).build();
                    Manifest m = cp.save(withSinks(1)).block();
                    if (firstTransitionExists) {
                        cp.markSink(m.id(), "warehouse", SinkState.COMMITTED, null).block();
                    }
                    store.arm(at, mode);
                    String where = "crash " + mode + " call " + at + (firstTransitionExists ? " (object exists)" : " (no object yet)");
                    Throwable failure = null;
                    try {
                        cp.markSink(m.id(), "kafka-out", SinkState.COMMITTED, "txn").block();
                    } catch (RuntimeException e) {
                        failure = e;
                    }
                    int calls = store.matchingCalls();
                    store.arm(0, mode);
                    // a new process reads it back: the old status or the new one
                    Checkpointer restarted = Checkpointer.builder().store(raw).build();
                    Map<String, SinkState> seen = states(restarted, m.id());
                    assertThat(seen.get("kafka-out")).as(where).isIn(SinkState.PENDING, SinkState.COMMITTED);
                    assertThat(seen.get("warehouse")).as(where + ": the other sink is untouched")
                            .isEqualTo(firstTransitionExists ? SinkState.COMMITTED : SinkState.PENDING);
                    if (failure == null) {
                        assertThat(seen.get("kafka-out")).as(where + ": reported success").isEqualTo(SinkState.COMMITTED);
                    }
                    // the retry converges
                    assertThat(restarted.markSink(m.id(), "kafka-out", SinkState.COMMITTED, "txn").block().state()).as(where)
                            .isEqualTo(SinkState.COMMITTED);
                    assertThat(states(restarted, m.id())).as(where).containsEntry("kafka-out", SinkState.COMMITTED);
                    // and the opposite transition is refused afterwards, whatever the crash left
                    assertThatThrownBy(() -> restarted.markSink(m.id(), "kafka-out", SinkState.FAILED, null).block()).as(where)
                            .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.SINK_STATE_CONFLICT));
                    if (at > calls) {
                        assertThat(failure).as(where + ": past the last call nothing crashed").isNull();
                        assertThat(at).as("the update made at least a read and a write").isGreaterThanOrEqualTo(3);
                        break;
                    }
                    assertThat(failure).as(where).isNotNull();
                }
            }
        }
    }

    @Test
    void pruneKeepsTheSinkStatusesOfRetainedCheckpointsAndRetentionAndDeleteRemoveThemWithTheirCheckpoint() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).retention(Retention.keepLast(2)).orphanGracePeriod(Duration.ZERO).build();
        Manifest m1 = cp.save(withSinks(1)).block();
        cp.markSink(m1.id(), "kafka-out", SinkState.COMMITTED, null).block();
        Manifest m2 = cp.save(withSinks(2)).block();
        cp.markSink(m2.id(), "kafka-out", SinkState.COMMITTED, null).block();
        String s1 = "checkpoints/" + m1.id().padded() + "/_sinks";
        String s2 = "checkpoints/" + m2.id().padded() + "/_sinks";

        cp.prune().block();
        assertThat(store.keys()).as("retained members keep their sink statuses").contains(s1, s2);
        assertThat(states(cp, m1.id())).containsEntry("kafka-out", SinkState.COMMITTED);

        Manifest m3 = cp.save(withSinks(3)).block(); // keepLast(2): m1 expires with this save
        cp.markSink(m3.id(), "warehouse", SinkState.FAILED, null).block();
        assertThat(store.keys()).as("retention deletes the sink statuses of what it expires").doesNotContain(s1).contains(s2);

        cp.prune().block();
        assertThat(store.keys()).contains(s2, "checkpoints/" + m3.id().padded() + "/_sinks");
        assertThat(states(cp, m3.id())).containsEntry("warehouse", SinkState.FAILED);

        cp.delete(m2.id()).block();
        assertThat(store.keys()).as("delete(id) removes them with the checkpoint").doesNotContain(s2);
        cp.prune().block();
        assertThat(store.keys()).contains("checkpoints/" + m3.id().padded() + "/_sinks");
    }

    @Test
    void aSinkStatusObjectLeftUnderADeletedCheckpointIsSweptByPrune() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).orphanGracePeriod(Duration.ZERO).build();
        Manifest m1 = cp.save(withSinks(1)).block();
        cp.save(withSinks(2)).block();
        cp.delete(m1.id()).block();
        // a marker that raced with the delete: it lands after the directory was emptied
        String late = "checkpoints/" + m1.id().padded() + "/_sinks";
        store.putRaw(late, "{}".getBytes(StandardCharsets.UTF_8));
        cp.prune().block();
        assertThat(store.keys()).doesNotContain(late);
    }

    @Test
    void aCorruptStatusObjectIsReportedNotTakenForPending() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        Manifest m = cp.save(withSinks(1)).block();
        cp.markSink(m.id(), "kafka-out", SinkState.COMMITTED, null).block();
        String key = "checkpoints/" + m.id().padded() + "/_sinks";
        byte[] bytes = store.raw(key);
        String text = new String(bytes, StandardCharsets.UTF_8).replace("COMMITTED", "FAILED\u0020\u0020\u0020");
        store.putRaw(key, text.getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> cp.sinkStatuses(m.id()).block())
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_METADATA))
                .hasMessageContaining("_sinks");
    }
}

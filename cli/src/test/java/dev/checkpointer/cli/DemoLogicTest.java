package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** The demo's parts, deterministic: the source, the state, and the pipeline under virtual time. */
class DemoLogicTest {
    private static final Duration TICK = Duration.ofMillis(10);

    @Test
    void theSourceIsAFunctionOfSeedPartitionAndOffset() {
        ClickSource a = new ClickSource(42, 3, 30, 1000);
        ClickSource b = new ClickSource(42, 3, 30, 1000);
        ClickSource other = new ClickSource(43, 3, 30, 1000);
        assertThat(a.size(0) + a.size(1) + a.size(2)).isEqualTo(1000);
        boolean differs = false;
        for (int p = 0; p < 3; p++) {
            for (long o = 0; o < a.size(p); o++) {
                String user = a.userAt(p, o);
                assertThat(user).isEqualTo(b.userAt(p, o));
                assertThat(Long.parseLong(user.substring(5)) % 3).as("users are keyed to partitions").isEqualTo(p);
                differs |= !user.equals(other.userAt(p, o));
            }
        }
        assertThat(differs).isTrue();
        assertThat(a.countAll().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1000);
    }

    @Test
    void aPartitionIsReadFromAnOffsetAtItsPace() {
        ClickSource s = new ClickSource(1, 3, 9, 30); // 10 events per partition
        StepVerifier.withVirtualTime(() -> s.read(1, 5, 2, TICK))
                .expectSubscription()
                .expectNoEvent(TICK)
                .expectNext(s.at(1, 5), s.at(1, 6))
                .expectNoEvent(TICK.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectNext(s.at(1, 7), s.at(1, 8))
                .thenAwait(TICK)
                .expectNext(s.at(1, 9))
                .verifyComplete();
        StepVerifier.create(s.read(1, 10, 2, TICK)).verifyComplete();
    }

    @Test
    void theStateRefusesGapsAndRepeats() {
        ClickSource s = new ClickSource(1, 2, 4, 20);
        CountState state = CountState.fresh(s);
        state.apply(s.at(0, 0));
        state.apply(s.at(0, 1));
        assertThatThrownBy(() -> state.apply(s.at(0, 1))).hasMessageContaining("counted twice");
        assertThatThrownBy(() -> state.apply(s.at(0, 5))).hasMessageContaining("events lost");
        assertThat(state.position()).isEqualTo(2);
        Map<String, Long> counts = new HashMap<>(Map.of("user-1", 3L, "user-11", 12L));
        assertThat(CountState.decode(ByteBuffer.wrap(CountState.encode(counts)))).isEqualTo(counts);
    }

    @Test
    void snapshotsAreTakenBetweenEventsAndRecoveryReachesTheStraightCounts() {
        ClickSource source = new ClickSource(9, 2, 10, 200); // 100 per partition, 5 per tick: 20 ticks
        CountState state = CountState.fresh(source);
        Pipeline first = new Pipeline(source, state, "fp", Map.of(), p -> { });
        AtomicReference<Snapshot> taken = new AtomicReference<>();
        StepVerifier.withVirtualTime(() -> first.process(5, TICK))
                .expectSubscription()
                .thenAwait(Duration.ofMillis(30))
                .then(() -> first.snapshot().subscribe(taken::set))
                .then(() -> {
                    Snapshot s = taken.get();
                    assertThat(s).as("answered on the processing path at once").isNotNull();
                    assertThat(s.offsets().get(ClickSource.NAME)).containsEntry("0", "15").containsEntry("1", "15");
                    for (Snapshot.Partition p : s.partitions()) {
                        long counted = CountState.decode(bytes(p)).values().stream().mapToLong(Long::longValue).sum();
                        assertThat(counted).as("counts match offsets in partition %s", p.partition()).isEqualTo(15);
                    }
                    assertThat(first.sinceSnapshot()).isZero();
                    assertThat(first.snapshotsTaken()).isEqualTo(1);
                })
                .thenAwait(Duration.ofMillis(25)) // events after the snapshot: lost in the crash below
                .then(() -> assertThat(first.processed()).isEqualTo(50))
                .thenCancel() // the crash
                .verify(Duration.ofSeconds(10));

        String uri = Cli.memory();
        try (Checkpointer cp = Checkpointer.open(uri)) {
            cp.save(taken.get()).block(Duration.ofSeconds(10));
            Checkpoint latest = cp.latest().block(Duration.ofSeconds(10));
            CountState restored = CountState.restore(source, latest, Duration.ofSeconds(10));
            assertThat(restored.position()).isEqualTo(30);
            Pipeline second = new Pipeline(source, restored, "fp", Map.of(), p -> { });
            StepVerifier.withVirtualTime(() -> second.process(5, TICK))
                    .expectSubscription()
                    .thenAwait(Duration.ofMillis(200))
                    .then(() -> assertThat(second.drained()).isTrue())
                    .then(() -> assertThat(second.processed()).as("the 20 events lost are replayed").isEqualTo(170))
                    .thenCancel()
                    .verify(Duration.ofSeconds(10));
            assertThat(restored.totals()).isEqualTo(source.countAll());
        } finally {
            Cli.drop(uri);
        }
    }

    private static ByteBuffer bytes(Snapshot.Partition p) {
        return Buffers.join(p.payload().content()).map(ByteBuffer::wrap).block(Duration.ofSeconds(5));
    }
}

package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.EveryOptions;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.micrometer.CheckpointerMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** {@code every(..)}: keeps going after failures, reports each one, gives up only when asked or when hopeless. */
class EveryTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final Duration P = Duration.ofSeconds(1);

    private LogCapture logs;

    /** What the listener was told: "message|inARow". */
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final CheckpointListener listener = new CheckpointListener() {
        @Override
        public void onPeriodicCheckpointFailed(Throwable error, int consecutiveFailures) {
            failures.add(error.getMessage() + "|" + consecutiveFailures);
        }
    };

    @BeforeEach
    void captureLogs() {
        logs = new LogCapture("dev.checkpointer.internal.DefaultCheckpointer");
    }

    @AfterEach
    void releaseLogs() {
        logs.close();
    }

    private static Snapshot snapshot(int n) {
        return Snapshot.builder().partition("p", 0, Payload.of(new byte[] {(byte) n})).build();
    }

    @Test
    void keepsGoingAfterFailedSuppliersAndSavesAndReportsEachFailure() {
        MapStore store = new MapStore();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Checkpointer cp = Checkpointer.builder().store(store).listener(listener).meterRegistry(registry).build();
        AtomicInteger tick = new AtomicInteger();
        // tick 1: the supplier throws; 2: it returns an error; 3: it returns null; 4: the save fails (store refuses
        // writes); 5: commits; 6: the supplier throws again (the count starts over); 7: commits
        Supplier<Mono<Snapshot>> supplier = () -> {
            int n = tick.incrementAndGet();
            store.refusePuts = n == 4;
            return switch (n) {
                case 1, 6 -> throw new IllegalStateException("state is rebalancing");
                case 2 -> Mono.error(new IllegalStateException("snapshot timed out"));
                case 3 -> null;
                default -> Mono.just(snapshot(n));
            };
        };
        StepVerifier.withVirtualTime(() -> cp.every(P, supplier))
                .expectSubscription()
                .thenAwait(P.multipliedBy(4))
                .thenAwait(P)
                .assertNext(m -> assertThat(m.id().value()).isEqualTo(1))
                .thenAwait(P.multipliedBy(2))
                .assertNext(m -> assertThat(m.id().value()).isEqualTo(2))
                .thenCancel()
                .verify(T);

        assertThat(failures).hasSize(5);
        assertThat(failures.subList(0, 2)).containsExactly("state is rebalancing|1", "snapshot timed out|2");
        assertThat(failures.get(2)).endsWith("|3");
        assertThat(failures.get(3)).contains("write access revoked").endsWith("|4");
        assertThat(failures.get(4)).isEqualTo("state is rebalancing|1"); // the commit at tick 5 reset the count

        assertThat(registry.get(CheckpointerMeters.EVERY_FAILURES).tag(CheckpointerMeters.TAG_ERROR, "OTHER").counter().count()).isEqualTo(4);
        assertThat(registry.get(CheckpointerMeters.EVERY_FAILURES).tag(CheckpointerMeters.TAG_ERROR, "STORE_ACCESS_DENIED").counter().count())
                .isEqualTo(1);

        List<ILoggingEvent> warns = logs.events().stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertThat(warns).hasSize(5).allSatisfy(e -> {
            assertThat(e.getThrowableProxy()).as("no stack trace at WARN").isNull();
            assertThat(e.getFormattedMessage()).startsWith("periodic checkpoint failed at ").contains("trying again at the next tick");
        });
        assertThat(warns.get(0).getFormattedMessage()).contains("1 in a row, snapshot supplier").contains("IllegalStateException: state is rebalancing");
        assertThat(warns.get(3).getFormattedMessage()).contains("4 in a row, save").contains("write access revoked");
        List<ILoggingEvent> traces = logs.events().stream().filter(e -> e.getLevel() == Level.DEBUG && e.getThrowableProxy() != null).toList();
        assertThat(traces).hasSize(5);
    }

    @Test
    void givesUpAfterTheConfiguredFailuresInARowAndASuccessResetsTheCount() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).listener(listener).build();
        AtomicInteger tick = new AtomicInteger();
        // fail, commit, fail, fail: with giveUpAfter(2) the flux ends at tick 4, not at tick 3
        Supplier<Mono<Snapshot>> supplier = () -> {
            int n = tick.incrementAndGet();
            return n == 2 ? Mono.just(snapshot(n)) : Mono.error(new IllegalStateException("no state " + n));
        };
        StepVerifier.withVirtualTime(() -> cp.every(P, supplier, EveryOptions.giveUpAfter(2)))
                .expectSubscription()
                .thenAwait(P.multipliedBy(2))
                .expectNextCount(1)
                .thenAwait(P)
                .thenAwait(P)
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class).hasMessage("no state 4"))
                .verify(T);
        assertThat(failures).containsExactly("no state 1|1", "no state 3|1", "no state 4|2");
        assertThat(logs.events().stream().filter(e -> e.getLevel() == Level.WARN).toList().get(2).getFormattedMessage()).contains("giving up");
    }

    @Test
    void stopsAtOnceWhenTheCheckpointerIsClosed() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).listener(listener).build();
        AtomicInteger tick = new AtomicInteger();
        StepVerifier.withVirtualTime(() -> cp.every(P, () -> {
                    if (tick.incrementAndGet() == 2) {
                        cp.close();
                    }
                    return Mono.just(snapshot(tick.get()));
                }))
                .expectSubscription()
                .thenAwait(P)
                .expectNextCount(1)
                .thenAwait(P)
                .expectErrorSatisfies(e -> assertThat(((CheckpointException) e).code()).isEqualTo(ErrorCode.CLOSED))
                .verify(T);
        assertThat(failures).hasSize(1);
    }

    @Test
    void stopsAtOnceWhenTheWriterIsFenced() {
        MapStore store = new MapStore();
        Checkpointer zombie = Checkpointer.builder().store(store).listener(listener).build();
        zombie.save(snapshot(1)).block(T);
        Checkpointer.builder().store(store).build().save(snapshot(2)).block(T); // claims a newer epoch
        StepVerifier.withVirtualTime(() -> zombie.every(P, () -> Mono.just(snapshot(3))))
                .expectSubscription()
                .thenAwait(P)
                .expectErrorSatisfies(e -> assertThat(((ConcurrentCheckpointException) e).fenced()).isTrue())
                .verify(T);
        assertThat(failures).hasSize(1);
        assertThat(logs.events().stream().filter(e -> e.getLevel() == Level.WARN).findFirst().orElseThrow().getFormattedMessage())
                .contains("no later checkpoint can succeed, stopping");
    }

    @Test
    void refusesABadPeriodOrLimit() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        StepVerifier.create(cp.every(Duration.ZERO, () -> Mono.just(snapshot(1)))).expectError(InvalidInputException.class).verify(T);
        assertThatThrownBy(() -> EveryOptions.giveUpAfter(0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("at least 1");
        assertThat(EveryOptions.keepGoing().maxConsecutiveFailures()).isEmpty();
        assertThat(EveryOptions.giveUpAfter(3).maxConsecutiveFailures()).hasValue(3);
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class CheckpointerActuatorTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class, CheckpointerActuatorAutoConfiguration.class))
            .withPropertyValues("checkpointer.location=memory://actuator-" + UUID.randomUUID(), "management.endpoints.web.exposure.include=checkpoints");

    @Test
    void healthIsUpWithoutCheckpointAndReportsTheLatest() {
        runner.run(ctx -> {
            CheckpointerHealthIndicator health = ctx.getBean(CheckpointerHealthIndicator.class);
            Health empty = health.health().block();
            assertThat(empty.getStatus()).isEqualTo(Status.UP);
            assertThat(empty.getDetails()).containsEntry("latest", "none");

            Manifest m = ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block();
            Health after = health.health().block();
            assertThat(after.getStatus()).isEqualTo(Status.UP);
            assertThat(after.getDetails()).containsEntry("latestId", m.id().value()).containsKey("age");
        });
    }

    @Test
    void requiredCheckpointMissingIsDown() {
        runner.withPropertyValues("checkpointer.health.require-checkpoint=true").run(ctx ->
                assertThat(ctx.getBean(CheckpointerHealthIndicator.class).health().block().getStatus()).isEqualTo(Status.DOWN));
    }

    @Test
    void staleCheckpointIsDown() {
        Checkpointer cp = Checkpointer.builder().store(MemoryStore.create()).build();
        Manifest m = cp.save(TestSnapshots.of("x")).block();
        Instant later = m.createdAt().plus(Duration.ofMinutes(10));
        Clock clock = Clock.fixed(later, ZoneOffset.UTC);
        Health fresh = new CheckpointerHealthIndicator(cp, Duration.ofMinutes(15), false, Duration.ofSeconds(5), clock).health().block();
        assertThat(fresh.getStatus()).isEqualTo(Status.UP);
        assertThat(fresh.getDetails()).containsEntry("age", "PT10M").containsEntry("maxAge", "PT15M");
        Health stale = new CheckpointerHealthIndicator(cp, Duration.ofMinutes(5), false, Duration.ofSeconds(5), clock).health().block();
        assertThat(stale.getStatus()).isEqualTo(Status.DOWN);
        assertThat(stale.getDetails()).containsKey("reason");
        cp.close();
    }

    @Test
    void unreachableStoreIsDown() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withTransientRate(1.0));
        runner.withBean(ObjectStore.class, () -> store).withPropertyValues("checkpointer.retry.max-attempts=1").run(ctx -> {
            Health h = ctx.getBean(CheckpointerHealthIndicator.class).health().block();
            assertThat(h.getStatus()).isEqualTo(Status.DOWN);
            assertThat(h.getDetails()).containsEntry("error", "STORE_TRANSIENT");
            assertThat((String) h.getDetails().get("reason")).startsWith("the checkpoint store failed: get '_latest' failed:");
        });
    }

    /** checkpointer.operation-timeout reaches the builder: a paused store fails an operation at that deadline. */
    @Test
    void theOperationTimeoutPropertyBoundsStoreOperations() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withLatency(Duration.ofHours(1)));
        runner.withBean(ObjectStore.class, () -> store).withPropertyValues("checkpointer.operation-timeout=200ms").run(ctx ->
                assertThatThrownBy(() -> ctx.getBean(Checkpointer.class).latest().block(Duration.ofSeconds(30)))
                        .isInstanceOf(dev.checkpointer.StoreException.class)
                        .hasMessageContaining("did not complete within the 0.2s operation deadline"));
    }

    /** A store that does not answer (paused): DOWN within the health's own short timeout, with a reason in words. */
    @Test
    void aPausedStoreIsDownAtTheHealthTimeoutWithAReason() {
        Duration timeout = new CheckpointerProperties.Health().getTimeout();
        assertThat(timeout).as("default checkpointer.health.timeout").isEqualTo(Duration.ofSeconds(3));
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withLatency(Duration.ofHours(1)));
        Checkpointer cp = Checkpointer.builder().store(store).build();
        CheckpointerHealthCheck check = new CheckpointerHealthCheck(cp, null, false, timeout, Clock.systemUTC(), null);
        reactor.test.StepVerifier.withVirtualTime(check::check)
                .expectSubscription()
                .expectNoEvent(timeout.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .assertNext(v -> {
                    assertThat(v.up()).isFalse();
                    assertThat(v.details()).containsEntry("reason", "the checkpoint store did not answer within 3s (checkpointer.health.timeout)")
                            .containsEntry("error", "TIMEOUT");
                })
                .expectComplete()
                .verify(Duration.ofSeconds(10));
        cp.close();
    }

    // ------------------------------------------------------------------------------------------ pointer recovery

    /**
     * A lost _latest is DOWN (saves are refused until an operator repairs it), with what is wrong, what reads use and
     * what to do; UP again once the pointer is repaired.
     */
    @Test
    void aLostPointerIsDownUntilRepaired() {
        String name = "actuator-pointer-" + UUID.randomUUID();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class, CheckpointerActuatorAutoConfiguration.class))
                .withPropertyValues("checkpointer.location=memory://" + name)
                .run(ctx -> {
                    Checkpointer cp = ctx.getBean(Checkpointer.class);
                    assertThat(ctx).hasSingleBean(PointerRecoveryTracker.class);
                    CheckpointerHealthIndicator health = ctx.getBean(CheckpointerHealthIndicator.class);
                    cp.save(TestSnapshots.of("a")).block();
                    cp.save(TestSnapshots.of("b")).block();
                    Health sound = health.health().block();
                    assertThat(sound.getStatus()).isEqualTo(Status.UP);
                    assertThat(sound.getDetails()).containsEntry("pointer", "ok").doesNotContainKey("pointerRecoveries");

                    MemoryStore.named(name).delete("_latest").block();
                    Health lost = health.health().block();
                    assertThat(lost.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(lost.getDetails()).containsEntry("pointer", "lost").containsEntry("recoveredId", 2L).containsEntry("latestId", 2L)
                            .containsEntry("pointerRecoveries", 1L).containsKey("age");
                    assertThat((String) lost.getDetails().get("pointerProblem")).contains("missing");
                    assertThat((String) lost.getDetails().get("reason")).contains("every save is refused");
                    assertThat((String) lost.getDetails().get("action")).contains("stop every writer").contains("repairPointer()");
                    assertThat(health.health().block().getStatus()).as("stays DOWN while the pointer is lost").isEqualTo(Status.DOWN);
                    assertThatThrownBy(() -> cp.save(TestSnapshots.of("c")).block()).isInstanceOf(CheckpointException.class);

                    cp.repairPointer().block();
                    Health repaired = health.health().block();
                    assertThat(repaired.getStatus()).isEqualTo(Status.UP);
                    assertThat(repaired.getDetails()).containsEntry("pointer", "ok").containsEntry("latestId", 2L)
                            .doesNotContainKeys("pointerProblem", "recoveredId");
                    assertThat((Long) repaired.getDetails().get("pointerRecoveries")).as("the history stays visible").isGreaterThanOrEqualTo(2L);
                });
        MemoryStore.dropNamed(name);
    }

    /** A checkpointer the application builds itself is judged too once it is given the tracker; a corrupt pointer counts. */
    @Test
    void aCorruptPointerIsDownForAnApplicationBuiltCheckpointerGivenTheTracker() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        PointerRecoveryTracker tracker = new PointerRecoveryTracker();
        try (Checkpointer cp = Checkpointer.builder().store(store).listener(tracker).build()) {
            cp.save(TestSnapshots.of("a")).block();
            cp.save(TestSnapshots.of("b")).block();
            store.flipByte("_latest", 40);
            CheckpointerHealthIndicator health = new CheckpointerHealthIndicator(cp, null, false, Duration.ofSeconds(5), Clock.systemUTC(), tracker);
            Health h = health.health().block();
            assertThat(h.getStatus()).isEqualTo(Status.DOWN);
            assertThat(h.getDetails()).containsEntry("pointer", "lost").containsEntry("recoveredId", 2L);
            assertThat((String) h.getDetails().get("pointerProblem")).contains("corrupt");
            assertThat(tracker.last().recovered().value()).isEqualTo(2);

            // Without the tracker the indicator does not judge the pointer (and says nothing about it).
            Health blind = new CheckpointerHealthIndicator(cp, null, false, Duration.ofSeconds(5), Clock.systemUTC()).health().block();
            assertThat(blind.getStatus()).isEqualTo(Status.UP);
            assertThat(blind.getDetails()).doesNotContainKey("pointer");
        }
    }

    /** When no chain verifies, reads find nothing: still DOWN (not "none yet"), with recoveredId none. */
    @Test
    void aLostPointerWithNothingToRecoverIsDownEvenWithoutRequireCheckpoint() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        PointerRecoveryTracker tracker = new PointerRecoveryTracker();
        try (Checkpointer cp = Checkpointer.builder().store(store).listener(tracker).build()) {
            cp.save(TestSnapshots.of("a")).block();
            cp.save(TestSnapshots.of("b")).block();
            store.flipByte("_latest", 40);
            store.keys().stream().filter(k -> k.endsWith("manifest.json")).forEach(k -> store.flipByte(k, 40));
            Health h = new CheckpointerHealthIndicator(cp, null, false, Duration.ofSeconds(5), Clock.systemUTC(), tracker).health().block();
            assertThat(h.getStatus()).isEqualTo(Status.DOWN);
            assertThat(h.getDetails()).containsEntry("latest", "none").containsEntry("pointer", "lost").containsEntry("recoveredId", "none");
        }
    }

    @Test
    void healthIndicatorCanBeDisabled() {
        runner.withPropertyValues("management.health.checkpointer.enabled=false").run(ctx ->
                assertThat(ctx).hasNotFailed().doesNotHaveBean(CheckpointerHealthIndicator.class).doesNotHaveBean(PointerRecoveryTracker.class));
    }

    @Test
    void endpointListsNewestFirstAndShowsOne() {
        runner.withPropertyValues("checkpointer.endpoint.limit=2").run(ctx -> {
            Checkpointer cp = ctx.getBean(Checkpointer.class);
            cp.save(TestSnapshots.of("a")).block();
            cp.save(TestSnapshots.of("bb")).block();
            Manifest third = cp.save(TestSnapshots.of("ccc")).block();
            CheckpointsEndpoint endpoint = ctx.getBean(CheckpointsEndpoint.class);
            var list = endpoint.checkpoints().checkpoints();
            assertThat(list).hasSize(2);
            assertThat(list.get(0).id()).isEqualTo(third.id().value());
            assertThat(list.get(0).bytes()).isEqualTo(3);
            assertThat(list.get(0).id()).isGreaterThan(list.get(1).id());

            var details = endpoint.checkpoint(third.id().value());
            assertThat(details.partitions()).singleElement().satisfies(p -> {
                assertThat(p.operator()).isEqualTo("counts");
                assertThat(p.size()).isEqualTo(3);
            });
            assertThat(details.offsets()).containsKey("events");
            assertThat(endpoint.checkpoint(999)).isNull();
        });
    }

    @Test
    void endpointSelectorKeepsItsParameterName() throws NoSuchMethodException {
        // actuator maps /actuator/checkpoints/{id} by the parameter's name: the starter compiles with -parameters
        var parameter = CheckpointsEndpoint.class.getMethod("checkpoint", long.class).getParameters()[0];
        assertThat(parameter.isNamePresent()).isTrue();
        assertThat(parameter.getName()).isEqualTo("id");
    }

    @Test
    void endpointIsAbsentUnlessExposed() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class, CheckpointerActuatorAutoConfiguration.class))
                .withPropertyValues("checkpointer.location=memory://actuator-" + UUID.randomUUID())
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(CheckpointsEndpoint.class).hasSingleBean(CheckpointerHealthIndicator.class));
    }

    @Test
    void withoutActuatorTheStarterStillWorks() {
        runner.withClassLoader(new FilteredClassLoader(Endpoint.class)).run(ctx ->
                assertThat(ctx).hasNotFailed().hasSingleBean(Checkpointer.class).doesNotHaveBean(CheckpointerHealthIndicator.class));
    }
}

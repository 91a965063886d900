package dev.checkpointer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.StoreException;
import dev.checkpointer.micrometer.CheckpointerMeters;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class CheckpointerMetricsTest {

    private final ApplicationContextRunner bare = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class, CheckpointerMetricsAutoConfiguration.class));
    private final ApplicationContextRunner runner = bare.withPropertyValues("checkpointer.location=memory://metrics-" + UUID.randomUUID());

    @Test
    void savesAndStoreRequestsAreMeteredWithLowCardinalityTags() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withPropertyValues("checkpointer.inline-threshold=0").run(ctx -> {
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            Checkpointer cp = ctx.getBean(Checkpointer.class);
            cp.save(TestSnapshots.of("twelve bytes")).block();
            cp.latest().flatMap(c -> c.read("counts", 0)).block();

            assertThat(registry.get(CheckpointerMeters.SAVE).tag("store", "memory").tag("outcome", "committed").tag("error", "none")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.SAVE_SIZE).summary().totalAmount()).isEqualTo(12);
            assertThat(registry.get(CheckpointerMeters.STORE_REQUESTS).tag("operation", "put").tag("outcome", "success")
                    .timer().count()).isGreaterThanOrEqualTo(2);
            assertThat(registry.get(CheckpointerMeters.STORE_BYTES_WRITTEN).counter().count()).isGreaterThan(12);
            assertThat(registry.get(CheckpointerMeters.STORE_BYTES_READ).counter().count()).isGreaterThanOrEqualTo(12);
            assertThat(registry.get(CheckpointerMeters.LOAD).tag("store", "memory").tag("operation", "latest").tag("outcome", "found")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get(CheckpointerMeters.READ).tag("store", "memory").tag("outcome", "success").timer().count()).isEqualTo(1);
            // every tag value comes from a fixed set: no keys, ids or paths
            registry.getMeters().forEach(m -> m.getId().getTags().forEach(t -> assertThat(t.getValue()).doesNotContain("/")));
        });
    }

    @Test
    void throttlingIsCountedAsRetriesAndThrottles() {
        FaultInjectingStore store = new FaultInjectingStore(MemoryStore.create());
        store.inject(FaultInjectingStore.Plan.none().withThrottleRate(1.0));
        bare.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withBean(ObjectStore.class, () -> store)
                .withPropertyValues("checkpointer.retry.max-attempts=2", "checkpointer.retry.initial-delay=1ms", "checkpointer.retry.max-delay=1ms")
                .run(ctx -> {
                    MeterRegistry registry = ctx.getBean(MeterRegistry.class);
                    Checkpointer cp = ctx.getBean(Checkpointer.class);
                    assertThatThrownBy(() -> cp.save(TestSnapshots.of("x")).block()).isInstanceOf(StoreException.class);
                    assertThat(registry.get(CheckpointerMeters.THROTTLES).counters()).isNotEmpty();
                    assertThat(registry.get(CheckpointerMeters.RETRIES).tag("reason", "throttled").counter().count()).isGreaterThanOrEqualTo(1);
                    assertThat(registry.get(CheckpointerMeters.SAVE).tag("store", "memory").tag("outcome", "failed")
                            .tag("error", "STORE_THROTTLED").timer().count())
                            .isEqualTo(1);
                    assertThat(registry.get(CheckpointerMeters.STORE_REQUESTS).tag("outcome", "STORE_THROTTLED").timers()).isNotEmpty();
                });
    }

    @Test
    void pointerRecoveriesAreCounted() {
        String name = "metrics-recovery-" + UUID.randomUUID();
        bare.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withPropertyValues("checkpointer.location=memory://" + name).run(ctx -> {
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            Checkpointer cp = ctx.getBean(Checkpointer.class);
            cp.save(TestSnapshots.of("one")).block();
            cp.save(TestSnapshots.of("two")).block();
            cp.latest().block();
            assertThat(registry.find(CheckpointerMeters.POINTER_RECOVERIES).counters()).as("a sound pointer is not counted").isEmpty();

            MemoryStore.named(name).delete("_latest").block();
            assertThat(cp.latest().block().manifest().id().value()).as("reads recover").isEqualTo(2);
            assertThat(registry.get(CheckpointerMeters.POINTER_RECOVERIES).tag("store", "memory").tag("outcome", "recovered")
                    .counter().count()).isEqualTo(1);
            cp.repairPointer().block();
            cp.latest().block();
            assertThat(registry.get(CheckpointerMeters.POINTER_RECOVERIES).counter().count()).as("not after the repair").isEqualTo(1);
        });
        MemoryStore.dropNamed(name);
    }

    @Test
    void storeTagIsTheScheme() {
        assertThat(CheckpointerMeters.schemeOf("s3://bucket/prefix")).isEqualTo("s3");
        assertThat(CheckpointerMeters.schemeOf("file:/data")).isEqualTo("file");
        assertThat(CheckpointerMeters.schemeOf("AZBLOB://c")).isEqualTo("azblob");
        assertThat(CheckpointerMeters.schemeOf("no scheme here")).isEqualTo("custom");
        assertThat(CheckpointerMeters.schemeOf(null)).isEqualTo("custom");
    }

    @Test
    void theRegistryReachesTheCoreThroughACustomizer() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasBean(CheckpointerMetricsAutoConfiguration.CUSTOMIZER_BEAN)
                    .doesNotHaveBean(ObjectStoreDecorator.class);
            // the checkpointer is metered: a save is timed in the context's registry
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block();
            assertThat(ctx.getBean(MeterRegistry.class).get(CheckpointerMeters.SAVE).timer().count()).isEqualTo(1);
            // the ObjectStore bean itself stays unwrapped; only the checkpointer's view of it is metered
            assertThat(MemoryStore.reopen(ctx.getBean(ObjectStore.class)).describe()).startsWith("memory://"); // refuses wrappers
        });
    }

    @Test
    void theStoreTagOfAUserStoreBeanIsItsScheme() {
        bare.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withBean(ObjectStore.class, MemoryStore::create).run(ctx -> {
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block();
            assertThat(ctx.getBean(MeterRegistry.class).get(CheckpointerMeters.SAVE).tag("store", "memory").timer().count()).isEqualTo(1);
        });
    }

    @Test
    void noRegistryMeansNoMetrics() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(CheckpointerMetricsAutoConfiguration.CUSTOMIZER_BEAN).hasSingleBean(Checkpointer.class);
            // nothing is metered, so a save leaves no meter anywhere the checkpointer could have reached
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block();
            assertThat(ctx.getBeansOfType(MeterRegistry.class)).isEmpty();
        });
    }

    @Test
    void withoutMicrometerOnTheClassPathTheStarterStillWorks() {
        runner.withClassLoader(new FilteredClassLoader(MeterRegistry.class)).run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(CheckpointerMetricsAutoConfiguration.CUSTOMIZER_BEAN).hasSingleBean(Checkpointer.class);
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block();
        });
    }

    @Test
    void metricsCanBeTurnedOff() {
        runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).withPropertyValues("checkpointer.metrics.enabled=false").run(ctx -> {
            assertThat(ctx).hasNotFailed().doesNotHaveBean(CheckpointerMetricsAutoConfiguration.CUSTOMIZER_BEAN);
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block();
            assertThat(ctx.getBean(MeterRegistry.class).find(CheckpointerMeters.SAVE).meters()).isEmpty();
        });
    }
}

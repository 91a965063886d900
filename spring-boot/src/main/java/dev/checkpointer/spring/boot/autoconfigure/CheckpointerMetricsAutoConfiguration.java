package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.micrometer.CheckpointerMeters;
import dev.checkpointer.spi.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;

/**
 * Micrometer metrics for the auto-configured {@link Checkpointer}, when Micrometer and a {@link MeterRegistry} bean
 * are present: a {@link CheckpointerBuilderCustomizer} that hands the registry to
 * {@link CheckpointerBuilder#meterRegistry(MeterRegistry, Iterable)}. The meters themselves (saves, loads, partition
 * reads, retries, throttles, integrity failures, fencing refusals, corrupt checkpoints, pointer recoveries
 * ({@value CheckpointerMeters#POINTER_RECOVERIES}: reads that found {@code _latest} missing or corrupt), requests and
 * bytes per store operation) are the core's: see {@link CheckpointerMeters}. Turned off with {@code checkpointer.metrics.enabled=false}.
 *
 * <p>It must run after the auto-configurations that define the {@code MeterRegistry} bean, or its
 * {@code @ConditionalOnBean} sees none and the meters silently go missing; those moved package in Spring Boot 4, so
 * both generations' names are listed.
 */
@AutoConfiguration(before = CheckpointerAutoConfiguration.class, afterName = {
        // Spring Boot 3 (spring-boot-actuator-autoconfigure)
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
        // Spring Boot 4 (spring-boot-micrometer-metrics)
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({Checkpointer.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "checkpointer.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
public class CheckpointerMetricsAutoConfiguration {
    /** Name of the customizer bean; define a bean of this name to replace it. */
    public static final String CUSTOMIZER_BEAN = "checkpointerMetricsCustomizer";

    /** Used by Spring. */
    public CheckpointerMetricsAutoConfiguration() {}

    /**
     * Passes the registry to the builder of the auto-configured checkpointer. The {@code store} tag is the scheme of
     * {@code checkpointer.location}, or of the application's own {@code ObjectStore} bean when no location is set
     * (as before the meters moved into the core, so dashboards keep working).
     *
     * @param registry the registry
     * @param properties the settings
     * @param stores the store bean, if any
     * @return the customizer, applied first so that an application customizer can still change the registry
     */
    @Bean(CUSTOMIZER_BEAN)
    @ConditionalOnMissingBean(name = CUSTOMIZER_BEAN)
    @org.springframework.core.annotation.Order(org.springframework.core.Ordered.HIGHEST_PRECEDENCE)
    public CheckpointerBuilderCustomizer checkpointerMetricsCustomizer(ObjectProvider<MeterRegistry> registry, CheckpointerProperties properties,
            ObjectProvider<ObjectStore> stores) {
        return builder -> builder.meterRegistry(registry.getObject(), Tags.of(CheckpointerMeters.TAG_STORE, storeTag(properties, stores)));
    }

    private static String storeTag(CheckpointerProperties properties, ObjectProvider<ObjectStore> stores) {
        if (properties.getLocation() != null && !properties.getLocation().isBlank()) {
            return CheckpointerMeters.schemeOf(properties.getLocation());
        }
        ObjectStore bean = stores.getIfUnique();
        return bean == null ? "custom" : CheckpointerMeters.storeTag(bean);
    }
}

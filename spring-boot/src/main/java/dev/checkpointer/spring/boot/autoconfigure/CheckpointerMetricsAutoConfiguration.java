package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.micrometer.CheckpointerMeters;
import dev.checkpointer.micrometer.MeteredObjectStore;
import dev.checkpointer.micrometer.MicrometerCheckpointListener;
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
 * are present: a {@link MicrometerCheckpointListener} (saves, retries, throttles, integrity failures, fencing
 * refusals, corrupt checkpoints) and a {@link MeteredObjectStore} decorator (requests and bytes per store operation).
 * Turned off with {@code checkpointer.metrics.enabled=false}.
 */
@AutoConfiguration(before = CheckpointerAutoConfiguration.class, afterName = {
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({Checkpointer.class, MeterRegistry.class})
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnProperty(prefix = "checkpointer.metrics", name = "enabled", havingValue = "true", matchIfMissing = true)
public class CheckpointerMetricsAutoConfiguration {

    /** Used by Spring. */
    public CheckpointerMetricsAutoConfiguration() {}

    /**
     * Records save, retry and integrity meters. The store tag is the scheme of {@code checkpointer.location}, or of
     * the application's own {@code ObjectStore} bean when no location is set.
     *
     * @param registry the registry
     * @param properties the settings
     * @param stores the store bean, if any
     * @return the listener, picked up by the auto-configured checkpointer
     */
    @Bean
    @ConditionalOnMissingBean
    public MicrometerCheckpointListener checkpointerMetricsListener(ObjectProvider<MeterRegistry> registry, CheckpointerProperties properties,
            ObjectProvider<ObjectStore> stores) {
        String store;
        if (properties.getLocation() != null && !properties.getLocation().isBlank()) {
            store = CheckpointerMeters.schemeOf(properties.getLocation());
        } else {
            ObjectStore bean = stores.getIfUnique();
            store = bean == null ? "custom" : CheckpointerMeters.storeTag(bean);
        }
        return new MicrometerCheckpointListener(registry.getObject(), store, Tags.empty());
    }

    /**
     * Meters every store request of the auto-configured checkpointer.
     *
     * @param registry the registry
     * @return the decorator
     */
    @Bean
    public ObjectStoreDecorator checkpointerMetricsStoreDecorator(ObjectProvider<MeterRegistry> registry) {
        return store -> new MeteredObjectStore(store, registry.getObject());
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Checkpointer;
import java.time.Clock;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.health.ReactiveHealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator support, when Spring Boot Actuator is on the class path and a {@link Checkpointer} bean exists (the
 * auto-configured one or the application's): the {@code checkpointer} health indicator and the read-only
 * {@code checkpoints} endpoint.
 */
@AutoConfiguration(after = CheckpointerAutoConfiguration.class)
@ConditionalOnClass({Checkpointer.class, Endpoint.class, ReactiveHealthIndicator.class})
public class CheckpointerActuatorAutoConfiguration {

    /** Used by Spring. */
    public CheckpointerActuatorAutoConfiguration() {}

    /**
     * The health indicator, enabled unless {@code management.health.checkpointer.enabled=false}, and the listener that
     * lets it see pointer recoveries (a {@link dev.checkpointer.CheckpointListener} bean, so the auto-configured
     * checkpointer is given it).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(Checkpointer.class)
    @ConditionalOnEnabledHealthIndicator("checkpointer")
    static class HealthConfiguration {

        /**
         * Counts the reads that had to recover a missing or corrupt {@code _latest}.
         *
         * @return the tracker
         */
        @Bean
        @ConditionalOnMissingBean
        PointerRecoveryTracker checkpointerPointerRecoveryTracker() {
            return new PointerRecoveryTracker();
        }

        /**
         * The health indicator.
         *
         * @param checkpointer the checkpointer
         * @param properties the settings ({@code checkpointer.health.*})
         * @param recoveries the pointer-recovery tracker
         * @return the indicator
         */
        @Bean
        @ConditionalOnMissingBean(name = "checkpointerHealthIndicator")
        CheckpointerHealthIndicator checkpointerHealthIndicator(Checkpointer checkpointer, CheckpointerProperties properties,
                PointerRecoveryTracker recoveries) {
            CheckpointerProperties.Health h = properties.getHealth();
            return new CheckpointerHealthIndicator(checkpointer, h.getMaxAge(), h.isRequireCheckpoint(), h.getTimeout(), Clock.systemUTC(),
                    recoveries);
        }
    }

    /** The endpoint, when exposed ({@code management.endpoints.web.exposure.include=checkpoints}). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean(Checkpointer.class)
    @ConditionalOnAvailableEndpoint(endpoint = CheckpointsEndpoint.class)
    static class EndpointConfiguration {

        /**
         * The endpoint.
         *
         * @param checkpointer the checkpointer
         * @param properties the settings ({@code checkpointer.endpoint.*})
         * @return the endpoint
         */
        @Bean
        @ConditionalOnMissingBean
        CheckpointsEndpoint checkpointsEndpoint(Checkpointer checkpointer, CheckpointerProperties properties) {
            return new CheckpointsEndpoint(checkpointer, properties.getEndpoint().getLimit(), properties.getEndpoint().getTimeout());
        }
    }
}

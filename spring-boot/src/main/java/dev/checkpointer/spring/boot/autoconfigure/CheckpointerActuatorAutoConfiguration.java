package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Checkpointer;
import java.time.Clock;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Actuator support, when Spring Boot Actuator is on the class path and a {@link Checkpointer} bean exists (the
 * auto-configured one or the application's): the {@code checkpointer} health component, the read-only
 * {@code checkpoints} endpoint, and the masking of checkpointer secrets in {@code /actuator/configprops} and
 * {@code /actuator/env}.
 *
 * <p>One jar serves Spring Boot 3.3 to 4.1. The endpoint and sanitizing APIs kept their packages across the
 * generations; the health API did not (Boot 3: {@code org.springframework.boot.actuate.health}, Boot 4:
 * {@code org.springframework.boot.health.contributor}), so each generation has its own nested configuration, selected
 * by a class-name condition on that generation's health API. Every class that exists in only one generation is named
 * by a string, never by a class literal, so that reading this class's annotations never needs it.
 */
@AutoConfiguration(after = CheckpointerAutoConfiguration.class)
@ConditionalOnClass({Checkpointer.class, Endpoint.class})
public class CheckpointerActuatorAutoConfiguration {
    /** Boot 3's reactive health indicator type. */
    static final String BOOT3_HEALTH_API = "org.springframework.boot.actuate.health.ReactiveHealthIndicator";
    /** Boot 4's reactive health indicator type (module spring-boot-health). */
    static final String BOOT4_HEALTH_API = "org.springframework.boot.health.contributor.ReactiveHealthIndicator";
    /** Name of the health indicator bean: the health component is named after it, {@code checkpointer}. */
    static final String HEALTH_BEAN = "checkpointerHealthIndicator";

    /** Used by Spring. */
    public CheckpointerActuatorAutoConfiguration() {}

    /** The Boot-independent check the health component renders, from {@code checkpointer.health.*}. */
    static CheckpointerHealthCheck healthCheck(Checkpointer checkpointer, CheckpointerProperties properties, PointerRecoveryTracker recoveries) {
        CheckpointerProperties.Health h = properties.getHealth();
        return new CheckpointerHealthCheck(checkpointer, h.getMaxAge(), h.isRequireCheckpoint(), h.getTimeout(), Clock.systemUTC(), recoveries);
    }

    /**
     * Spring Boot 3: the health indicator, enabled unless {@code management.health.checkpointer.enabled=false}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = BOOT3_HEALTH_API)
    @ConditionalOnBean(Checkpointer.class)
    @org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator("checkpointer")
    @Import(PointerRecoveryConfiguration.class)
    static class Boot3HealthConfiguration {
        @Bean(HEALTH_BEAN)
        @ConditionalOnMissingBean(name = HEALTH_BEAN)
        CheckpointerHealthIndicator checkpointerHealthIndicator(Checkpointer checkpointer, CheckpointerProperties properties,
                PointerRecoveryTracker recoveries) {
            return new CheckpointerHealthIndicator(healthCheck(checkpointer, properties, recoveries));
        }
    }

    /**
     * Spring Boot 4: the same health component over {@code spring-boot-health}, enabled unless
     * {@code management.health.checkpointer.enabled=false}.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = BOOT4_HEALTH_API)
    @ConditionalOnBean(Checkpointer.class)
    @org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator("checkpointer")
    @Import(PointerRecoveryConfiguration.class)
    static class Boot4HealthConfiguration {
        @Bean(HEALTH_BEAN)
        @ConditionalOnMissingBean(name = HEALTH_BEAN)
        Boot4CheckpointerHealthIndicator checkpointerHealthIndicator(Checkpointer checkpointer, CheckpointerProperties properties,
                PointerRecoveryTracker recoveries) {
            return new Boot4CheckpointerHealthIndicator(healthCheck(checkpointer, properties, recoveries));
        }
    }

    /**
     * Masks checkpointer secrets in {@code /actuator/configprops} and {@code /actuator/env}, whatever their
     * {@code show-values} setting (see {@link CheckpointerSanitizingFunction}).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class SanitizingConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "checkpointerSanitizingFunction")
        org.springframework.boot.actuate.endpoint.SanitizingFunction checkpointerSanitizingFunction(
                ObjectProvider<CheckpointerProperties> properties) {
            return new CheckpointerSanitizingFunction(properties::getIfAvailable);
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

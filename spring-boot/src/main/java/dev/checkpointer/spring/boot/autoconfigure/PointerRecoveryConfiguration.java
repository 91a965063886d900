package dev.checkpointer.spring.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@link PointerRecoveryTracker} the health component judges the pointer with: a
 * {@link dev.checkpointer.CheckpointListener} bean, so the auto-configured checkpointer is given it. Imported by the
 * health configuration of whichever Spring Boot generation is present, and only when the health component is enabled.
 */
@Configuration(proxyBeanMethods = false)
class PointerRecoveryConfiguration {

    @Bean
    @ConditionalOnMissingBean
    PointerRecoveryTracker checkpointerPointerRecoveryTracker() {
        return new PointerRecoveryTracker();
    }
}

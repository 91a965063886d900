package dev.checkpointer.spring.boot.autoconfigure;

import java.util.Objects;
import org.springframework.boot.health.contributor.AbstractReactiveHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import reactor.core.publisher.Mono;

/**
 * The {@code checkpointer} health component on Spring Boot 4, whose health API lives in
 * {@code org.springframework.boot.health.contributor} (module {@code spring-boot-health}). Same statuses and details
 * as {@link CheckpointerHealthIndicator}, the Boot 3 one: both render a {@link CheckpointerHealthCheck}. Compiled
 * against the Boot 4 API and only ever loaded when that API is on the class path (see
 * {@link CheckpointerActuatorAutoConfiguration}).
 */
final class Boot4CheckpointerHealthIndicator extends AbstractReactiveHealthIndicator {
    private final CheckpointerHealthCheck check;

    Boot4CheckpointerHealthIndicator(CheckpointerHealthCheck check) {
        super(CheckpointerHealthCheck.FAILURE_MESSAGE);
        this.check = Objects.requireNonNull(check, "check");
    }

    @Override
    protected Mono<Health> doHealthCheck(Health.Builder builder) {
        return check.check().map(v -> (v.up() ? builder.up() : builder.down()).withDetails(v.details()).build());
    }
}

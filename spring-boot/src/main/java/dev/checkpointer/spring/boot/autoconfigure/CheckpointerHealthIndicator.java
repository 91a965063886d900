package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.springframework.boot.actuate.health.AbstractReactiveHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import reactor.core.publisher.Mono;

/**
 * Health of the checkpointer: the store is reachable (the latest checkpoint can be found and its manifest verifies),
 * and the latest checkpoint is not older than a configured maximum. Details: the latest id, epoch, creation time and
 * age. DOWN when the store fails, when the latest checkpoint is too old, or (if required) when there is none.
 */
public class CheckpointerHealthIndicator extends AbstractReactiveHealthIndicator {
    private final Checkpointer checkpointer;
    private final Duration maxAge;
    private final boolean requireCheckpoint;
    private final Duration timeout;
    private final Clock clock;

    /**
     * Creates the indicator.
     *
     * @param checkpointer the checkpointer to check
     * @param maxAge the maximum age of the latest checkpoint, or null not to judge age
     * @param requireCheckpoint whether having no checkpoint at all is DOWN
     * @param timeout how long one check may wait for the store
     * @param clock the clock ages are measured with
     */
    public CheckpointerHealthIndicator(Checkpointer checkpointer, Duration maxAge, boolean requireCheckpoint, Duration timeout, Clock clock) {
        super("Checkpoint store health check failed");
        this.checkpointer = Objects.requireNonNull(checkpointer, "checkpointer");
        this.maxAge = maxAge;
        this.requireCheckpoint = requireCheckpoint;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    protected Mono<Health> doHealthCheck(Health.Builder builder) {
        return checkpointer.latest()
                .map(cp -> judge(builder, cp.manifest()))
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    builder.withDetail("latest", "none");
                    return (requireCheckpoint ? builder.down() : builder.up()).build();
                }))
                .timeout(timeout);
    }

    private Health judge(Health.Builder builder, Manifest m) {
        builder.withDetail("latestId", m.id() == null ? null : m.id().value()).withDetail("epoch", m.epoch());
        if (m.createdAt() == null) {
            return builder.up().build();
        }
        Duration age = Duration.between(m.createdAt(), Instant.now(clock));
        builder.withDetail("createdAt", m.createdAt().toString()).withDetail("age", age.toString());
        if (maxAge != null) {
            builder.withDetail("maxAge", maxAge.toString());
            if (age.compareTo(maxAge) > 0) {
                return builder.down().withDetail("reason", "the latest checkpoint is older than the maximum age").build();
            }
        }
        return builder.up().build();
    }
}

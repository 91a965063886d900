package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.springframework.boot.actuate.health.AbstractReactiveHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.lang.Nullable;
import reactor.core.publisher.Mono;

/**
 * Health of the checkpointer: the store is reachable (the latest checkpoint can be found and its manifest verifies),
 * the pointer {@code _latest} is sound, and the latest checkpoint is not older than a configured maximum. Details: the
 * latest id, epoch, creation time and age, and {@code pointer} ({@code ok} or {@code lost}).
 *
 * <p>DOWN when the store fails, when the latest checkpoint is too old, (if required) when there is none, and when the
 * check's own read had to recover a missing or corrupt {@code _latest} from the manifests. The last is DOWN, not
 * OUT_OF_SERVICE, because nothing took the checkpointer out of service on purpose: reads still work (from the
 * recovered chain) but every save is refused until an operator repairs the pointer, so checkpoints silently stop;
 * the details say what is wrong ({@code pointerProblem}), what reads use ({@code recoveredId}) and what to do
 * ({@code action}). It turns UP again by itself once a check finds the pointer sound (repaired). Seeing recoveries needs
 * the {@link PointerRecoveryTracker} bean registered as a listener of the checkpointer, as it is for the
 * auto-configured one.
 */
public class CheckpointerHealthIndicator extends AbstractReactiveHealthIndicator {
    /** What the health details say an operator should do about a lost pointer. */
    static final String REPAIR_ACTION = "stop every writer of the location, then repair the pointer: Checkpointer.repairPointer(), "
            + "or 'checkpointer repair <uri>' (or set repairPointerOnSave on the builder to let the next save repair it)";

    private final Checkpointer checkpointer;
    private final Duration maxAge;
    private final boolean requireCheckpoint;
    private final Duration timeout;
    private final Clock clock;
    private final @Nullable PointerRecoveryTracker recoveries;

    /**
     * Creates the indicator without pointer-recovery tracking.
     *
     * @param checkpointer the checkpointer to check
     * @param maxAge the maximum age of the latest checkpoint, or null not to judge age
     * @param requireCheckpoint whether having no checkpoint at all is DOWN
     * @param timeout how long one check may wait for the store
     * @param clock the clock ages are measured with
     */
    public CheckpointerHealthIndicator(Checkpointer checkpointer, Duration maxAge, boolean requireCheckpoint, Duration timeout, Clock clock) {
        this(checkpointer, maxAge, requireCheckpoint, timeout, clock, null);
    }

    /**
     * Creates the indicator.
     *
     * @param checkpointer the checkpointer to check
     * @param maxAge the maximum age of the latest checkpoint, or null not to judge age
     * @param requireCheckpoint whether having no checkpoint at all is DOWN
     * @param timeout how long one check may wait for the store
     * @param clock the clock ages are measured with
     * @param recoveries a listener of {@code checkpointer} that counts pointer recoveries, or null not to judge the pointer
     */
    public CheckpointerHealthIndicator(Checkpointer checkpointer, Duration maxAge, boolean requireCheckpoint, Duration timeout, Clock clock,
            @Nullable PointerRecoveryTracker recoveries) {
        super("Checkpoint store health check failed");
        this.checkpointer = Objects.requireNonNull(checkpointer, "checkpointer");
        this.maxAge = maxAge;
        this.requireCheckpoint = requireCheckpoint;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.recoveries = recoveries;
    }

    @Override
    protected Mono<Health> doHealthCheck(Health.Builder builder) {
        return Mono.defer(() -> {
            long before = recoveries == null ? 0 : recoveries.count();
            return checkpointer.latest()
                    .map(cp -> Optional.of(cp.manifest()))
                    .defaultIfEmpty(Optional.empty())
                    .map(latest -> judge(builder, latest.orElse(null), recoveries != null && recoveries.count() > before));
        }).timeout(timeout);
    }

    private Health judge(Health.Builder builder, @Nullable Manifest m, boolean pointerRecovered) {
        if (m == null) {
            builder.withDetail("latest", "none");
        } else {
            builder.withDetail("latestId", m.id() == null ? null : m.id().value()).withDetail("epoch", m.epoch());
        }
        if (recoveries != null) {
            builder.withDetail("pointer", pointerRecovered ? "lost" : "ok");
            if (recoveries.count() > 0) {
                builder.withDetail("pointerRecoveries", recoveries.count());
            }
        }
        Duration age = null;
        if (m != null && m.createdAt() != null) {
            age = Duration.between(m.createdAt(), Instant.now(clock));
            builder.withDetail("createdAt", m.createdAt().toString()).withDetail("age", age.toString());
            if (maxAge != null) {
                builder.withDetail("maxAge", maxAge.toString());
            }
        }
        PointerRecoveryTracker.Recovery recovery = recoveries == null ? null : recoveries.last();
        if (pointerRecovered && recovery != null) {
            return builder.down()
                    .withDetail("reason", "_latest is missing or corrupt: reads use the chain recovered from the manifests, and every save is "
                            + "refused until the pointer is repaired")
                    .withDetail("pointerProblem", recovery.reason())
                    .withDetail("recoveredId", recovery.recovered() == null ? "none" : recovery.recovered().value())
                    .withDetail("action", REPAIR_ACTION)
                    .build();
        }
        if (m == null) {
            return (requireCheckpoint ? builder.down() : builder.up()).build();
        }
        if (age != null && maxAge != null && age.compareTo(maxAge) > 0) {
            return builder.down().withDetail("reason", "the latest checkpoint is older than the maximum age").build();
        }
        return builder.up().build();
    }
}

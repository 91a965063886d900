package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.Checkpointer;
import java.time.Clock;
import java.time.Duration;
import org.springframework.boot.actuate.health.AbstractReactiveHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.lang.Nullable;
import reactor.core.publisher.Mono;

/**
 * Health of the checkpointer: the store is reachable (the latest checkpoint can be found and its manifest verifies),
 * the pointer {@code _latest} is sound, and the latest checkpoint is not older than a configured maximum. Details: the
 * latest id, epoch, creation time and age, and {@code pointer} ({@code ok} or {@code lost}).
 *
 * <p>DOWN when the store fails or does not answer within the timeout ({@code reason} says which, in words, and
 * {@code error} gives the error code), when the latest checkpoint is too old, (if required) when there is none, and when the
 * check's own read had to recover a missing or corrupt {@code _latest} from the manifests. The last is DOWN, not
 * OUT_OF_SERVICE, because nothing took the checkpointer out of service on purpose: reads still work (from the
 * recovered chain) but every save is refused until an operator repairs the pointer, so checkpoints silently stop;
 * the details say what is wrong ({@code pointerProblem}), what reads use ({@code recoveredId}) and what to do
 * ({@code action}). It turns UP again by itself once a check finds the pointer sound (repaired). Seeing recoveries needs
 * the {@link PointerRecoveryTracker} bean registered as a listener of the checkpointer, as it is for the
 * auto-configured one.
 *
 * <p>This is the Spring Boot 3 indicator ({@code org.springframework.boot.actuate.health}); on Spring Boot 4 the
 * starter registers an equivalent one over {@code org.springframework.boot.health.contributor} instead, with the same
 * statuses and details.
 */
public class CheckpointerHealthIndicator extends AbstractReactiveHealthIndicator {
    private final CheckpointerHealthCheck check;

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
        this(new CheckpointerHealthCheck(checkpointer, maxAge, requireCheckpoint, timeout, clock, recoveries));
    }

    CheckpointerHealthIndicator(CheckpointerHealthCheck check) {
        super(CheckpointerHealthCheck.FAILURE_MESSAGE);
        this.check = check;
    }

    @Override
    protected Mono<Health> doHealthCheck(Health.Builder builder) {
        return check.check().map(v -> (v.up() ? builder.up() : builder.down()).withDetails(v.details()).build());
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.lang.Nullable;
import reactor.core.publisher.Mono;

/**
 * The judging logic of the {@code checkpointer} health component, free of any Spring Boot health type so that one
 * copy serves every Boot generation: Boot 3's {@code org.springframework.boot.actuate.health} indicator
 * ({@link CheckpointerHealthIndicator}) and Boot 4's {@code org.springframework.boot.health.contributor} one
 * ({@link Boot4CheckpointerHealthIndicator}) only translate a {@link Verdict} into their own {@code Health}. A failing
 * store, or one that does not answer within the check's timeout, is a DOWN verdict with a {@code reason} (what went
 * wrong, in words: the store's message, which names the host or bucket, or the timeout that passed) and an
 * {@code error} (the checkpointer's error code, or the exception's type), never a raw exception.
 */
final class CheckpointerHealthCheck {
    /** What the health details say an operator should do about a lost pointer. */
    static final String REPAIR_ACTION = "stop every writer of the location, then repair the pointer: Checkpointer.repairPointer(), "
            + "or 'checkpointer repair <uri>' (or set repairPointerOnSave on the builder to let the next save repair it)";

    /** Message of the health when the check itself fails (the store is unreachable, or the check timed out). */
    static final String FAILURE_MESSAGE = "Checkpoint store health check failed";

    /**
     * The outcome of one check.
     *
     * @param up whether the component is UP (else DOWN)
     * @param details the details, in a stable order
     */
    record Verdict(boolean up, Map<String, Object> details) {}

    private final Checkpointer checkpointer;
    private final @Nullable Duration maxAge;
    private final boolean requireCheckpoint;
    private final Duration timeout;
    private final Clock clock;
    private final @Nullable PointerRecoveryTracker recoveries;

    CheckpointerHealthCheck(Checkpointer checkpointer, @Nullable Duration maxAge, boolean requireCheckpoint, Duration timeout, Clock clock,
            @Nullable PointerRecoveryTracker recoveries) {
        this.checkpointer = Objects.requireNonNull(checkpointer, "checkpointer");
        this.maxAge = maxAge;
        this.requireCheckpoint = requireCheckpoint;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.recoveries = recoveries;
    }

    /**
     * Reads the latest checkpoint and judges it.
     *
     * @return the verdict; DOWN with a reason when the store fails or does not answer within the timeout
     */
    Mono<Verdict> check() {
        return Mono.defer(() -> {
            long before = recoveries == null ? 0 : recoveries.count();
            return checkpointer.latest()
                    .map(cp -> Optional.of(cp.manifest()))
                    .defaultIfEmpty(Optional.empty())
                    .map(latest -> judge(latest.orElse(null), recoveries != null && recoveries.count() > before));
        }).timeout(timeout).onErrorResume(Exception.class, e -> Mono.just(failed(e)));
    }

    private Verdict failed(Exception e) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (e instanceof java.util.concurrent.TimeoutException) {
            details.put("reason", "the checkpoint store did not answer within " + timeout.toString().substring(2).toLowerCase(java.util.Locale.ROOT)
                    + " (checkpointer.health.timeout)");
            details.put("error", "TIMEOUT");
        } else {
            String message = e.getMessage();
            details.put("reason", "the checkpoint store failed: " + (message == null ? e.getClass().getSimpleName() : message));
            details.put("error", e instanceof CheckpointException ce ? ce.code().name() : e.getClass().getSimpleName());
        }
        return verdict(false, details);
    }

    private Verdict judge(@Nullable Manifest m, boolean pointerRecovered) {
        Map<String, Object> details = new LinkedHashMap<>();
        if (m == null) {
            details.put("latest", "none");
        } else {
            if (m.id() != null) {
                details.put("latestId", m.id().value());
            }
            details.put("epoch", m.epoch());
        }
        if (recoveries != null) {
            details.put("pointer", pointerRecovered ? "lost" : "ok");
            if (recoveries.count() > 0) {
                details.put("pointerRecoveries", recoveries.count());
            }
        }
        Duration age = null;
        if (m != null && m.createdAt() != null) {
            age = Duration.between(m.createdAt(), Instant.now(clock));
            details.put("createdAt", m.createdAt().toString());
            details.put("age", age.toString());
            if (maxAge != null) {
                details.put("maxAge", maxAge.toString());
            }
        }
        PointerRecoveryTracker.Recovery recovery = recoveries == null ? null : recoveries.last();
        if (pointerRecovered && recovery != null) {
            details.put("reason", "_latest is missing or corrupt: reads use the chain recovered from the manifests, and every save is "
                    + "refused until the pointer is repaired");
            details.put("pointerProblem", recovery.reason());
            details.put("recoveredId", recovery.recovered() == null ? "none" : recovery.recovered().value());
            details.put("action", REPAIR_ACTION);
            return verdict(false, details);
        }
        if (m == null) {
            return verdict(!requireCheckpoint, details);
        }
        if (age != null && maxAge != null && age.compareTo(maxAge) > 0) {
            details.put("reason", "the latest checkpoint is older than the maximum age");
            return verdict(false, details);
        }
        return verdict(true, details);
    }

    private static Verdict verdict(boolean up, Map<String, Object> details) {
        return new Verdict(up, Collections.unmodifiableMap(details));
    }
}

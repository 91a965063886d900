package dev.checkpointer;

import java.time.Duration;
import java.util.Objects;

/**
 * How the engine retries a store request that failed transiently (never a permanent failure): exponential
 * backoff with jitter, bounded by attempts and by total elapsed time, per request (per part for multipart).
 * Immutable.
 *
 * @param initialDelay delay before the first retry
 * @param multiplier growth factor of the delay per attempt, at least 1
 * @param maxDelay cap on one delay
 * @param maxAttempts total attempts including the first, at least 1 (1 = no retry)
 * @param maxElapsed no retry starts once this much time has passed since the first attempt
 * @param jitter randomisation factor in [0, 1): each delay is drawn from {@code delay × (1 ± jitter)}
 */
public record RetrySettings(Duration initialDelay, double multiplier, Duration maxDelay, int maxAttempts, Duration maxElapsed, double jitter) {

    /** Validates the settings. */
    public RetrySettings {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        Objects.requireNonNull(maxElapsed, "maxElapsed");
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            throw new InvalidInputException("retry initialDelay must be positive, got " + initialDelay);
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new InvalidInputException("retry maxDelay (" + maxDelay + ") must be >= initialDelay (" + initialDelay + ")");
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new InvalidInputException("retry multiplier must be >= 1, got " + multiplier);
        }
        if (maxAttempts < 1) {
            throw new InvalidInputException("retry maxAttempts must be >= 1, got " + maxAttempts);
        }
        if (maxElapsed.isNegative()) {
            throw new InvalidInputException("retry maxElapsed must not be negative, got " + maxElapsed);
        }
        if (!(jitter >= 0.0 && jitter < 1.0)) {
            throw new InvalidInputException("retry jitter must be in [0, 1), got " + jitter);
        }
    }

    /**
     * The defaults: 100 ms initial delay, ×2 per attempt, at most 10 s per delay, 8 attempts, 2 minutes in all,
     * jitter 0.5.
     *
     * @return the default settings
     */
    public static RetrySettings defaults() {
        return new RetrySettings(Duration.ofMillis(100), 2.0, Duration.ofSeconds(10), 8, Duration.ofMinutes(2), 0.5);
    }

    /**
     * No retries: every failure is final.
     *
     * @return settings with one attempt
     */
    public static RetrySettings none() {
        return defaults().withMaxAttempts(1);
    }

    /**
     * A copy with another attempt limit.
     *
     * @param attempts at least 1
     * @return new settings
     */
    public RetrySettings withMaxAttempts(int attempts) {
        return new RetrySettings(initialDelay, multiplier, maxDelay, attempts, maxElapsed, jitter);
    }

    /**
     * A copy with another backoff.
     *
     * @param initial first delay
     * @param factor multiplier
     * @param max cap per delay
     * @return new settings
     */
    public RetrySettings withBackoff(Duration initial, double factor, Duration max) {
        return new RetrySettings(initial, factor, max, maxAttempts, maxElapsed, jitter);
    }

    /**
     * A copy with another elapsed-time bound.
     *
     * @param elapsed total time
     * @return new settings
     */
    public RetrySettings withMaxElapsed(Duration elapsed) {
        return new RetrySettings(initialDelay, multiplier, maxDelay, maxAttempts, elapsed, jitter);
    }

    /**
     * A copy with another jitter.
     *
     * @param factor in [0, 1)
     * @return new settings
     */
    public RetrySettings withJitter(double factor) {
        return new RetrySettings(initialDelay, multiplier, maxDelay, maxAttempts, maxElapsed, factor);
    }
}

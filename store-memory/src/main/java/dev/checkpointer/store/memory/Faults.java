package dev.checkpointer.store.memory;

import java.time.Duration;
import java.util.Objects;

/**
 * Faults a {@link MemoryObjectStore} injects into its calls, reproducibly (a seeded random source). Immutable;
 * start from {@link #none()} and add with the withers.
 *
 * @param transientRate fraction of calls that fail with a transient error (0 to 1)
 * @param throttleRate fraction of calls that fail as throttled (0 to 1)
 * @param lostResponseRate fraction of the transient failures of writes that happen <em>after</em> the write took
 *     effect (the response was lost), so a retry meets its own earlier write
 * @param corruptReadRate fraction of reads whose bytes come back with one byte flipped
 * @param corruptWriteRate fraction of writes stored with one byte flipped <em>after</em> the checksum check passed
 *     (silent corruption at rest, which only the reader's verification can catch)
 * @param latency delay added before every call (on the parallel scheduler, so virtual time controls it)
 * @param seed seed of the random source
 */
public record Faults(double transientRate, double throttleRate, double lostResponseRate, double corruptReadRate, double corruptWriteRate,
        Duration latency, long seed) {

    /** Validates the rates. */
    public Faults {
        check("transientRate", transientRate);
        check("throttleRate", throttleRate);
        check("lostResponseRate", lostResponseRate);
        check("corruptReadRate", corruptReadRate);
        check("corruptWriteRate", corruptWriteRate);
        if (transientRate + throttleRate > 1.0) {
            throw new IllegalArgumentException("transientRate + throttleRate must not exceed 1");
        }
        Objects.requireNonNull(latency, "latency");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative");
        }
    }

    private static void check(String name, double rate) {
        if (!(rate >= 0.0 && rate <= 1.0)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, got " + rate);
        }
    }

    /**
     * No faults.
     *
     * @return the faults
     */
    public static Faults none() {
        return new Faults(0, 0, 0, 0, 0, Duration.ZERO, 42);
    }

    /**
     * With a transient error rate.
     *
     * @param rate 0 to 1
     * @return a copy
     */
    public Faults withTransientRate(double rate) {
        return new Faults(rate, throttleRate, lostResponseRate, corruptReadRate, corruptWriteRate, latency, seed);
    }

    /**
     * With a throttling rate.
     *
     * @param rate 0 to 1
     * @return a copy
     */
    public Faults withThrottleRate(double rate) {
        return new Faults(transientRate, rate, lostResponseRate, corruptReadRate, corruptWriteRate, latency, seed);
    }

    /**
     * With a rate of lost responses among failed writes.
     *
     * @param rate 0 to 1
     * @return a copy
     */
    public Faults withLostResponseRate(double rate) {
        return new Faults(transientRate, throttleRate, rate, corruptReadRate, corruptWriteRate, latency, seed);
    }

    /**
     * With a rate of corrupted reads.
     *
     * @param rate 0 to 1
     * @return a copy
     */
    public Faults withCorruptReadRate(double rate) {
        return new Faults(transientRate, throttleRate, lostResponseRate, rate, corruptWriteRate, latency, seed);
    }

    /**
     * With a rate of writes silently corrupted at rest.
     *
     * @param rate 0 to 1
     * @return a copy
     */
    public Faults withCorruptWriteRate(double rate) {
        return new Faults(transientRate, throttleRate, lostResponseRate, corruptReadRate, rate, latency, seed);
    }

    /**
     * With a latency per call.
     *
     * @param delay zero or more
     * @return a copy
     */
    public Faults withLatency(Duration delay) {
        return new Faults(transientRate, throttleRate, lostResponseRate, corruptReadRate, corruptWriteRate, delay, seed);
    }

    /**
     * With a random seed.
     *
     * @param value the seed
     * @return a copy
     */
    public Faults withSeed(long value) {
        return new Faults(transientRate, throttleRate, lostResponseRate, corruptReadRate, corruptWriteRate, latency, value);
    }
}

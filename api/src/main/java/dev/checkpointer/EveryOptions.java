package dev.checkpointer;

import java.util.OptionalInt;

/**
 * How {@link Checkpointer#every(java.time.Duration, java.util.function.Supplier, EveryOptions)} reacts to failed
 * periodic checkpoints. By default ({@link #keepGoing()}) it never gives up: every failure is logged, counted and told
 * to listeners, and the next tick tries again. {@link #giveUpAfter(int)} ends the flux with an error once that many
 * periodic checkpoints in a row have failed; a committed checkpoint resets the count. Immutable.
 */
public final class EveryOptions {
    private static final EveryOptions KEEP_GOING = new EveryOptions(0);

    private final int giveUpAfter;

    private EveryOptions(int giveUpAfter) {
        this.giveUpAfter = giveUpAfter;
    }

    /**
     * Never give up (the default): a failed snapshot or save is reported, and the next tick tries again.
     *
     * @return the options
     */
    public static EveryOptions keepGoing() {
        return KEEP_GOING;
    }

    /**
     * Give up after {@code consecutiveFailures} failed periodic checkpoints in a row: the flux then terminates with
     * the last failure as its error signal. {@code giveUpAfter(1)} stops at the first failure.
     *
     * @param consecutiveFailures failures in a row that end the flux, at least 1
     * @return the options
     * @throws InvalidInputException when {@code consecutiveFailures} is below 1
     */
    public static EveryOptions giveUpAfter(int consecutiveFailures) {
        if (consecutiveFailures < 1) {
            throw new InvalidInputException("giveUpAfter needs at least 1 consecutive failure, got " + consecutiveFailures);
        }
        return new EveryOptions(consecutiveFailures);
    }

    /**
     * The consecutive failures that end the flux.
     *
     * @return the limit; empty when the flux never gives up
     */
    public OptionalInt maxConsecutiveFailures() {
        return giveUpAfter == 0 ? OptionalInt.empty() : OptionalInt.of(giveUpAfter);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EveryOptions other && other.giveUpAfter == giveUpAfter;
    }

    @Override
    public int hashCode() {
        return giveUpAfter;
    }

    @Override
    public String toString() {
        return giveUpAfter == 0 ? "EveryOptions[keep going]" : "EveryOptions[give up after " + giveUpAfter + " consecutive failures]";
    }
}

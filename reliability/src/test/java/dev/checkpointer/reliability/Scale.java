package dev.checkpointer.reliability;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How big a run is. Every count and duration of the suite is given for the bounded run (what CI runs, about two
 * minutes on two cores with the emulators) and multiplied by {@code -Dreliability.scale=N}; the {@code reliability-long} Maven profile sets
 * 5. Anything below 1 is treated as 1 for counts that must not vanish.
 */
public final class Scale {
    private Scale() {}

    /**
     * The multiplier of this run.
     *
     * @return at least 0.1; 1 for the bounded run
     */
    public static double factor() {
        String v = System.getProperty("reliability.scale", "1").trim();
        try {
            return Math.max(0.1, Double.parseDouble(v.isEmpty() ? "1" : v));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("reliability.scale must be a number, got '" + v + "'", e);
        }
    }

    /**
     * Whether this is a longer run than the bounded one.
     *
     * @return true when the factor is above 1
     */
    public static boolean isLong() {
        return factor() > 1.0;
    }

    /**
     * A count scaled for this run.
     *
     * @param bounded the count of the bounded run
     * @return the count, at least 1
     */
    public static int count(int bounded) {
        return (int) Math.max(1, Math.round(bounded * factor()));
    }

    /**
     * A count scaled for this run, for a store target: emulator targets (S3Mock, Azurite: separate processes reached
     * over HTTP, one request at a time for S3Mock; GCS on the in-process FakeGcsServer, also over HTTP) take a smaller bounded count, so that the bounded run stays short.
     *
     * @param target the store target
     * @param local the bounded count for the memory and file-system stores
     * @param emulated the bounded count for stores on an emulator
     * @return the count, at least 1
     */
    public static int count(StoreTarget target, int local, int emulated) {
        return count(target.emulator() ? emulated : local);
    }

    /**
     * A duration scaled for this run.
     *
     * @param bounded the duration of the bounded run
     * @return the duration
     */
    public static Duration duration(Duration bounded) {
        return Duration.ofMillis(Math.max(1, Math.round(bounded.toMillis() * factor())));
    }

    /**
     * The directory for scratch files of this run (file-system stores, logs).
     *
     * @return {@code target/reliability} unless {@code -Dreliability.workdir} says otherwise
     */
    public static Path workDir() {
        return Path.of(System.getProperty("reliability.workdir", "target/reliability")).toAbsolutePath();
    }

    /**
     * A label for the report.
     *
     * @return e.g. {@code bounded (scale 1)} or {@code long (scale 5)}
     */
    public static String label() {
        double f = factor();
        String n = f == Math.rint(f) ? Long.toString((long) f) : Double.toString(f);
        return (isLong() ? "long" : f < 1 ? "reduced" : "bounded") + " (scale " + n + ")";
    }
}

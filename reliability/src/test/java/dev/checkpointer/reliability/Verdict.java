package dev.checkpointer.reliability;

/** The outcome of one criterion of the suite, as written to the results. */
public enum Verdict {
    /** The criterion held in this run. */
    PASS,
    /** The criterion did not hold: the run is red. */
    FAIL,
    /**
     * The criterion does not hold because of a known defect outside this module; the strict test is
     * {@code @Disabled} with the reason and is enabled once the defect is fixed.
     */
    KNOWN_ISSUE;

    /**
     * The text shown in tables.
     *
     * @return e.g. {@code PASS}, {@code FAIL}, {@code KNOWN ISSUE}
     */
    public String label() {
        return switch (this) {
            case PASS -> "PASS";
            case FAIL -> "**FAIL**";
            case KNOWN_ISSUE -> "KNOWN ISSUE";
        };
    }

    /**
     * PASS when the condition holds, else FAIL.
     *
     * @param condition the condition
     * @return the verdict
     */
    public static Verdict of(boolean condition) {
        return condition ? PASS : FAIL;
    }
}

package dev.checkpointer.reliability;

/**
 * One kind of store the suite runs against. {@link Stores#all()} lists them; every parameterised requirement runs
 * once per target. To add a store (GCS, say), implement this and its {@link Location} ({@link EmulatorLocation} for a
 * store on an emulator, so that R1 also runs it through {@link HttpFaultProxy}), add the module as a test dependency
 * (with its emulator launcher from its test-jar, started through {@link Emulators}), and list the target in
 * {@link Stores#all()}; {@link S3Target} and {@link AzureTarget} are the examples: a fresh prefix or container per
 * location, {@link Location#open()} building a new store and client (a restarted process), {@link Location#uri()} plus
 * {@link Location#options()} for the emulator's endpoint and credentials, and {@link Location#pendingUploads()} from
 * the service's own listing.
 */
public interface StoreTarget {

    /**
     * The name shown in test names and the results.
     *
     * @return e.g. {@code memory}
     */
    String name();

    /**
     * Whether the store can be used in this run (an emulator that is not running makes its tests abort, not fail).
     *
     * @return true when usable
     */
    default boolean available() {
        return true;
    }

    /**
     * Whether this target is a cloud store on an emulator (a separate process reached over HTTP): the bounded run
     * scales its counts down (see {@link Scale#count(StoreTarget, int, int)}), and R1 runs it once more through the
     * HTTP fault proxy.
     *
     * @return true for S3 on S3Mock, Azure on Azurite and GCS on FakeGcsServer
     */
    default boolean emulator() {
        return false;
    }

    /**
     * Whether R1 also runs this target through {@link HttpFaultProxy} (faults on the wire), which needs an
     * {@link EmulatorLocation} in a dialect the proxy speaks (S3, Azure).
     *
     * @return true for S3 on S3Mock and Azure on Azurite; false for GCS, whose error dialect the proxy does not speak
     */
    default boolean httpFaults() {
        return emulator();
    }

    /**
     * Aborts the calling test (not failing it) when this target cannot be used here, recording why in the results.
     *
     * @param requirement the requirement of the calling test
     */
    default void assumeAvailable(String requirement) {
        if (!available()) {
            String why = Emulators.unavailable(name()).orElse("not available");
            Report.skipped(requirement, name(), "the emulator cannot start here: " + why);
            org.junit.jupiter.api.Assumptions.abort(name() + " is not available here: " + why);
        }
    }

    /**
     * A fresh, empty location (a bucket or container and prefix, a directory, a memory bucket).
     *
     * @param label a readable label unique within the run, usable in names
     * @return the location; close it to remove what the test wrote
     */
    Location create(String label);
}

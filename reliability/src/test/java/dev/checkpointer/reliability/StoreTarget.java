package dev.checkpointer.reliability;

/**
 * One kind of store the suite runs against. {@link Stores#all()} lists them; every parameterised requirement runs
 * once per target. To add a store (S3, Azure, GCS when their modules land), implement this and its
 * {@link Location}, add the module as a test dependency, and list the target in {@link Stores#all()}; see
 * {@link Stores} for what each method must do for a cloud store and its emulator.
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
     * A fresh, empty location (a bucket or container and prefix, a directory, a memory bucket).
     *
     * @param label a readable label unique within the run, usable in names
     * @return the location; close it to remove what the test wrote
     */
    Location create(String label);
}

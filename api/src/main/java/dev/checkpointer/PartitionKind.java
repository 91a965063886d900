package dev.checkpointer;

/** Whether a partition's bytes are a full snapshot of its state or a delta on top of an earlier checkpoint. */
public enum PartitionKind {
    /** The full state of the partition. */
    SNAPSHOT,
    /** Changes since an earlier checkpoint; the application knows how to apply them. */
    DELTA;

    /**
     * The file extension used in keys.
     *
     * @return {@code snapshot} or {@code delta}
     */
    public String extension() {
        return this == SNAPSHOT ? "snapshot" : "delta";
    }
}

package dev.checkpointer.internal.micrometer;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.micrometer.CheckpointerMeters;
import org.jspecify.annotations.Nullable;

/** Descriptions and tag values shared by the instrumentation classes. */
final class Meters {
    /** Description of {@link CheckpointerMeters#INTEGRITY_FAILURES}, shared by every place that registers it. */
    static final String INTEGRITY_FAILURES_DESCRIPTION = "Saves and partition reads that failed an integrity check";
    /** Description of {@link CheckpointerMeters#CONFLICTS}, shared by every place that registers it. */
    static final String CONFLICTS_DESCRIPTION = "Saves and commits refused because another writer committed first or fenced this one";

    private Meters() {}

    /**
     * The {@code reason} tag of a conflict.
     *
     * @param e the refusal
     * @return {@code fenced} or {@code lost_race}
     */
    static String conflictReason(ConcurrentCheckpointException e) {
        return e.fenced() ? "fenced" : "lost_race";
    }

    /**
     * The {@code error} tag of a failure: its {@link dev.checkpointer.ErrorCode}, {@code OTHER} for an exception
     * outside the library, {@code none} for no failure.
     *
     * @param error the failure, may be null
     * @return the tag value
     */
    static String errorTag(@Nullable Throwable error) {
        if (error == null) {
            return "none";
        }
        return error instanceof CheckpointException ce ? ce.code().name() : "OTHER";
    }
}

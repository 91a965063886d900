package dev.checkpointer;

import java.util.List;

/**
 * What one {@link Checkpointer#prune()} removed.
 *
 * @param deletedCheckpoints committed checkpoints removed by retention, oldest first
 * @param deletedOrphans keys of artifacts that no manifest referenced and that were older than the grace period
 * @param cleanedIncomplete store-level debris cleaned (temp files, incomplete multipart uploads)
 * @param bytesFreed bytes of the deleted checkpoints and orphans
 */
public record PruneReport(List<CheckpointId> deletedCheckpoints, List<String> deletedOrphans, List<String> cleanedIncomplete, long bytesFreed) {
    /** Copies the lists. */
    public PruneReport {
        deletedCheckpoints = List.copyOf(deletedCheckpoints);
        deletedOrphans = List.copyOf(deletedOrphans);
        cleanedIncomplete = List.copyOf(cleanedIncomplete);
    }
}

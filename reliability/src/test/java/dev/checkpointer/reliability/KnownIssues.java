package dev.checkpointer.reliability;

import dev.checkpointer.CorruptMetadataException;

/**
 * Defects outside this module that this suite shows and that are not fixed yet (E: the engine, G: the GCS store). Each has a strict, {@code @Disabled}
 * test ({@link EngineDefectsTest}, {@link StoreDefectsTest}) to enable once it is fixed; the requirement tests count
 * what they saw of it apart, record the criterion as KNOWN ISSUE, and stay strict about everything else.
 */
final class KnownIssues {
    private KnownIssues() {}

    /** GCS: a read of an object that is replaced while it is read reports "not found". */
    static final String G1 = "**G1 (store-gcs): reading an object that is replaced meanwhile reports STORE_NOT_FOUND.** "
            + "`GcsObjectStore.get` asks for the object's metadata, then downloads the body pinned to the generation it saw; "
            + "when the object is replaced between the two requests (as `_latest` is by every publish), the pinned download "
            + "gets 404 and the store reports `STORE_NOT_FOUND` for an object that exists (about a third of the reads of an "
            + "object replaced back to back, on FakeGcsServer, which follows GCS here). Protocol v2 reads a missing `_latest` as "
            + "lost: a racing save on GCS then fails with `CorruptMetadataException` (\"the pointer _latest is missing but "
            + "checkpoints exist\"), or with E1's `IllegalStateException` when the publish re-reads the pointer (and a save that "
            + "fails so after preparing its manifest can still be rolled forward: E2's pattern); `load()` reports a committed "
            + "checkpoint as not found; a concurrent `prune()` fails. Seen in R3 and in store-gcs's own "
            + "`GcsCheckpointerContractTest.twoWritersRacingForOneIdNeverBothCommit`. R3 works around it on GCS (`G1Workaround` "
            + "reads again, up to three times) and counts the reads it made good. Strict test: "
            + "`StoreDefectsTest.g1AReadOfAnObjectReplacedMeanwhileIsNeverNotFound` (disabled).";

    /** The engine: a pointer that reads as absent during a publish escapes as an IllegalStateException. */
    static final String E1 = "**E1 (engine, `Protocol.publish`): a save whose publish finds `_latest` absent fails with "
            + "`java.lang.IllegalStateException: no pointer to publish on`**, not a `CheckpointException`. When the publish CAS "
            + "fails and the re-read pointer is missing (deleted by an operator, or G1 on GCS), the manifest (which has a parent) "
            + "matches neither an empty nor a sound pointer. Expected: the `CorruptMetadataException` a lost pointer gives "
            + "everywhere else (\"writes need the pointer repaired first\"). Shown by R4's lost-pointer probes on every store. Strict test: "
            + "`EngineDefectsTest.e1APointerDeletedBeforeThePublishFailsTheSaveWithACheckpointException` (disabled).";

    /** The engine: a writer running when the pointer is lost is not refused before it writes. */
    static final String E2 = "**E2 (engine, `Saves`/`Protocol.view`): a writer that was running when `_latest` was lost is not refused "
            + "before it writes, and its failed save can become the head.** A checkpointer whose cached view is its own last write "
            + "does not read the pointer before a save: it uploads, creates its manifest on the head it remembers, and only its "
            + "publish fails (`CorruptMetadataException`, \"repaired first\"; or E1 when the pointer is missing). The manifest stays; "
            + "reads then recover from the manifests and return it, and `repairPointer()` makes it the head, so a save reported "
            + "failed with CORRUPT_METADATA (not OUTCOME_UNKNOWN) is committed. Expected: refused before anything is written, as "
            + "a fresh checkpointer is. Strict test: "
            + "`EngineDefectsTest.e2AWriterRunningWhenThePointerIsLostIsRefusedBeforeItWritesAndItsSaveNeverCommits` (disabled).";

    /** The engine: a missing pointer over only a first checkpoint reads as an empty location. */
    static final String E3 = "**E3 (engine, `Protocol.anyManifest`): with only the first checkpoint of a location (its manifest has no "
            + "parent), a missing `_latest` reads as an empty location.** `latest()` is empty and nothing is reported to "
            + "`onPointerRecovery`; saves, `begin()` and `prune()` go on as on a fresh location: the next save commits a new chain "
            + "(no parent), and `prune()` then deletes checkpoint 1's manifest as garbage: a committed checkpoint is lost (I2). "
            + "The engine takes only manifests with a parent, format-1 manifests and tombstones as proof that a pointer existed. "
            + "Expected: recovered for reads and reported, writes refused until repaired, as with two checkpoints. Strict test: "
            + "`EngineDefectsTest.e3AMissingPointerOverOnlyTheFirstCheckpointIsRecoveredNotForgotten` (disabled).";

    /**
     * Whether an error a racing save or prune met on GCS is G1 (or E1 caused by it): the pointer read as missing.
     *
     * @param target the store target
     * @param error the error
     * @return true on GCS for exactly those errors
     */
    static boolean g1(StoreTarget target, Object error) {
        return register(target, error) != null;
    }

    /**
     * Like {@link #g1}, and registers what was seen with the report: G1, and E1 too when the error is E1's.
     *
     * @return the issues shown, or null
     */
    static String register(StoreTarget target, Object error) {
        String seen = classify(target, error);
        if (seen != null) {
            Report.openIssue("G1", G1);
            if (seen.contains("E1")) {
                Report.openIssue("E1", E1);
            }
        }
        return seen;
    }

    private static String classify(StoreTarget target, Object error) {
        if (!"gcs".equals(target.name())) {
            return null;
        }
        if (error instanceof CorruptMetadataException e) {
            String m = String.valueOf(e.getMessage());
            return m.contains("_latest is missing but checkpoints exist") || m.contains("'_latest': the pointer is unusable") ? "G1" : null;
        }
        return error instanceof IllegalStateException e && "no pointer to publish on".equals(e.getMessage()) ? "G1, E1" : null;
    }
}

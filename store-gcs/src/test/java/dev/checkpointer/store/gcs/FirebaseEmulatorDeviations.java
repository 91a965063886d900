package dev.checkpointer.store.gcs;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips, with the reason, the inherited contract tests that need a capability the Firebase Storage emulator lacks
 * (its deviations are pinned down by {@link GcsEmulatorDeviationsTest}), so they show up as skipped with an
 * explanation rather than failing or passing by luck. Each of them runs, under the same name, against
 * {@code FakeGcsServer} in {@link GcsObjectStoreContractTest} or {@link GcsCheckpointerContractTest}, and the wire
 * format of conditions and checksums is checked by {@link GcsScriptedServerTest}.
 */
final class FirebaseEmulatorDeviations implements ExecutionCondition {
    private static final String VERSION = System.getProperty("firebase.tools.version", "15.34.2");
    private static final String NO_CONDITIONS = "capability conditionalWrites is off on the Firebase Storage emulator (firebase-tools " + VERSION + "):"
            + " it ignores ifGenerationMatch, so create-if-absent and compare-and-swap are not enforced"
            + " (GcsEmulatorDeviationsTest.generationPreconditionsAreIgnored).";
    private static final String NO_CHECKSUMS = "capability nativeChecksums is off on the Firebase Storage emulator (firebase-tools " + VERSION + "):"
            + " it stores bytes whose crc32c does not match the one sent (GcsEmulatorDeviationsTest.aWrongCrc32cSentWithTheBytesIsAccepted);"
            + " the store's own check of a declared SHA-256 still works there"
            + " (GcsEmulatorDeviationsTest.aWrongDeclaredSha256IsStillRefusedByTheStoreBeforeTheUploadIsFinalised).";

    /** ObjectStoreContract tests, by the capability they need. */
    private static final Map<String, String> STORE_CONTRACT = Map.of(
            "createIfAbsentRefusesASecondCreate", NO_CONDITIONS,
            "aDeletedKeyCanBeCreatedAgainIfAbsent", NO_CONDITIONS,
            "concurrentCreatesIfAbsentHaveExactlyOneWinner", NO_CONDITIONS,
            "ifMatchSucceedsWithTheCurrentEtagOnly", NO_CONDITIONS,
            "ifMatchOnAMissingKeyFails", NO_CONDITIONS,
            "concurrentIfMatchWritesHaveExactlyOneWinner", NO_CONDITIONS,
            "aWrongDeclaredSha256IsRefusedAndNothingIsWritten", NO_CHECKSUMS);

    /**
     * CheckpointerContract tests whose outcome depends on a lost create-if-absent or compare-and-swap: a second
     * commit of one id, a fenced zombie, a second {@code begin()}, concurrent pointer moves that must never go
     * backwards, and an abort whose claim (create-if-absent of an abort marker) must be refused on a committed id.
     */
    private static final Set<String> CHECKPOINTER_CONTRACT = Set.of(
            "aSnapshotMayNameItsIdButNeverReuseOne",
            "abortRemovesWhatWasStagedButNeverACommittedCheckpoint",
            "twoWritersRacingForOneIdNeverBothCommit",
            "aNewerInstanceFencesTheOlderOne",
            "twoCoordinatorsCannotBeginTheSameCheckpoint",
            "concurrentSavesOfOneCheckpointerAllCommitWithDistinctIds");

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            return ConditionEvaluationResult.enabled("class level");
        }
        String name = context.getRequiredTestMethod().getName();
        String reason = STORE_CONTRACT.get(name);
        if (reason != null) {
            return ConditionEvaluationResult.disabled(reason + " Runs against FakeGcsServer as GcsObjectStoreContractTest." + name + ".");
        }
        if (CHECKPOINTER_CONTRACT.contains(name)) {
            return ConditionEvaluationResult.disabled(NO_CONDITIONS + " This test needs a lost create-if-absent or compare-and-swap to be"
                    + " refused. Runs against FakeGcsServer as GcsCheckpointerContractTest." + name + ".");
        }
        return ConditionEvaluationResult.enabled("not affected by a known emulator deviation");
    }
}

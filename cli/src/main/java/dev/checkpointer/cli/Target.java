package dev.checkpointer.cli;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import org.jspecify.annotations.Nullable;

/** A checkpoint named on the command line: a decimal id, {@code latest}, or (where allowed) {@code all}. */
record Target(@Nullable CheckpointId id, boolean latest, boolean all) {

    static Target parse(String text, boolean allowAll) {
        String t = text.strip();
        if (t.equalsIgnoreCase("latest")) {
            return new Target(null, true, false);
        }
        if (allowAll && t.equalsIgnoreCase("all")) {
            return new Target(null, false, true);
        }
        try {
            return new Target(CheckpointId.parse(t), false, false);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("expected a checkpoint id" + (allowAll ? ", 'latest' or 'all'" : " or 'latest'") + ", got '" + text + "'");
        }
    }

    /** Loads the one checkpoint named (not {@code all}); a missing one fails with code CHECKPOINT_NOT_FOUND. */
    Checkpoint load(Checkpointer cp, String uri) {
        if (latest) {
            Checkpoint c = cp.latest().block();
            if (c == null) {
                throw new CheckpointException(ErrorCode.CHECKPOINT_NOT_FOUND, "no checkpoint at " + Format.location(uri));
            }
            return c;
        }
        return java.util.Objects.requireNonNull(cp.load(java.util.Objects.requireNonNull(id)).block());
    }
}

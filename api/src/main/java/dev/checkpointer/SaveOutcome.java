package dev.checkpointer;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How one save ended, as told to {@link CheckpointListener#onSaveFinished}.
 *
 * @param status committed, failed or cancelled
 * @param manifest the committed manifest when {@code COMMITTED}
 * @param error the failure when {@code FAILED}
 * @param elapsed time from subscription to the end
 */
public record SaveOutcome(Status status, @Nullable Manifest manifest, @Nullable Throwable error, Duration elapsed) {

    /** The three ways a save ends. */
    public enum Status {
        /** The manifest was written and {@code _latest} moved. */
        COMMITTED,
        /** The save failed; nothing of it is visible. */
        FAILED,
        /** The subscriber cancelled; nothing of it is visible. */
        CANCELLED
    }

    /** Validates the combination. */
    public SaveOutcome {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(elapsed, "elapsed");
        if ((status == Status.COMMITTED) != (manifest != null)) {
            throw new IllegalArgumentException("a manifest is given exactly when the save committed");
        }
        if ((status == Status.FAILED) != (error != null)) {
            throw new IllegalArgumentException("an error is given exactly when the save failed");
        }
    }

    /**
     * The committed manifest.
     *
     * @return present when committed
     */
    public Optional<Manifest> committed() {
        return Optional.ofNullable(manifest);
    }

    /**
     * The failure.
     *
     * @return present when failed
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(error);
    }
}

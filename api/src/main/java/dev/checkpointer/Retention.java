package dev.checkpointer;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Which committed checkpoints to keep. A checkpoint is kept when <em>any</em> rule keeps it: it is among the
 * newest {@code keepLast}, or younger than {@code keepNewerThan}, or pinned. The newest checkpoint is always kept.
 * {@link #keepAll()} keeps everything. Immutable.
 *
 * @param keepLast keep this many newest checkpoints; 0 means the rule is off
 * @param keepNewerThan keep checkpoints created less than this long ago; null means the rule is off
 * @param pinned ids that are never deleted by retention
 */
public record Retention(int keepLast, @Nullable Duration keepNewerThan, Set<CheckpointId> pinned) {

    /** Validates the rules. */
    public Retention {
        if (keepLast < 0) {
            throw new InvalidInputException("keepLast must be >= 0, got " + keepLast);
        }
        if (keepNewerThan != null && (keepNewerThan.isNegative() || keepNewerThan.isZero())) {
            throw new InvalidInputException("keepNewerThan must be positive, got " + keepNewerThan);
        }
        Objects.requireNonNull(pinned, "pinned");
        pinned = Set.copyOf(new TreeSet<>(pinned));
    }

    /**
     * Keeps every checkpoint (retention off).
     *
     * @return the policy
     */
    public static Retention keepAll() {
        return new Retention(0, null, Set.of());
    }

    /**
     * Keeps the newest {@code n} checkpoints.
     *
     * @param n at least 1
     * @return the policy
     */
    public static Retention keepLast(int n) {
        if (n < 1) {
            throw new InvalidInputException("keepLast must be >= 1, got " + n);
        }
        return new Retention(n, null, Set.of());
    }

    /**
     * Deletes checkpoints older than {@code age} (the newest is kept whatever its age).
     *
     * @param age positive
     * @return the policy
     */
    public static Retention olderThan(Duration age) {
        return new Retention(0, Objects.requireNonNull(age, "age"), Set.of());
    }

    /**
     * This policy, also keeping checkpoints younger than {@code age}.
     *
     * @param age positive
     * @return a new policy
     */
    public Retention andKeepNewerThan(Duration age) {
        return new Retention(keepLast, Objects.requireNonNull(age, "age"), pinned);
    }

    /**
     * This policy, also keeping the newest {@code n}.
     *
     * @param n at least 1
     * @return a new policy
     */
    public Retention andKeepLast(int n) {
        if (n < 1) {
            throw new InvalidInputException("keepLast must be >= 1, got " + n);
        }
        return new Retention(n, keepNewerThan, pinned);
    }

    /**
     * This policy, also never deleting the given ids.
     *
     * @param ids ids to pin
     * @return a new policy
     */
    public Retention withPinned(CheckpointId... ids) {
        Set<CheckpointId> all = new TreeSet<>(pinned);
        for (CheckpointId id : ids) {
            all.add(Objects.requireNonNull(id, "pinned id"));
        }
        return new Retention(keepLast, keepNewerThan, all);
    }

    /**
     * Whether any rule deletes anything.
     *
     * @return false for {@link #keepAll()}
     */
    public boolean isActive() {
        return keepLast > 0 || keepNewerThan != null;
    }
}

package dev.checkpointer.cli;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Listens to what the library reports while it reads a location: chain members whose manifest cannot be read or
 * trusted ({@link CheckpointListener#onCorruptCheckpoint}) and reads that found {@code _latest} missing or corrupt and
 * recovered from the manifests ({@link CheckpointListener#onPointerRecovery}). Optionally prints each as a warning
 * as it happens.
 */
final class ChainWatch implements CheckpointListener {
    /**
     * One pointer recovery.
     *
     * @param recovered the checkpoint reads used instead, or null when none verifies
     * @param reason what is wrong with the pointer
     */
    record Recovery(@Nullable CheckpointId recovered, String reason) {}

    private final Map<CheckpointId, CheckpointException> corrupt = new ConcurrentSkipListMap<>();
    private final List<Recovery> recoveries = new CopyOnWriteArrayList<>();
    private final @Nullable Consumer<String> warn;

    /** Collects quietly. */
    ChainWatch() {
        this(null);
    }

    /** Collects, and hands each new problem to {@code warn} (once per checkpoint, once per run for the pointer). */
    ChainWatch(@Nullable Consumer<String> warn) {
        this.warn = warn;
    }

    @Override
    public void onCorruptCheckpoint(CheckpointId id, CheckpointException error) {
        if (corrupt.putIfAbsent(id, error) == null && warn != null) {
            warn.accept("checkpoint " + id + " cannot be read or trusted and was passed over: " + ExitCodes.describe(error));
        }
    }

    @Override
    public void onPointerRecovery(@Nullable CheckpointId recovered, String reason) {
        boolean first = recoveries.isEmpty();
        recoveries.add(new Recovery(recovered, reason));
        if (first && warn != null) {
            warn.accept(describe(recoveries.get(0)));
        }
    }

    /** Chain members reported unreadable, by id. */
    Map<CheckpointId, CheckpointException> corrupt() {
        return corrupt;
    }

    /** The first pointer recovery reported, if any. */
    @Nullable Recovery recovery() {
        return recoveries.isEmpty() ? null : recoveries.get(0);
    }

    /** What a pointer recovery means for the operator, in one line. */
    static String describe(Recovery r) {
        return Location.POINTER + " cannot be used (" + r.reason() + "): reads fell back to "
                + (r.recovered() == null ? "nothing (no checkpoint's chain verifies)" : "checkpoint " + r.recovered() + ", recovered from the manifests")
                + ", and saves are refused until it is repaired; stop every writer, then run 'checkpointer repair'";
    }
}

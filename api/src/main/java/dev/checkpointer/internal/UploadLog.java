package dev.checkpointer.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The keys one save attempt (or stage, or commit) wrote, so that they can be removed when it provably never commits.
 * A write already sent runs to its end even when the save is given up (it cannot be taken back), so it may land
 * after the clean-up took the keys: once the log is {@linkplain #abandon abandoned}, such a late key is deleted at
 * once instead of being recorded where nobody looks any more.
 */
final class UploadLog {
    private final Queue<String> keys = new ConcurrentLinkedQueue<>();
    private final Object lock = new Object();
    private @Nullable Consumer<String> lateDelete;

    /** Records a key that landed (or deletes it at once when the log was abandoned). */
    void landed(String key) {
        Consumer<String> late;
        synchronized (lock) {
            late = lateDelete;
            if (late == null) {
                keys.add(key);
            }
        }
        if (late != null) {
            late.accept(key);
        }
    }

    /** Takes every key recorded so far (the log stays open: later keys are recorded again). */
    List<String> drain() {
        List<String> out = new ArrayList<>();
        String k;
        while ((k = keys.poll()) != null) {
            out.add(k);
        }
        return out;
    }

    /**
     * Gives the log up: returns every key recorded so far, and from now on deletes each key that lands later.
     *
     * @param deleteLate deletes one late key
     * @return the keys recorded so far
     */
    List<String> abandon(Consumer<String> deleteLate) {
        synchronized (lock) {
            if (lateDelete == null) {
                lateDelete = deleteLate;
            }
        }
        return drain();
    }
}

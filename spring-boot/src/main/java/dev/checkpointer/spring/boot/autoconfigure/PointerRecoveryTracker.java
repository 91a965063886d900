package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.lang.Nullable;

/**
 * Remembers the reads that found {@code _latest} missing or corrupt and recovered from the manifests
 * ({@link CheckpointListener#onPointerRecovery}), for the {@code checkpointer} health indicator. The auto-configured
 * {@link Checkpointer} gets this listener like every {@link CheckpointListener} bean; a checkpointer the application
 * builds itself must be given it ({@code builder.listener(tracker)}) for the health indicator to see recoveries.
 */
public class PointerRecoveryTracker implements CheckpointListener {
    private final AtomicLong recoveries = new AtomicLong();
    private final AtomicReference<Recovery> last = new AtomicReference<>();
    private final Clock clock;

    /**
     * One recovery.
     *
     * @param recovered the checkpoint reads used instead, or null when no chain verified
     * @param reason what is wrong with the pointer
     * @param at when it was reported
     */
    public record Recovery(@Nullable CheckpointId recovered, String reason, Instant at) {}

    /** Creates a tracker on the UTC system clock. */
    public PointerRecoveryTracker() {
        this(Clock.systemUTC());
    }

    /**
     * Creates a tracker.
     *
     * @param clock stamps the recoveries
     */
    public PointerRecoveryTracker(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void onPointerRecovery(@Nullable CheckpointId recovered, String reason) {
        last.set(new Recovery(recovered, reason, clock.instant()));
        recoveries.incrementAndGet();
    }

    /**
     * How many reads have had to recover the pointer since this tracker was created.
     *
     * @return the count
     */
    public long count() {
        return recoveries.get();
    }

    /**
     * The most recent recovery.
     *
     * @return it, or null when there was none
     */
    @Nullable
    public Recovery last() {
        return last.get();
    }
}

package dev.checkpointer.internal;

import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Chunking;
import dev.checkpointer.Retention;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.spi.ObjectStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything the engine ({@link Engine}) is configured with; built and validated by
 * {@link dev.checkpointer.CheckpointerBuilder}.
 */
public record EngineConfig(
        ObjectStore store,
        boolean ownsStore,
        int maxConcurrentUploads,
        int inlineThreshold,
        int maxInlineBytes,
        long partSize,
        long multipartThreshold,
        RetrySettings retry,
        Retention retention,
        Duration orphanGracePeriod,
        List<CheckpointListener> listeners,
        Clock clock,
        String writerId,
        @Nullable String expectedFingerprint,
        boolean repairPointerOnSave,
        Duration operationTimeout,
        Chunking chunking) {

    /** Copies the listener list. */
    public EngineConfig {
        listeners = List.copyOf(listeners);
    }
}

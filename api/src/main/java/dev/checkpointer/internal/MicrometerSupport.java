package dev.checkpointer.internal;

import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.internal.micrometer.MeteredCheckpointer;
import dev.checkpointer.internal.micrometer.MeteredObjectStore;
import dev.checkpointer.internal.micrometer.MicrometerCheckpointListener;
import dev.checkpointer.spi.ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * The one place where {@link dev.checkpointer.CheckpointerBuilder} meets Micrometer. The builder holds the registry
 * and tags as {@code Object}s and only reaches this class when {@code meterRegistry(..)} was called, so neither the
 * builder nor the engine loads a Micrometer class otherwise: the core runs without {@code micrometer-core}.
 * Everything this class exposes is typed with the library's own interfaces.
 */
public final class MicrometerSupport {
    private final MeterRegistry registry;
    private final Tags extraTags;
    private final String store;

    private MicrometerSupport(MeterRegistry registry, Tags extraTags, String store) {
        this.registry = registry;
        this.extraTags = extraTags;
        this.store = store;
    }

    /**
     * Binds a registry to a checkpointer about to be built.
     *
     * @param registry a {@code io.micrometer.core.instrument.MeterRegistry}
     * @param tags an {@code Iterable<io.micrometer.core.instrument.Tag>} of common tags; a {@code store} tag in it
     *     overrides the store's scheme
     * @param store the store the checkpointer will use (before metering)
     * @return the binding
     */
    @SuppressWarnings("unchecked")
    public static MicrometerSupport bind(Object registry, Object tags, ObjectStore store) {
        Tags extra = Tags.of((Iterable<Tag>) Objects.requireNonNull(tags, "tags"));
        return new MicrometerSupport((MeterRegistry) Objects.requireNonNull(registry, "registry"), extra,
                dev.checkpointer.micrometer.CheckpointerMeters.storeTag(store));
    }

    /**
     * The store, metered: requests per operation and bytes.
     *
     * @param store the store
     * @return the wrapper, which closes {@code store} when closed
     */
    public ObjectStore store(ObjectStore store) {
        return new MeteredObjectStore(store, registry, this.store, extraTags);
    }

    /**
     * The listener recording saves, retries, throttles, integrity failures, conflicts, corrupt checkpoints and
     * skipped ticks and failed periodic checkpoints.
     *
     * @return the listener
     */
    public CheckpointListener listener() {
        return new MicrometerCheckpointListener(registry, store, extraTags);
    }

    /**
     * The checkpointer, with its loads and partition reads timed.
     *
     * @param checkpointer the engine
     * @return the wrapper, which closes {@code checkpointer} when closed
     */
    public Checkpointer checkpointer(Checkpointer checkpointer) {
        return new MeteredCheckpointer(checkpointer, registry, store, extraTags);
    }
}

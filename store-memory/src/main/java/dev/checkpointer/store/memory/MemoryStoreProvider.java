package dev.checkpointer.store.memory;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * Opens {@code memory://name/prefix}: the named in-memory bucket shared by the JVM, scoped to the prefix.
 * Takes no options. Fault injection is not an option of the URI: tests wrap the store in the testkit's
 * {@code FaultInjectingStore}.
 */
public final class MemoryStoreProvider implements ObjectStoreProvider {

    /** Used by {@link java.util.ServiceLoader}. */
    public MemoryStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("memory");
    }

    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        StoreLocation location = StoreLocation.parse(uri);
        StoreOptions.of("memory", options, Set.of(), Set.of());
        return MemoryStore.builder().name(location.container()).prefix(location.prefix()).build();
    }
}

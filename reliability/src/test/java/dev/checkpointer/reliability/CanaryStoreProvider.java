package dev.checkpointer.reliability;

import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * A stand-in for a cloud store that takes credentials, for R6 until the S3 and Azure stores land:
 * {@code canary://container/prefix} with the options a cloud provider has ({@code region}, {@code endpoint}) and
 * secret ones ({@code accessKey}, {@code secretKey}, {@code sasToken}, {@code connectionString}), validated with
 * {@link StoreOptions} as every provider does, over a named memory bucket. {@code faultRate} makes a share of its
 * calls fail transiently, so the engine's retry logging runs. Registered for {@link java.util.ServiceLoader} in this
 * module's test resources only. It lets R6 check the engine's side (registry, builder, logs, messages, and
 * {@code toString()} of checkpointers) with secrets actually set; the real providers' own handling is checked by
 * adding their cases to {@link SecretCases} when they land.
 */
public final class CanaryStoreProvider implements ObjectStoreProvider {
    /** Every option. */
    public static final Set<String> OPTIONS = Set.of("region", "endpoint", "accessKey", "secretKey", "sasToken", "connectionString", "faultRate");
    /** The secret ones. */
    public static final Set<String> SECRETS = Set.of("accessKey", "secretKey", "sasToken", "connectionString");

    /** Used by {@link java.util.ServiceLoader}. */
    public CanaryStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("canary");
    }

    @Override
    public ObjectStore open(URI uri, Map<String, String> options) {
        StoreLocation location = StoreLocation.parse(uri);
        StoreOptions o = StoreOptions.of("canary", options, OPTIONS, SECRETS);
        double rate = o.string("faultRate").map(Double::parseDouble).orElse(0.0);
        ObjectStore memory = MemoryStore.builder().name("canary-" + location.container()).prefix(location.prefix()).build();
        FaultInjectingStore faulty = new FaultInjectingStore(memory)
                .inject(FaultInjectingStore.Plan.none().withTransientRate(rate).withAfterEffectRate(0.5).withMidBodyRate(0.5).withSeed(1));
        return new CanaryStore(faulty, location, o);
    }

    /** The canary's store: a describe() and toString() as a careful cloud store writes them. */
    static final class CanaryStore extends ForwardingObjectStore {
        private final StoreLocation location;
        private final StoreOptions options;

        CanaryStore(ObjectStore delegate, StoreLocation location, StoreOptions options) {
            super(delegate);
            this.location = location;
            this.options = options;
        }

        @Override
        public String describe() {
            return location.toString();
        }

        @Override
        public String toString() {
            return "CanaryStore[" + location + ", " + options + "]";
        }
    }
}

package dev.checkpointer.store.memory;

import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.memory.internal.MemoryObjectStore;
import java.time.Clock;
import java.util.Objects;

/**
 * Opens in-memory stores with the semantics of a cloud store (atomic create-if-absent and if-match, a new ETag per
 * write, server-side SHA-256 verification, paged listings, multipart uploads), for tests, demos and benchmarks.
 *
 * <p>Stores opened with the same name ({@link #named}, {@code memory://name}) share one bucket for the life of the
 * JVM, so a "restarted" checkpointer sees what the previous one wrote; {@link #create()} makes a private bucket,
 * which {@link #reopen} opens again. For fault injection, crash points, a call log and tampering with stored
 * bytes, wrap the store in the testkit's {@code FaultInjectingStore}.
 */
public final class MemoryStore {

    private MemoryStore() {}

    /**
     * A builder for a store with a name, a key prefix, a clock or other capabilities.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A store over a fresh, private bucket.
     *
     * @return the store
     */
    public static ObjectStore create() {
        return builder().build();
    }

    /**
     * A store over the bucket of that name, shared by every store opened with it in this JVM (as
     * {@code memory://name}).
     *
     * @param name the bucket name
     * @return the store
     */
    public static ObjectStore named(String name) {
        return builder().name(name).build();
    }

    /**
     * Another store over the same bucket and prefix as a memory store: what a restarted process would open, also
     * for a private bucket, and usable after the first one is closed.
     *
     * @param store a store made by this class or by {@code memory://}
     * @return the new store
     * @throws IllegalArgumentException when {@code store} is not a memory store (a wrapper is not unwrapped)
     */
    public static ObjectStore reopen(ObjectStore store) {
        return memory(store).reopen();
    }

    /**
     * Multipart uploads started in a memory store's bucket and neither completed nor aborted: what a cloud
     * store's "list incomplete uploads" request shows, for tests that check that nothing is left behind.
     *
     * @param store a store made by this class or by {@code memory://}
     * @return the count
     * @throws IllegalArgumentException when {@code store} is not a memory store (a wrapper is not unwrapped)
     */
    public static int pendingUploads(ObjectStore store) {
        return memory(store).pendingUploads();
    }

    /**
     * Forgets a named bucket and its contents, to free memory; stores already open keep working on the old bucket,
     * and the next store opened with the name gets an empty one.
     *
     * @param name the bucket name
     */
    public static void dropNamed(String name) {
        MemoryObjectStore.dropNamed(name);
    }

    private static MemoryObjectStore memory(ObjectStore store) {
        if (Objects.requireNonNull(store, "store") instanceof MemoryObjectStore m) {
            return m;
        }
        throw new IllegalArgumentException("not a memory store: " + store.describe());
    }

    /** Configures an in-memory store; {@link #build()} returns it as an {@link ObjectStore}. */
    public static final class Builder {
        private final MemoryObjectStore.Builder settings = MemoryObjectStore.builder();

        private Builder() {}

        /**
         * Shares the bucket of this name (default: a fresh private bucket).
         *
         * @param value the name, not empty
         * @return this builder
         */
        public Builder name(String value) {
            settings.name(value);
            return this;
        }

        /**
         * Scopes the store to a key prefix inside the bucket.
         *
         * @param value the prefix, without leading or trailing '/' (empty for none)
         * @return this builder
         */
        public Builder prefix(String value) {
            settings.prefix(value);
            return this;
        }

        /**
         * The clock that stamps last-modified times (default UTC system clock).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            settings.clock(value);
            return this;
        }

        /**
         * What the store claims to support (default: everything, minimum part size 1 byte, 10,000 parts).
         *
         * @param value the capabilities
         * @return this builder
         */
        public Builder capabilities(Capabilities value) {
            settings.capabilities(value);
            return this;
        }

        /**
         * How many objects one list request returns (default 1000, as S3); a listing makes one request per page.
         *
         * @param value at least 1
         * @return this builder
         */
        public Builder pageSize(int value) {
            settings.pageSize(value);
            return this;
        }

        /**
         * Builds the store.
         *
         * @return the store
         */
        public ObjectStore build() {
            return settings.build();
        }
    }
}

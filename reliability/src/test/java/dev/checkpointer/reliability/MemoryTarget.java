package dev.checkpointer.reliability;

import dev.checkpointer.store.memory.MemoryObjectStore;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;

/** The in-memory store: a named bucket per location, so that {@code memory://name} URIs reach it too. */
public final class MemoryTarget implements StoreTarget {
    private static final AtomicLong NAMES = new AtomicLong();

    /** Creates the target. */
    public MemoryTarget() {}

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public MemoryLocation create(String label) {
        return new MemoryLocation("reliability-" + label + "-" + NAMES.incrementAndGet());
    }

    @Override
    public String toString() {
        return name();
    }

    /** A named memory bucket; {@link #memory()} gives the handle with fault injection and tampering. */
    public static final class MemoryLocation implements Location {
        private final String bucket;
        private final MemoryObjectStore base;

        MemoryLocation(String bucket) {
            this.bucket = bucket;
            this.base = MemoryObjectStore.named(bucket);
        }

        @Override
        public String target() {
            return "memory";
        }

        /**
         * The first handle of this bucket, for its memory-only controls (faults, crash points, raw bytes).
         *
         * @return the store
         */
        public MemoryObjectStore memory() {
            return base;
        }

        @Override
        public MemoryObjectStore open() {
            return base.sibling();
        }

        @Override
        public String uri() {
            return "memory://" + bucket;
        }

        @Override
        public OptionalInt pendingUploads() {
            return OptionalInt.of(base.pendingUploads());
        }

        @Override
        public java.util.List<String> keys() {
            return base.keys();
        }

        @Override
        public void close() {
            MemoryObjectStore.dropNamed(bucket);
        }

    }
}

package dev.checkpointer.reliability;

import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
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

    /** A named memory bucket; faults and tampering come from {@code FaultInjectingStore} over {@link #open()}. */
    public static final class MemoryLocation implements Location {
        private final String bucket;
        private final ObjectStore base;

        MemoryLocation(String bucket) {
            this.bucket = bucket;
            this.base = MemoryStore.named(bucket);
        }

        @Override
        public String target() {
            return "memory";
        }

        @Override
        public ObjectStore open() {
            return MemoryStore.reopen(base);
        }

        @Override
        public String uri() {
            return "memory://" + bucket;
        }

        @Override
        public OptionalInt pendingUploads() {
            return OptionalInt.of(MemoryStore.pendingUploads(base));
        }

        @Override
        public java.util.List<String> keys() {
            return base.list("").map(ObjectInfo::key).collectList().block();
        }

        @Override
        public void close() {
            MemoryStore.dropNamed(bucket);
        }

    }
}

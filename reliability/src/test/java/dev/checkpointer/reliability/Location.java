package dev.checkpointer.reliability;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectInfo;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * One store location used by one test: opened as many times as the test needs (each {@link #open()} is what a
 * restarted process, or another host, would open), and removed on {@link #close()}.
 */
public interface Location extends AutoCloseable {

    /**
     * The target this location belongs to.
     *
     * @return the target's name
     */
    String target();

    /**
     * A new store handle over this location, sharing its data with every other handle. The location closes the
     * handles it gave out.
     *
     * @return the store
     */
    ObjectStore open();

    /**
     * A URI that {@link dev.checkpointer.Checkpointer#open(String)} accepts for this location.
     *
     * @return e.g. {@code memory://bucket} or {@code file:///tmp/x}
     */
    String uri();

    /**
     * The store options that go with {@link #uri()} (the emulator's endpoint and credentials, which a URI should not
     * carry), for {@code Checkpointer.builder().location(uri, options)}.
     *
     * @return the options; empty for the memory and file-system stores
     */
    default java.util.Map<String, String> options() {
        return java.util.Map.of();
    }

    /**
     * Whether an aborted multipart upload may leave its staged parts behind until {@code prune()} (Azure: blocks
     * staged for a blob never committed form an uncommitted blob, which Azure cannot delete on abort; they are
     * invisible to readers and {@code prune()} discards them). {@link #pendingUploads()} counts them.
     *
     * @return true when an abort does not remove what was staged
     */
    default boolean abortLeavesStagedParts() {
        return false;
    }

    /**
     * A URI for a sub-prefix of this location (a second job sharing the bucket or directory).
     *
     * @param name the sub-prefix, one segment
     * @return e.g. {@code memory://bucket/job-3}
     */
    default String uri(String name) {
        String base = uri();
        return base + (base.endsWith("/") ? "" : "/") + name;
    }

    /**
     * Multipart uploads started and neither completed nor aborted, where the store exposes them.
     *
     * @return the count, or empty when the provider cannot list them
     */
    OptionalInt pendingUploads();

    /**
     * Every key at the location, through a fresh handle (what any reader sees).
     *
     * @return the keys, sorted
     */
    default List<String> keys() {
        try (ObjectStore s = open()) {
            return s.list("").map(ObjectInfo::key).sort().collectList().block(Duration.ofSeconds(60));
        }
    }

    /** Closes every handle and removes the location's data. */
    @Override
    void close();
}

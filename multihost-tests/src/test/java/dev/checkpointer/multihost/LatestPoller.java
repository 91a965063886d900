package dev.checkpointer.multihost;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Reads {@code _latest} through the SPI back to back (one read in flight, no pause) on a thread of its own, and
 * records every time its {@code id} (or {@code epoch}) is lower than the value read just before: the pointer moving
 * back. Only the {@code id} and {@code epoch} fields are read (Jackson tree API; in format 2 inside the envelope's
 * {@code pointer} body), which format-1 and format-2
 * pointers both have. A missing pointer (before the first commit) is counted, not an error.
 */
final class LatestPoller implements AutoCloseable {
    /** Bound on one read: S3Mock sometimes never finishes a body it serves while the object is replaced. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);
    private static final int KEEP = 50;

    private final ObjectStore store;
    private final long pauseNanos;
    private final Thread thread;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<String> backwards = Collections.synchronizedList(new ArrayList<>());
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private volatile long reads;
    private volatile long missing;
    private volatile long changes;
    private volatile long lastId = -1;
    private volatile long maxId = -1;
    private volatile long lastEpoch = -1;
    private volatile int backwardsCount;
    private volatile int errorCount;
    private volatile int transientCount;
    private final List<String> transients = Collections.synchronizedList(new ArrayList<>());

    /**
     * Starts polling the location at once.
     *
     * @param pause between the end of one read and the start of the next (zero: none)
     */
    LatestPoller(String uri, Duration pause) {
        this.pauseNanos = pause.toNanos();
        this.store = Stores.open(uri);
        this.thread = new Thread(this::run, "latest-poller");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!stop.get()) {
            pollOnce();
            if (pauseNanos > 0) {
                java.util.concurrent.locks.LockSupport.parkNanos(pauseNanos);
            }
        }
    }

    /**
     * One read; also used once more after the writers stopped, for the final value.
     *
     * @return the id read, or -1 when the read failed or found no pointer
     */
    private synchronized long pollOnce() {
        byte[] body;
        try {
            body = store.readAll(Stores.LATEST)
                    .timeout(READ_TIMEOUT, reactor.core.publisher.Mono.error(() -> StoreException.transientFailure("get", Stores.LATEST,
                            "no complete answer within " + READ_TIMEOUT.toSeconds() + " s", null)))
                    .block();
        } catch (RuntimeException e) {
            if (e instanceof StoreException se && se.isNotFound()) {
                missing++;
                if (lastId >= 0) {
                    note(backwards, "read " + (reads + 1) + ": _latest is missing after it named id " + lastId);
                    backwardsCount++;
                }
            } else if (e instanceof StoreException se && se.isTransient()) {
                // e.g. S3Mock serving a GET of _latest while a PUT replaces it: the SDK sees a body that does not
                // match its checksum. The engine retries these; so does the poller (the next read), counting them.
                transientCount++;
                note(transients, "read " + (reads + 1) + ": " + Wire.oneLine(e));
            } else {
                errorCount++;
                note(errors, "read " + (reads + 1) + ": " + e.getClass().getSimpleName() + ": " + Wire.oneLine(e));
            }
            reads++;
            return -1;
        }
        reads++;
        JsonNode pointer;
        try {
            pointer = Wire.JSON.readTree(body);
        } catch (IOException e) {
            errorCount++;
            note(errors, "read " + reads + ": _latest is not JSON: " + Wire.oneLine(e));
            return -1;
        }
        if (pointer.has("pointer")) {
            pointer = pointer.get("pointer"); // format 2: the fields sit in the envelope's body
        }
        JsonNode idNode = pointer.get("id");
        if (idNode == null || !idNode.canConvertToLong()) {
            errorCount++;
            note(errors, "read " + reads + ": _latest has no numeric id: " + pointer);
            return -1;
        }
        long id = idNode.asLong();
        long epoch = pointer.path("epoch").asLong(-1);
        if (id < lastId) {
            backwardsCount++;
            note(backwards, "read " + reads + ": _latest id went from " + lastId + " back to " + id);
        }
        if (epoch < lastEpoch) {
            backwardsCount++;
            note(backwards, "read " + reads + ": _latest epoch went from " + lastEpoch + " back to " + epoch);
        }
        if (id != lastId) {
            changes++;
        }
        lastId = id;
        lastEpoch = epoch;
        maxId = Math.max(maxId, id);
        return id;
    }

    private static void note(List<String> list, String what) {
        if (list.size() < KEEP) {
            list.add(what);
        }
    }

    /**
     * Stops polling, then reads the pointer once more.
     *
     * @return the final id ({@code -1} when there is no pointer)
     */
    long stopAndReadFinal() {
        stop.set(true);
        try {
            thread.join(READ_TIMEOUT.toMillis() * 4);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            throw new AssertionError("the _latest poller did not stop");
        }
        return pollOnce();
    }

    long reads() {
        return reads;
    }

    long missing() {
        return missing;
    }

    /** How many reads saw another id than the read before. */
    long changes() {
        return changes;
    }

    /** The highest id any read saw. */
    long maxId() {
        return maxId;
    }

    int backwardsCount() {
        return backwardsCount;
    }

    /** The first moves back (at most 50). */
    List<String> backwards() {
        synchronized (backwards) {
            return List.copyOf(backwards);
        }
    }

    int errorCount() {
        return errorCount;
    }

    /** The first failed reads (at most 50). */
    List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    /** Reads that failed with a transient store error (retried by the next read). */
    int transientCount() {
        return transientCount;
    }

    /** The first transient failures (at most 50). */
    List<String> transients() {
        synchronized (transients) {
            return List.copyOf(transients);
        }
    }

    @Override
    public void close() {
        stop.set(true);
        store.close();
    }
}

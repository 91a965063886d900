package dev.checkpointer.reliability;

import dev.checkpointer.spi.ObjectStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads {@code _latest} over and over on a thread of its own, through its own store handle, while a test runs, and
 * records every time the head id, the epoch or the floor is lower than in the previous read (invariant I6 of
 * {@code docs/PROTOCOL.md}: none of them ever decreases), and every id it saw named as head with two different manifest
 * digests (I1: an id is committed once, with one manifest for all time). Reads that fail or find no pointer yet are counted, not
 * judged.
 */
final class PointerWatch implements AutoCloseable {
    private final ObjectStore store;
    private final Duration pause;
    private final Thread thread;
    private final AtomicLong reads = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private final List<String> backwards = new ArrayList<>();
    private final java.util.Map<Long, String> digests = new java.util.HashMap<>();
    private final List<String> twoDigests = new ArrayList<>();
    private volatile boolean stopped;
    private StoredJson.PointerFields last;

    PointerWatch(ObjectStore store, Duration pause) {
        this.store = store;
        this.pause = pause;
        this.thread = new Thread(this::run, "pointer-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!stopped) {
            try {
                StoredJson.PointerFields p = StoredJson.pointer(store);
                reads.incrementAndGet();
                synchronized (this) {
                    if (last != null && !last.noneBehind(p) && backwards.size() < 20) {
                        backwards.add(last + " -> " + p);
                    }
                    if (last == null || last.noneBehind(p)) {
                        last = p;
                    }
                    if (p.id() > 0 && p.manifestSha256() != null) {
                        String before = digests.putIfAbsent(p.id(), p.manifestSha256());
                        if (before != null && !before.equals(p.manifestSha256()) && twoDigests.size() < 20) {
                            twoDigests.add("id " + p.id() + ": " + before + " and " + p.manifestSha256());
                        }
                    }
                }
            } catch (RuntimeException e) {
                unreadable.incrementAndGet();
            }
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    long reads() {
        return reads.get();
    }

    long unreadable() {
        return unreadable.get();
    }

    synchronized List<String> backwards() {
        return List.copyOf(backwards);
    }

    /** Ids the pointer named as head with two different manifest digests (invariant I1: an id is committed once). */
    synchronized List<String> twoDigests() {
        return List.copyOf(twoDigests);
    }

    /** Stops watching (waits, bounded, for the last read); idempotent. */
    void stop() {
        stopped = true;
        try {
            thread.join(Workload.TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}

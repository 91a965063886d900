package dev.checkpointer.examples.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named points of the job, announced on standard output as {@code @point NAME COUNT} so that a test (or a curious
 * operator) can follow it. With a pause point {@code NAME:N} (several: comma-separated, the first reached wins), the
 * N-th arrival at {@code NAME} (counting only arrivals once {@code pause-after} records were consumed, except for
 * {@code consumed} itself) prints {@code @paused} and blocks that thread for good, so the kill test can SIGKILL the job at exactly that step.
 */
final class Points {
    private final Map<String, Long> pauses = new HashMap<>();
    private final long after;
    private final ConcurrentHashMap<String, AtomicLong> armed = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

    Points(Optional<String> pauseAt, long after) {
        this.after = after;
        for (String spec : pauseAt.map(p -> p.split(",")).orElse(new String[0])) {
            int colon = spec.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("pause-at must be POINT:N[,POINT:N...], got '" + spec + "'");
            }
            pauses.put(spec.substring(0, colon), Long.parseLong(spec.substring(colon + 1)));
        }
    }

    /**
     * Announces that the job reached a point, and blocks there if it is the pause point.
     *
     * @param name the point
     */
    void reached(String name) {
        long n = counts.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet();
        synchronized (System.out) {
            System.out.println("@point " + name + " " + n);
            System.out.flush();
        }
        Long pauseAt = pauses.get(name);
        AtomicLong consumed = counts.get("consumed");
        if (pauseAt != null && (name.equals("consumed") || (consumed == null ? 0 : consumed.get()) >= after)
                && armed.computeIfAbsent(name, k -> new AtomicLong()).incrementAndGet() == pauseAt) {
            synchronized (System.out) {
                System.out.println("@paused " + name + " " + n);
                System.out.flush();
            }
            try {
                new CountDownLatch(1).await(); // until the test kills the JVM
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while paused at " + name, e);
            }
        }
    }
}

package dev.checkpointer.examples.kafka;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named points of the job, announced on standard output as {@code @point NAME COUNT} so that a test (or a curious
 * operator) can follow it. With a pause point {@code NAME:N}, the N-th arrival at {@code NAME} prints {@code @paused}
 * and blocks that thread for good, so the kill test can SIGKILL the job at exactly that step.
 */
final class Points {
    private final Optional<String> pauseName;
    private final long pauseAt;
    private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

    Points(Optional<String> pauseAt) {
        if (pauseAt.isPresent()) {
            String spec = pauseAt.get();
            int colon = spec.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("pause-at must be POINT:N, got '" + spec + "'");
            }
            this.pauseName = Optional.of(spec.substring(0, colon));
            this.pauseAt = Long.parseLong(spec.substring(colon + 1));
        } else {
            this.pauseName = Optional.empty();
            this.pauseAt = -1;
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
        if (pauseName.isPresent() && pauseName.get().equals(name) && n == pauseAt) {
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

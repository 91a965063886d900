package dev.checkpointer.simulation;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import reactor.core.publisher.Hooks;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Simulated time: Reactor's {@link VirtualTimeScheduler}, installed for the duration of one schedule in place of
 * every Reactor scheduler ({@code Schedulers.parallel()} and the rest), so that retry backoff ({@code Mono.delay}
 * in resilience4j's retry operator), {@code subscribeOn(parallel())} and the engine's elapsed-time budget all run on
 * the simulation thread, in virtual time. Tasks due now run synchronously when scheduled; later ones run only when
 * the simulation advances time.
 *
 * <p>The store stamps objects with {@link #storeNow()}; each process gets a {@link #clock(Duration)} skewed from it.
 *
 * <p>Reactor's scheduler factory and hooks are global to the JVM, so one simulated world runs at a time: {@link
 * #install()} waits until the previous one is closed. Two at once would schedule each other's work and both lose
 * determinism. That happens without the lock: jqwik's bounded shrinking runs on a pool thread and, when it times
 * out, keeps running there while the next test starts (a CI run saw LIVE and spurious failures in the tests after a
 * property whose shrinking outran its bound).
 */
final class SimTime implements AutoCloseable {
    /** Virtual time 0 on the wall clock of the simulated world. */
    static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");

    private static final Field QUEUE;
    private static final Field TIME;
    private static final Method DISPOSED;

    static {
        try {
            QUEUE = VirtualTimeScheduler.class.getDeclaredField("queue");
            QUEUE.setAccessible(true);
            Class<?> timed = Class.forName(VirtualTimeScheduler.class.getName() + "$TimedRunnable");
            TIME = timed.getDeclaredField("time");
            TIME.setAccessible(true);
            DISPOSED = timed.getDeclaredMethod("isDisposed");
            DISPOSED.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Held from {@link #install()} to {@link #close()}: one simulated world at a time in the JVM. */
    private static final ReentrantLock WORLD = new ReentrantLock(true);

    private final VirtualTimeScheduler vts;
    private boolean closed;

    private SimTime(VirtualTimeScheduler vts) {
        this.vts = vts;
    }

    /** Installs a fresh virtual-time scheduler; {@link #close()} removes it. */
    static SimTime install() {
        WORLD.lock();
        try {
            VirtualTimeScheduler.reset();
            // Errors that arrive after their subscriber is gone (a crashed process, a detached request) are normal here.
            Hooks.onErrorDropped(e -> { });
            Hooks.onNextDropped(v -> { });
            return new SimTime(VirtualTimeScheduler.getOrSet(VirtualTimeScheduler.create()));
        } catch (RuntimeException | Error e) {
            WORLD.unlock();
            throw e;
        }
    }

    /** Milliseconds since the start of the schedule. */
    long nowMillis() {
        return vts.now(TimeUnit.MILLISECONDS);
    }

    /** What the store's clock says now. */
    Instant storeNow() {
        return BASE.plusMillis(nowMillis());
    }

    /** A process clock that runs {@code skew} ahead of (negative: behind) the store's. */
    Clock clock(Duration skew) {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return storeNow().plus(skew);
            }
        };
    }

    /** Runs every task due within {@code span}. */
    void advance(Duration span) {
        vts.advanceTimeBy(span);
    }

    /** The virtual nanosecond time of the earliest task not yet run, if any. */
    OptionalLong nextTimerNanos() {
        try {
            long best = Long.MAX_VALUE;
            for (Object t : (Collection<?>) QUEUE.get(vts)) {
                if (!(Boolean) DISPOSED.invoke(t)) {
                    best = Math.min(best, TIME.getLong(t));
                }
            }
            return best == Long.MAX_VALUE ? OptionalLong.empty() : OptionalLong.of(best);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Advances to the earliest pending task and runs it (and any others due then). */
    boolean advanceToNextTimer() {
        OptionalLong next = nextTimerNanos();
        if (next.isEmpty()) {
            return false;
        }
        long now = vts.now(TimeUnit.NANOSECONDS);
        vts.advanceTimeBy(Duration.ofNanos(Math.max(0, next.getAsLong() - now)));
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            VirtualTimeScheduler.reset();
            Hooks.resetOnErrorDropped();
            Hooks.resetOnNextDropped();
        } finally {
            WORLD.unlock();
        }
    }
}

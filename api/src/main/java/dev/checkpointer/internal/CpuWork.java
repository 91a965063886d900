package dev.checkpointer.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.NonBlocking;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Where a checkpointer runs its CPU-bound work: hashing partitions, cutting and compressing chunks, copying and
 * verifying chunks on reads. A pool per checkpointer of as many threads as cores, all taking tasks from one queue, so
 * a task waits only while every thread is busy; threads idle for a minute end, and are started again when needed.
 *
 * <p>Why not {@code Schedulers.parallel()} itself: each of its workers has a queue of its own and tasks are dealt to
 * them in turn, so with tasks of milliseconds (a chunk compressed with zstd, a partition hashed, a chunk verified)
 * one core can sit idle while another holds a queue of them. A zstd save on two cores measured both busy only 78-94%
 * of the time that way, and 98-100% on this pool. (Reactor's bounded elastic scheduler, which gives a task to the
 * least busy thread, still queues one behind a busy thread when the counts tie.)
 *
 * <p>The pool follows Reactor's scheduler factory as {@code Schedulers.parallel()} does. When an application or a
 * test installed a factory of its own (virtual time, instrumentation), this work runs on what that factory makes for
 * {@code Schedulers.newParallel}, used as it is and never disposed here (reactor-test's virtual time hands its one
 * scheduler to every request). Which applies is decided when work first needs the pool, and again whenever the
 * factory changes (seen as a new {@code Schedulers.parallel()} instance), so it does not matter whether the
 * checkpointer was built before or after the factory was installed. Once the checkpointer is closed, the pool finishes
 * what it was given and ends; work started later (reading a checkpoint loaded before, from a store the checkpointer
 * does not own) runs on {@code Schedulers.parallel()}.
 */
final class CpuWork {
    private static final Logger log = LoggerFactory.getLogger(CpuWork.class);
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final int IDLE_SECONDS = 60;

    private final String owner;
    private volatile @Nullable Bound bound;
    private volatile boolean closed;

    /** A pool, the {@code Schedulers.parallel()} instance in force when it was made, and its threads if it is ours. */
    private record Bound(Scheduler parallel, Scheduler pool, @Nullable ExecutorService own) {}

    CpuWork(String owner) {
        this.owner = owner;
    }

    /** {@code work} subscribed on the pool. */
    <T> Mono<T> on(Mono<T> work) {
        return Mono.defer(() -> work.subscribeOn(current())).onErrorMap(this::closedDuringSchedule, this::closedError);
    }

    /** Lets the pool finish the work it was given, then retires its threads; later work runs on {@code Schedulers.parallel()}. */
    void close() {
        Bound b;
        synchronized (this) {
            closed = true;
            b = bound;
            bound = null;
        }
        if (b != null) {
            retire(b);
        }
    }

    private Scheduler current() {
        Scheduler parallel = Schedulers.parallel();
        Bound b = bound;
        if (b != null && b.parallel == parallel) {
            return b.pool;
        }
        Bound old;
        synchronized (this) {
            if (closed) {
                return parallel;
            }
            b = bound;
            if (b != null && b.parallel == parallel) {
                return b.pool;
            }
            old = b;
            b = make(parallel);
            bound = b;
        }
        if (old != null) {
            log.debug("Reactor's scheduler factory changed: CPU work for {} moves to a pool made by the new one", owner);
            retire(old);
        }
        return b.pool;
    }

    /** Reactor's own factory makes a ParallelScheduler for newParallel: then a pool of ours, else what the factory made. */
    private Bound make(Scheduler parallel) {
        Scheduler made = Schedulers.newParallel("checkpointer-cpu", THREADS, true);
        if (!isReactors(made)) {
            return new Bound(parallel, made, null);
        }
        made.dispose(); // started no thread yet: threads start with their first task
        ThreadPoolExecutor own = new ThreadPoolExecutor(THREADS, THREADS, IDLE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), CpuThread::new);
        own.allowCoreThreadTimeOut(true);
        // Trampolining workers: the tasks of one worker run in order and one at a time (Reactor's Worker contract), while
        // the tasks of all workers share the pool's one queue. A worker of fromExecutorService would run its tasks on
        // several threads at once.
        return new Bound(parallel, Schedulers.fromExecutor(own, true), own);
    }

    private static boolean isReactors(Scheduler s) {
        return s.getClass().getPackageName().equals("reactor.core.scheduler");
    }

    /** Ends a pool of ours once the tasks it holds have run; one an installed factory made is left to it. */
    private static void retire(Bound b) {
        if (b.own != null) {
            b.own.shutdown();
        }
    }

    /** The pool was ended between the choice of scheduler and the scheduling: the checkpointer was closed. */
    private boolean closedDuringSchedule(Throwable e) {
        return e instanceof RejectedExecutionException && closed;
    }

    private Throwable closedError(Throwable e) {
        return new CheckpointException(ErrorCode.CLOSED, "checkpointer for " + owner + " was closed while this operation ran", e);
    }

    /** A pool thread: daemon, named, and marked non-blocking, so that Reactor refuses {@code block()} on it. */
    private static final class CpuThread extends Thread implements NonBlocking {
        private static final AtomicLong COUNT = new AtomicLong();

        CpuThread(Runnable r) {
            super(r, "checkpointer-cpu-" + COUNT.incrementAndGet());
            setDaemon(true);
        }
    }
}

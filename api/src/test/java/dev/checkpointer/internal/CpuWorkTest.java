package dev.checkpointer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Chunking;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.engine.MapStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The checkpointer's pool for CPU-bound work. */
class CpuWorkTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void aTaskNeverWaitsBehindABusyThreadWhileAnotherIsFree() throws InterruptedException {
        assumeTrue(Runtime.getRuntime().availableProcessors() >= 2, "needs two cores");
        CpuWork cpu = new CpuWork("test");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Disposable held = cpu.on(Mono.fromCallable(() -> {
            started.countDown();
            // Held past every wait below (released at the end), so a task queued behind it cannot finish in time.
            return release.await(3 * WAIT.toMillis(), TimeUnit.MILLISECONDS);
        })).subscribe();
        try {
            assertThat(started.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            // One thread is held. Tasks dealt to threads in turn (as Schedulers.parallel() does) would put every other
            // one behind it, where it would wait until the release: here each runs at once on a free thread.
            for (int i = 0; i < 20; i++) {
                String thread = cpu.on(Mono.fromCallable(() -> Thread.currentThread().getName())).block(WAIT);
                assertThat(thread).startsWith("checkpointer-cpu");
            }
            assertThat(release.getCount()).as("the held task is still held").isEqualTo(1);
        } finally {
            release.countDown();
            held.dispose();
            cpu.close();
        }
    }

    @Test
    void theWorkFollowsReactorsSchedulerFactoryWheneverTheCheckpointerWasBuilt() {
        CpuWork cpu = new CpuWork("test");
        assertThat(cpu.on(Mono.fromCallable(() -> Thread.currentThread().getName())).block(WAIT)).startsWith("checkpointer-cpu");
        // Virtual time installed after the pool was made: the work runs on the virtual-time scheduler (here, on the
        // calling thread), as work on Schedulers.parallel() would.
        VirtualTimeScheduler vts = VirtualTimeScheduler.getOrSet();
        try {
            String caller = Thread.currentThread().getName();
            assertThat(cpu.on(Mono.fromCallable(() -> Thread.currentThread().getName())).block(WAIT)).isEqualTo(caller);
            // reactor-test hands its one scheduler to every request: closing must not end it for the rest of the test.
            cpu.close();
            assertThat(vts.isDisposed()).isFalse();
        } finally {
            VirtualTimeScheduler.reset();
        }
        // Closed: work started now runs on Schedulers.parallel().
        assertThat(cpu.on(Mono.fromCallable(() -> Thread.currentThread().getName())).block(WAIT)).startsWith("parallel-");
    }

    @Test
    void aCheckpointLoadedBeforeCloseStillReadsAfterIt() {
        // The store is the caller's, so it outlives the checkpointer; the chunks are fetched and verified on the pool,
        // which close() retired: the read runs on Schedulers.parallel() then.
        byte[] state = new byte[600_000];
        new Random(3).nextBytes(state);
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store)
                .chunking(Chunking.on().withAverageChunkSize(64 * 1024).withThreshold(64 * 1024).withZstd(3)).build();
        cp.save(Snapshot.builder().partition("op", 0, Payload.of(state)).build()).block(WAIT);
        Checkpoint loaded = cp.latest().block(WAIT);
        assertThat(loaded.manifest().partition("op", 0).orElseThrow().isChunked()).isTrue();
        cp.close();
        ByteBuffer read = loaded.read("op", 0).block(WAIT);
        byte[] got = new byte[read.remaining()];
        read.get(got);
        assertThat(got).isEqualTo(state);
        assertThat(loaded.stream("op", 0).map(ByteBuffer::remaining).reduce(0, Integer::sum).block(WAIT)).isEqualTo(state.length);
    }
}

package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The harness's premise, checked by experiment: with {@link SimTime} installed, work the engine sends to Reactor's
 * schedulers (subscribeOn(parallel()), Mono.delay for retry backoff, the elapsed-time clock) runs on the calling
 * thread, synchronously when due now, and only when virtual time is advanced otherwise.
 */
class SimTimeTest {
    @Test
    void zeroDelayTasksRunSynchronouslyOnTheCallingThread() {
        try (SimTime time = SimTime.install()) {
            Thread me = Thread.currentThread();
            List<Thread> ran = new ArrayList<>();
            Mono.fromCallable(() -> ran.add(Thread.currentThread())).subscribeOn(Schedulers.parallel()).subscribe();
            Mono.fromCallable(() -> ran.add(Thread.currentThread())).subscribeOn(Schedulers.boundedElastic()).subscribe();
            Mono.fromCallable(() -> ran.add(Thread.currentThread())).publishOn(Schedulers.single()).subscribe();
            assertThat(ran).containsExactly(me, me, me);
            assertThat(time.nextTimerNanos()).isEmpty();
        }
    }

    @Test
    void delaysWaitForVirtualTime() {
        try (SimTime time = SimTime.install()) {
            List<Long> fired = new ArrayList<>();
            Mono.delay(Duration.ofMillis(100)).subscribe(x -> fired.add(time.nowMillis()));
            assertThat(fired).isEmpty();
            assertThat(Schedulers.parallel().now(java.util.concurrent.TimeUnit.MILLISECONDS)).isZero();
            assertThat(time.nextTimerNanos()).hasValue(Duration.ofMillis(100).toNanos());
            assertThat(time.advanceToNextTimer()).isTrue();
            assertThat(fired).containsExactly(100L);
            assertThat(time.storeNow()).isEqualTo(SimTime.BASE.plusMillis(100));
            assertThat(time.clock(Duration.ofHours(1)).instant()).isEqualTo(SimTime.BASE.plusMillis(100).plus(Duration.ofHours(1)));
        }
    }
}

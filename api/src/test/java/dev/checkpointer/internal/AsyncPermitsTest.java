package dev.checkpointer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

class AsyncPermitsTest {

    @Test
    void waitersAreServedInOrderAndPermitsComeBackOnEveryOutcome() {
        AsyncPermits permits = new AsyncPermits(2);
        Sinks.One<String> a = Sinks.one();
        Sinks.One<String> b = Sinks.one();
        List<String> order = new ArrayList<>();
        Disposable da = permits.withPermit(() -> a.asMono()).subscribe(order::add);
        Disposable db = permits.withPermit(() -> b.asMono()).subscribe(order::add, e -> order.add("error"));
        List<String> granted = new ArrayList<>();
        Disposable dc = permits.withPermit(() -> Mono.fromCallable(() -> granted.add("c")).thenReturn("c")).subscribe(order::add);
        Disposable dd = permits.withPermit(() -> Mono.fromCallable(() -> granted.add("d")).thenReturn("d")).subscribe(order::add);
        assertThat(permits.inUse()).isEqualTo(2);
        assertThat(order).isEmpty();
        b.tryEmitError(new IllegalStateException("boom"));
        // b's permit went to c (first in line), then back and on to d; results are delivered after release
        assertThat(granted).containsExactly("c", "d");
        assertThat(order).containsExactlyInAnyOrder("error", "c", "d");
        a.tryEmitValue("a");
        assertThat(order).hasSize(4).contains("a");
        assertThat(permits.inUse()).isZero();
        assertThat(permits.peak()).isEqualTo(2);
        List.of(da, db, dc, dd).forEach(Disposable::dispose);
    }

    @Test
    void cancelledWaitersAndHoldersNeverLeakPermits() {
        AsyncPermits permits = new AsyncPermits(1);
        Disposable holder = permits.withPermit(() -> Mono.never()).subscribe();
        List<Disposable> waiters = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            waiters.add(permits.withPermit(() -> Mono.just(1)).subscribe());
        }
        waiters.forEach(Disposable::dispose);
        holder.dispose();
        assertThat(permits.inUse()).isZero();
        StepVerifier.create(permits.withPermit(() -> Mono.just("free"))).expectNext("free").verifyComplete();
    }

    @Test
    void concurrentStressKeepsTheCap() {
        AsyncPermits permits = new AsyncPermits(3);
        StepVerifier.withVirtualTime(() -> Flux.range(0, 200)
                        .flatMap(i -> permits.withPermit(() -> Mono.delay(Duration.ofMillis(1 + i % 7)).thenReturn(i)), 50)
                        .count())
                .thenAwait(Duration.ofSeconds(10))
                .expectNext(200L)
                .verifyComplete();
        assertThat(permits.peak()).isEqualTo(3);
        assertThat(permits.inUse()).isZero();
    }

    @Test
    void theChunkerCutsExactParts() {
        Uploader.Chunker chunker = new Uploader.Chunker(10);
        List<ByteBuffer> parts = new ArrayList<>();
        for (int size : new int[] {3, 7, 15, 1, 0, 9}) {
            parts.addAll(chunker.accept(ByteBuffer.allocate(size)));
        }
        parts.add(chunker.flush());
        assertThat(parts).extracting(ByteBuffer::remaining).containsExactly(10, 10, 10, 5);
    }
}

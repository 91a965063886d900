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
    void thePartReaderCutsExactPartsOnDemandWithoutCopyingWholeParts() {
        List<Integer> requested = new ArrayList<>();
        ByteBuffer big = ByteBuffer.allocate(25);
        Flux<ByteBuffer> source = Flux.just(ByteBuffer.allocate(3), ByteBuffer.allocate(7), big, ByteBuffer.allocate(1), ByteBuffer.allocate(0), ByteBuffer.allocate(9))
                .doOnRequest(n -> requested.add((int) n));
        PartReader reader = new PartReader(source, 10);
        assertThat(requested).isEmpty(); // nothing is read before a part is asked for
        List<Integer> sizes = new ArrayList<>();
        ByteBuffer part;
        while ((part = reader.next().block()) != null) {
            sizes.add(part.remaining());
        }
        assertThat(sizes).containsExactly(10, 10, 10, 10, 5);
        assertThat(requested).allSatisfy(n -> assertThat(n).isEqualTo(1));
    }

    @Test
    void thePartReaderPassesSourceErrorsOn() {
        PartReader reader = new PartReader(Flux.concat(Flux.just(ByteBuffer.allocate(4)), Flux.error(new IllegalStateException("disk gone"))), 10);
        StepVerifier.create(reader.next()).expectErrorMessage("disk gone").verify();
    }
}

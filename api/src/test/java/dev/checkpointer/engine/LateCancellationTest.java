package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * A cancellation that reaches an operation after it delivered its value undoes nothing: Reactor may cancel a
 * finished source when the chain it is part of is disposed later (found by the simulation: a coordinator whose
 * process died after staging had its staged artifact deleted, then its commit published a checkpoint without it).
 */
class LateCancellationTest {
    private static final Duration T = Duration.ofSeconds(10);

    @Test
    void disposingAChainAfterAStageDeliveredItsEntryKeepsTheStagedObject() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(16).build();
        CheckpointId id = cp.begin().block(T);
        byte[] state = new byte[5000];
        new Random(1).nextBytes(state);
        AtomicReference<PartitionEntry> staged = new AtomicReference<>();
        reactor.core.publisher.Sinks.One<PartitionEntry> delivered = reactor.core.publisher.Sinks.one();
        Disposable chain = cp.stage(id, "op", 0, Payload.of(state))
                .doOnNext(staged::set)
                .doOnNext(delivered::tryEmitValue)
                .flatMap(e -> Mono.never()) // e.g. waiting for the coordinator, when the process dies
                .subscribe();
        assertThat(delivered.asMono().block(T)).isNotNull();
        chain.dispose();
        assertThat(store.keys()).contains(staged.get().key());
        // And it commits whole.
        assertThat(cp.commit(id, dev.checkpointer.CheckpointMetadata.empty(), java.util.List.of(staged.get())).block(T).id()).isEqualTo(id);
        assertThat(dev.checkpointer.spi.Buffers.toArray(cp.latest().block(T).read("op", 0).block(T))).isEqualTo(state);
    }

    @Test
    void cancellingAStageBeforeItDeliveredRemovesWhatItWrote() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(16).build();
        CheckpointId id = cp.begin().block(T);
        Disposable running = cp.stage(id, "op", 0, Payload.of(() -> reactor.core.publisher.Flux.never(), 5000)).subscribe();
        running.dispose();
        assertThat(store.keys()).noneMatch(k -> k.contains("/op/"));
    }
}

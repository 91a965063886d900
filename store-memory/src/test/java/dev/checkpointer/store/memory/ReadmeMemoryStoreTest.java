package dev.checkpointer.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** The README's "In-memory store and fault injection" block, verbatim, then run. */
class ReadmeMemoryStoreTest {

    private static final String BLOCK = """
            ObjectStore memory = MemoryStore.create();
            FaultInjectingStore store = new FaultInjectingStore(memory)
                    .inject(FaultInjectingStore.Plan.none()
                            .withTransientRate(0.2).withThrottleRate(0.05)   // 503s and SlowDowns, before any effect
                            .withAfterEffectRate(0.5)                         // half the failed writes did land (lost response)
                            .withLatency(Duration.ofMillis(10))               // on Schedulers.parallel(): virtual time drives it
                            .withSeed(7));                                    // reproducible
            store.failOnce("put", "manifest.json", true);   // the next manifest write lands, then its response is lost
            store.crashAfter(12, false);                   // the process "dies": call 13 and every later one fail
            // ... run the checkpointer over `store` ...
            store.calls();                                  // the call log: index, operation, key
            store.flipByte("_latest", 40);                  // tampering, not logged: also raw, putRaw, truncate, keys
            ObjectStore restarted = MemoryStore.reopen(store.wrapped());   // a fresh process over the same bucket
            """;

    @Test
    void theReadmeShowsThisBlock() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String section = readme.substring(readme.indexOf("## In-memory store and fault injection"));
        section = section.substring(section.indexOf("```java\n") + "```java\n".length());
        assertThat(section.substring(0, section.indexOf("```"))).isEqualTo(BLOCK);
    }

    @Test
    void theBlockRunsAsItSays() {
        VirtualTimeScheduler.getOrSet();
        try {
            ObjectStore memory = MemoryStore.create();
            FaultInjectingStore store = new FaultInjectingStore(memory)
                    .inject(FaultInjectingStore.Plan.none()
                            .withTransientRate(0.2).withThrottleRate(0.05)
                            .withAfterEffectRate(0.5)
                            .withLatency(Duration.ofMillis(10))
                            .withSeed(7));
            store.failOnce("put", "manifest.json", true);
            Checkpointer cp = Checkpointer.builder().store(store).inlineThreshold(0).build();
            // With virtual time, every call's 10 ms latency passes as soon as the scheduler is advanced.
            Manifest first = saveOnVirtualTime(cp);
            assertThat(store.failedAfter()).as("the scripted lost response, at least").isPositive();
            assertThat(store.calls()).extracting(FaultInjectingStore.Call::operation).contains("put");
            store.inject(FaultInjectingStore.Plan.NONE).crashAfter(1, false);
            assertThatThrownBy(() -> saveOnVirtualTime(cp)).hasRootCauseInstanceOf(StoreException.class);

            byte[] pointer = store.raw("_latest").orElseThrow();
            long calls = store.callCount();
            store.flipByte("_latest", 40);
            assertThat(store.callCount()).as("tampering is not a call").isEqualTo(calls);
            ObjectStore restarted = MemoryStore.reopen(store.wrapped());
            byte[] flipped = restarted.readAll("_latest").block(Duration.ofSeconds(5));
            assertThat(flipped).hasSize(pointer.length).isNotEqualTo(pointer);
            assertThat((byte) (flipped[40] ^ pointer[40])).isEqualTo((byte) 0x5a);
            assertThat(first.id().value()).isEqualTo(1);
        } finally {
            VirtualTimeScheduler.reset();
        }
    }

    private static Manifest saveOnVirtualTime(Checkpointer cp) {
        java.util.concurrent.CompletableFuture<Manifest> done = cp.save(Snapshot.builder().partition("op", 0, Payload.of(new byte[100])).build()).toFuture();
        for (int i = 0; i < 100_000 && !done.isDone(); i++) {
            VirtualTimeScheduler.get().advanceTimeBy(Duration.ofMillis(10));
        }
        return done.join();
    }
}

package dev.checkpointer.examples.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/** The sink's prepared data without a broker: cumulative over coalesced barriers, and capped. */
class KafkaOutputSinkTest {
    private Scheduler thread;
    private KafkaOutputSink sink;

    @BeforeEach
    void setUp() {
        thread = Schedulers.newSingle("sink-test");
        // nothing connects until init(): the prepared data is computed from memory
        sink = new KafkaOutputSink(JobConfig.parse("bootstrap=127.0.0.1:1", "input=in", "output=out", "location=memory://x"),
                new Points(Optional.empty(), 0), thread);
    }

    @AfterEach
    void tearDown() {
        sink.close();
        thread.dispose();
    }

    @Test
    void prepareCoversEveryClosedBatchUpToItsEpochAndNothingAfterTheBarrier() {
        sink.write(new Output("a", "1"));
        sink.barrier(1);
        sink.write(new Output("b", "1"));
        sink.write(new Output("a", "2"));
        sink.barrier(2); // epoch 1 was coalesced into 2: prepare(2) must still carry its batch
        sink.write(new Output("c", "1")); // after the barrier: belongs to epoch 3
        StepVerifier.create(sink.prepare(2))
                .expectNext("{\"1\":[[\"a\",\"1\"]],\"2\":[[\"b\",\"1\"],[\"a\",\"2\"]]}")
                .verifyComplete();
    }

    @Test
    void preparedDataOverTheManifestCapFailsWithTheRemedy() {
        for (int i = 0; i < 400; i++) {
            sink.write(new Output("key-" + i, Integer.toString(i)));
        }
        sink.barrier(1);
        StepVerifier.create(sink.prepare(1))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("more than the manifest's 4096").hasMessageContaining("lower every="))
                .verify();
    }
}

package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The operation deadline bounds a store operation, retries and backoff included, on virtual time. */
class OperationDeadlineTest {

    /** A store whose every call answers with what {@code answer} gives. */
    private static ObjectStore answering(Supplier<Mono<?>> answer) {
        return new ObjectStore() {
            @SuppressWarnings("unchecked")
            private <T> Mono<T> call() {
                return (Mono<T>) answer.get();
            }

            @Override public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) { return call(); }
            @Override public Mono<ObjectContent> get(String key, ByteRange range) { return call(); }
            @Override public Mono<ObjectInfo> head(String key) { return call(); }
            @Override public Flux<ObjectInfo> list(String prefix) { return this.<ObjectInfo>call().flux(); }
            @Override public Mono<Void> delete(String key) { return call(); }
            @Override public Mono<Void> deleteAll(List<String> keys) { return call(); }
            @Override public Capabilities capabilities() { return Capabilities.basic(); }
            @Override public String describe() { return "test store"; }
            @Override public void close() {}
        };
    }

    @Test
    void aStoreThatNeverAnswersFailsAtTheDefaultDeadline() {
        StepVerifier.withVirtualTime(() -> Checkpointer.builder().store(answering(Mono::never)).build().latest())
                .expectSubscription()
                .expectNoEvent(CheckpointerBuilder.DEFAULT_OPERATION_TIMEOUT.minusMillis(1))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(StoreException.class);
                    StoreException se = (StoreException) e;
                    assertThat(se.code()).isEqualTo(ErrorCode.STORE_TRANSIENT);
                    assertThat(se.getMessage()).contains("within the 15s operation deadline (1 attempt; no answer from the store)");
                })
                .verify(Duration.ofSeconds(10));
    }

    @Test
    void theConfiguredDeadlineEndsRetriesAndNamesTheLastFailure() {
        List<String> retries = new CopyOnWriteArrayList<>();
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onRetry(String operation, int attempt, Throwable error) {
                retries.add(operation + "#" + attempt);
            }
        };
        Supplier<Mono<?>> refused = () -> Mono.error(StoreException.transientFailure("get", "_latest", "cannot reach 127.0.0.1:1: ConnectException", null));
        StepVerifier.withVirtualTime(() -> Checkpointer.builder().store(answering(refused))
                        .retry(RetrySettings.defaults().withBackoff(Duration.ofMillis(400), 1.0, Duration.ofMillis(400)).withJitter(0.0).withMaxAttempts(100))
                        .operationTimeout(Duration.ofSeconds(1))
                        .listener(listener)
                        .build().latest())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(999))
                .thenAwait(Duration.ofMillis(1))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(StoreException.class)
                        .hasMessageContaining("within the 1s operation deadline (3 attempts; last failure: get '_latest' failed: cannot reach 127.0.0.1:1"))
                .verify(Duration.ofSeconds(10));
        // attempts at 0, 400 and 800 ms; each failure announced a retry, the third one cut off by the deadline at 1 s
        assertThat(retries).containsExactly("get#1", "get#2", "get#3");
    }

    @Test
    void aPositiveTimeoutIsRequired() {
        Executable zero = () -> Checkpointer.builder().operationTimeout(Duration.ZERO);
        org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class, zero);
    }
}

package dev.checkpointer.internal;

import dev.checkpointer.CheckpointListener;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.reactor.retry.RetryOperator;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.retry.RetryRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Every store request the engine makes goes through here: retried with resilience4j (exponential backoff with
 * jitter, transient {@link StoreException}s only, bounded by attempts and elapsed time), per request, and the whole
 * operation, retries included, bounded by the operation deadline (plus {@link #TRANSFER_ALLOWANCE} per MiB moved).
 */
final class StoreCalls {
    private static final Logger log = LoggerFactory.getLogger(StoreCalls.class);

    private final ObjectStore store;
    private final RetrySettings settings;
    private final RetryRegistry registry;
    private final Duration deadline;

    /** Extra deadline per MiB a request moves: assumes at least 1 MiB/s, so only a stalled transfer is cut off. */
    static final Duration TRANSFER_ALLOWANCE = Duration.ofSeconds(1);

    StoreCalls(ObjectStore store, RetrySettings settings, Duration deadline, List<CheckpointListener> listeners) {
        this.store = store;
        this.settings = settings;
        this.deadline = deadline;
        IntervalFunction backoff = settings.jitter() == 0.0
                ? IntervalFunction.ofExponentialBackoff(settings.initialDelay(), settings.multiplier(), settings.maxDelay())
                : IntervalFunction.ofExponentialRandomBackoff(settings.initialDelay(), settings.multiplier(), settings.jitter(), settings.maxDelay());
        RetryConfig config = RetryConfig.custom()
                .maxAttempts(settings.maxAttempts())
                .intervalFunction(backoff)
                .retryOnException(StoreCalls::isRetryable)
                .failAfterMaxAttempts(false)
                .build();
        this.registry = RetryRegistry.of(config);
        this.registry.getEventPublisher().onEntryAdded(added -> {
            Retry r = added.getAddedEntry();
            r.getEventPublisher().onRetry(e -> {
                log.debug("retrying store {} (attempt {} failed): {}", r.getName(), e.getNumberOfRetryAttempts(),
                        e.getLastThrowable() == null ? "" : e.getLastThrowable().getMessage());
                for (CheckpointListener l : listeners) {
                    try {
                        l.onRetry(r.getName(), e.getNumberOfRetryAttempts(), e.getLastThrowable());
                    } catch (RuntimeException ex) {
                        log.warn("checkpoint listener {} threw from onRetry; ignored", l, ex);
                    }
                }
            });
        });
    }

    static boolean isRetryable(Throwable t) {
        return t instanceof StoreException se && se.isTransient();
    }

    ObjectStore store() {
        return store;
    }

    /** Retries a request (a fresh subscription per attempt) within the operation deadline. */
    <T> Mono<T> retried(String operation, Supplier<Mono<T>> request) {
        return retried(operation, null, 0, request);
    }

    /**
     * Retries a request (a fresh subscription per attempt); the whole operation, backoff included, fails with a
     * transient {@link StoreException} once the deadline (plus the transfer allowance for {@code bytes}) passes.
     */
    <T> Mono<T> retried(String operation, @Nullable String key, long bytes, Supplier<Mono<T>> request) {
        return retried(operation, key, bytes, null, request);
    }

    /**
     * As above; {@code progress}, when given, is stamped (on {@code Schedulers.parallel()}'s clock) by the request
     * whenever it makes progress, and the deadline then counts from the last progress.
     */
    private <T> Mono<T> retried(String operation, @Nullable String key, long bytes, @Nullable AtomicLong progress, Supplier<Mono<T>> request) {
        Retry retry = registry.retry(operation);
        long budget = settings.maxElapsed().toMillis();
        long limit = deadline.toMillis() + TRANSFER_ALLOWANCE.toMillis() * (bytes / (1024 * 1024));
        return Mono.defer(() -> {
            long start = now();
            AtomicLong last = progress != null ? progress : new AtomicLong();
            last.set(start);
            AtomicInteger attempts = new AtomicInteger();
            AtomicReference<@Nullable Throwable> lastFailure = new AtomicReference<>();
            Mono<Long> expiry = Mono.defer(() -> {
                long wait = last.get() + limit - now();
                return wait <= 0 ? Mono.just(wait) : Mono.delay(Duration.ofMillis(wait)).then(Mono.<Long>empty());
            }).repeatWhenEmpty(repeats -> repeats);
            return Mono.defer(request)
                    .doOnSubscribe(x -> attempts.incrementAndGet())
                    .doOnError(lastFailure::set)
                    .onErrorMap(StoreCalls::isRetryable, e -> {
                        long elapsed = now() - start;
                        return elapsed >= budget ? new GaveUp(operation, elapsed, (StoreException) e) : e;
                    })
                    .transformDeferred(RetryOperator.of(retry))
                    .timeout(expiry, Mono.defer(() -> Mono.error(dev.checkpointer.spi.StoreFailures.deadlinePassed(operation, key, Duration.ofMillis(limit), attempts.get(), lastFailure.get()))));
        }).onErrorMap(GaveUp.class, GaveUp::last);
    }

    private static long now() {
        return Schedulers.parallel().now(TimeUnit.MILLISECONDS);
    }

    Mono<ObjectInfo> put(String key, Supplier<Payload> payload, PutOptions options) {
        return put(key, 0, payload, options);
    }

    /** A put of a payload of {@code bytes} (0 when small or unknown), which extends its deadline. */
    Mono<ObjectInfo> put(String key, long bytes, Supplier<Payload> payload, PutOptions options) {
        return retried("put", key, bytes, () -> store.put(key, payload.get(), options));
    }

    Mono<ObjectInfo> head(String key) {
        return retried("head", key, 0, () -> store.head(key));
    }

    /** Reads a whole object into memory, retrying the request and the body together. */
    Mono<byte[]> readAll(String key) {
        return retried("get", key, 0, () -> store.get(key, ByteRange.ALL).flatMap(c -> dev.checkpointer.spi.Buffers.join(c.body(), c.info().size())));
    }

    /** An object read whole: its bytes and the info (ETag) of the version read. */
    record Read(ObjectInfo info, byte[] bytes) {}

    /**
     * Reads a whole metadata object (manifest, pointer) of at most {@code maxBytes}: a larger one is refused with a
     * {@link dev.checkpointer.CorruptMetadataException} before its body is read (and again if the body runs past
     * the limit whatever size was announced), so a huge or hostile object can never exhaust memory.
     */
    Mono<Read> readCapped(String key, int maxBytes) {
        return retried("get", key, maxBytes, () -> store.get(key, ByteRange.ALL).flatMap(c -> {
            if (c.info().size() > maxBytes) {
                c.body().subscribe(new reactor.core.publisher.BaseSubscriber<java.nio.ByteBuffer>() {
                    @Override
                    protected void hookOnSubscribe(org.reactivestreams.Subscription s) {
                        s.cancel();
                    }
                });
                return Mono.error(tooLarge(key, c.info().size(), maxBytes));
            }
            long[] seen = {0};
            return dev.checkpointer.spi.Buffers.join(c.body().doOnNext(b -> {
                        seen[0] += b.remaining();
                        if (seen[0] > maxBytes) {
                            throw tooLarge(key, seen[0], maxBytes);
                        }
                    }), c.info().size())
                    .map(bytes -> new Read(c.info(), bytes));
        }));
    }

    private static dev.checkpointer.CorruptMetadataException tooLarge(String key, long size, int max) {
        return new dev.checkpointer.CorruptMetadataException(key, List.of("is " + size + " bytes, more than the " + max
                + "-byte limit for checkpoint metadata: not read"), null);
    }

    Mono<ObjectContent> get(String key, ByteRange range) {
        return retried("get", key, 0, () -> store.get(key, range));
    }

    /** Lists a prefix completely; a transient failure re-lists from the start. */
    Mono<List<ObjectInfo>> listAll(String prefix) {
        AtomicLong progress = new AtomicLong();
        return retried("list", prefix, 0, progress, () -> store.list(prefix).doOnNext(o -> progress.set(now())).collectList());
    }

    Mono<Void> delete(String key) {
        return retried("delete", key, 0, () -> store.delete(key));
    }

    Mono<Void> deleteAll(List<String> keys) {
        if (keys.isEmpty()) {
            return Mono.empty();
        }
        return retried("deleteAll", () -> store.deleteAll(keys));
    }

    /** Marks a transient failure that came after the elapsed-time budget ran out, so the retry stops. */
    private static final class GaveUp extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient StoreException last;

        GaveUp(String operation, long elapsedMillis, StoreException last) {
            super("gave up retrying " + operation + " after " + elapsedMillis + " ms", last, false, false);
            this.last = last;
        }

        StoreException last() {
            StoreException e = new StoreException(last.code() == ErrorCode.STORE_THROTTLED ? ErrorCode.STORE_THROTTLED : ErrorCode.STORE_TRANSIENT,
                    last.operation(), last.key(), "still failing after the retry time budget (" + getMessage() + "): " + last.getMessage(), last);
            return e;
        }
    }
}

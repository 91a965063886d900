package dev.checkpointer.testkit;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Injects faults into any store, at the SPI, reproducibly (seeded), for the tests of every module (it lives in the
 * testkit so that no store needs test hooks on its public face): transient errors and throttling before a call
 * takes effect, transient errors <em>after</em> a write took effect (a lost response), connection resets in the
 * middle of a read's body, and a crash point after which every call fails (the process died). This is what an
 * HTTP fault proxy in front of a cloud emulator produces, as the engine sees it, for stores that have no fault
 * injection of their own.
 *
 * <p>Calls are numbered from 1 in the order they are subscribed; a listing is one call, as are each part upload,
 * completion and abort of a multipart upload.
 */
public final class FaultInjectingStore extends ForwardingObjectStore {
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failedBefore = new AtomicLong();
    private final AtomicLong failedAfter = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private volatile Plan plan = Plan.NONE;
    private volatile Random random = new Random(0);
    private volatile long crashAt = -1;
    private volatile boolean crashAfterEffect;
    private volatile CallObserver onCall = (i, op, key) -> {};

    /**
     * Fault rates.
     *
     * @param transientRate fraction of calls that fail with a transient error (503, reset)
     * @param throttleRate fraction of calls that fail as throttled (SlowDown, 429), before any effect
     * @param afterEffectRate fraction of the transient failures of writes that come after the write took effect
     * @param midBodyRate fraction of the transient failures of reads that come in the middle of the body instead of
     *     before the response
     * @param seed the random seed
     */
    public record Plan(double transientRate, double throttleRate, double afterEffectRate, double midBodyRate, long seed) {
        /** No faults. */
        public static final Plan NONE = new Plan(0, 0, 0, 0, 0);

        /** Validates the rates. */
        public Plan {
            if (transientRate < 0 || throttleRate < 0 || transientRate + throttleRate > 1 || afterEffectRate < 0 || afterEffectRate > 1
                    || midBodyRate < 0 || midBodyRate > 1) {
                throw new IllegalArgumentException("rates must be in [0, 1] and transient + throttle <= 1");
            }
        }
    }

    /**
     * Wraps a store, with no faults yet.
     *
     * @param delegate the store
     */
    public FaultInjectingStore(ObjectStore delegate) {
        super(delegate);
    }

    /**
     * Injects faults into every later call (re-seeding the random source).
     *
     * @param value the rates
     * @return this store
     */
    public FaultInjectingStore inject(Plan value) {
        this.plan = Objects.requireNonNull(value, "plan");
        this.random = new Random(value.seed());
        return this;
    }

    /**
     * Simulates the process dying, with the memory store's semantics: the next {@code callsBeforeCrash} calls
     * succeed, every later call fails with a permanent error.
     *
     * @param callsBeforeCrash calls that still succeed
     * @param afterEffect whether the first failing call, when it is a write, takes effect before failing
     * @return this store
     */
    public FaultInjectingStore crashAfter(long callsBeforeCrash, boolean afterEffect) {
        this.crashAfterEffect = afterEffect;
        this.crashAt = calls.get() + callsBeforeCrash + 1;
        return this;
    }

    /** Sees every call as it starts. */
    @FunctionalInterface
    public interface CallObserver {
        /**
         * A call starts.
         *
         * @param index its number, from 1
         * @param operation {@code put}, {@code get}, {@code uploadPart}, …
         * @param key the key (or prefix, or a summary)
         */
        void call(long index, String operation, String key);
    }

    /**
     * Runs an action at the start of every call (e.g. to cancel a save at call k).
     *
     * @param action the action
     * @return this store
     */
    public FaultInjectingStore onCall(CallObserver action) {
        this.onCall = Objects.requireNonNull(action, "action");
        return this;
    }

    /**
     * Calls made so far.
     *
     * @return the count
     */
    public long callCount() {
        return calls.get();
    }

    /**
     * Transient failures injected before the call took effect.
     *
     * @return the count
     */
    public long failedBefore() {
        return failedBefore.get();
    }

    /**
     * Transient failures injected after a write took effect (lost responses).
     *
     * @return the count
     */
    public long failedAfter() {
        return failedAfter.get();
    }

    /**
     * Throttling failures injected.
     *
     * @return the count
     */
    public long throttled() {
        return throttled.get();
    }

    /**
     * Connection resets injected in the middle of a read's body.
     *
     * @return the count
     */
    public long resets() {
        return resets.get();
    }

    /**
     * Every fault injected.
     *
     * @return the sum of the counters
     */
    public long injected() {
        return failedBefore() + failedAfter() + throttled() + resets();
    }

    private double roll() {
        Random r = random;
        synchronized (r) {
            return r.nextDouble();
        }
    }

    private enum Fault { NONE, THROTTLE, BEFORE, AFTER, MID_BODY, CRASH, CRASH_AFTER }

    private Fault decide(long index, boolean write, boolean read) {
        long crash = crashAt;
        if (crash > 0 && index >= crash) {
            return index == crash && crashAfterEffect && write ? Fault.CRASH_AFTER : Fault.CRASH;
        }
        Plan p = plan;
        if (p.transientRate() + p.throttleRate() == 0) {
            return Fault.NONE;
        }
        double r = roll();
        if (r < p.throttleRate()) {
            return Fault.THROTTLE;
        }
        if (r < p.throttleRate() + p.transientRate()) {
            if (write && roll() < p.afterEffectRate()) {
                return Fault.AFTER;
            }
            if (read && roll() < p.midBodyRate()) {
                return Fault.MID_BODY;
            }
            return Fault.BEFORE;
        }
        return Fault.NONE;
    }

    /** Runs one call through the crash point and the faults. */
    private <T> Mono<T> call(String operation, String key, boolean write, Supplier<Mono<T>> effect) {
        return Mono.defer(() -> {
            long index = calls.incrementAndGet();
            onCall.call(index, operation, key);
            Fault f = decide(index, write, false);
            switch (f) {
                case CRASH:
                    return Mono.error(crash(operation, key));
                case CRASH_AFTER:
                    return effect.get().then(Mono.error(crash(operation, key)));
                case THROTTLE:
                    throttled.incrementAndGet();
                    return Mono.error(StoreException.throttled(operation, key, "injected throttling (503 SlowDown)", null));
                case AFTER:
                    return effect.get().then(Mono.fromCallable(() -> {
                        failedAfter.incrementAndGet();
                        throw StoreException.transientFailure(operation, key, "injected connection reset after the request took effect", null);
                    }));
                case BEFORE:
                case MID_BODY:
                    failedBefore.incrementAndGet();
                    return Mono.error(StoreException.transientFailure(operation, key, "injected transient failure (503)", null));
                default:
                    return effect.get();
            }
        });
    }

    private StoreException crash(String operation, String key) {
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "simulated crash at call " + crashAt, null);
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return call("put", key, true, () -> super.put(key, payload, options));
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return Mono.defer(() -> {
            long index = calls.incrementAndGet();
            onCall.call(index, "get", key);
            Fault f = decide(index, false, true);
            switch (f) {
                case CRASH:
                case CRASH_AFTER:
                    return Mono.error(crash("get", key));
                case THROTTLE:
                    throttled.incrementAndGet();
                    return Mono.error(StoreException.throttled("get", key, "injected throttling (503 SlowDown)", null));
                case BEFORE:
                case AFTER:
                    failedBefore.incrementAndGet();
                    return Mono.error(StoreException.transientFailure("get", key, "injected transient failure (503)", null));
                case MID_BODY:
                    return super.get(key, range).map(c -> {
                        // The response started: some bytes arrive, then the connection drops.
                        Flux<java.nio.ByteBuffer> cut = c.body().take(1).concatWith(Mono.fromCallable(() -> {
                            resets.incrementAndGet();
                            throw StoreException.transientFailure("get", key, "injected connection reset in the middle of the body", null);
                        }));
                        return new ObjectContent(c.info(), cut);
                    });
                default:
                    return super.get(key, range);
            }
        });
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return call("head", key, false, () -> super.head(key));
    }

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return call("list", prefix, false, () -> super.list(prefix).collectList()).flatMapIterable(l -> l);
    }

    @Override
    public Mono<Void> delete(String key) {
        return call("delete", key, true, () -> super.delete(key).then(Mono.just(Boolean.TRUE))).then();
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return call("deleteAll", keys.size() + " keys", true, () -> super.deleteAll(keys).then(Mono.just(Boolean.TRUE))).then();
    }

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return call("startMultipart", key, true, () -> super.startMultipart(key, options)).map(FaultyUpload::new);
    }

    @Override
    public Flux<String> cleanupIncomplete(String prefix, Instant olderThan) {
        return call("cleanupIncomplete", prefix, true, () -> super.cleanupIncomplete(prefix, olderThan).collectList()).flatMapIterable(l -> l);
    }

    // ------------------------------------------------------------------------------------------ tampering

    /**
     * The stored bytes of an object, read from the wrapped store without faults or counting.
     *
     * @param key the key
     * @return the bytes, or empty when there is no such object
     */
    public java.util.Optional<byte[]> raw(String key) {
        return delegate().readAll(key).map(java.util.Optional::of)
                .onErrorResume(e -> e instanceof StoreException se && se.isNotFound(), e -> Mono.just(java.util.Optional.empty()))
                .blockOptional().flatMap(o -> o);
    }

    /**
     * Replaces an object's bytes behind the caller's back (no faults, not counted), as damage or an outside writer would.
     *
     * @param key the key
     * @param bytes the new bytes
     */
    public void putRaw(String key, byte[] bytes) {
        delegate().put(key, Payload.of(bytes.clone()), PutOptions.none()).block();
    }

    /**
     * Inverts one byte of a stored object (bit rot).
     *
     * @param key the key
     * @param index the byte's index
     * @throws IllegalArgumentException when the object is missing or shorter
     */
    public void flipByte(String key, int index) {
        byte[] b = raw(key).orElseThrow(() -> new IllegalArgumentException("no object " + key));
        if (index < 0 || index >= b.length) {
            throw new IllegalArgumentException("object " + key + " has " + b.length + " bytes; cannot flip byte " + index);
        }
        b[index] = (byte) ~b[index];
        putRaw(key, b);
    }

    /**
     * Cuts a stored object to a length (a torn write).
     *
     * @param key the key
     * @param length the bytes kept
     * @throws IllegalArgumentException when the object is missing or shorter
     */
    public void truncate(String key, int length) {
        byte[] b = raw(key).orElseThrow(() -> new IllegalArgumentException("no object " + key));
        if (length < 0 || length > b.length) {
            throw new IllegalArgumentException("object " + key + " has " + b.length + " bytes; cannot cut it to " + length);
        }
        putRaw(key, java.util.Arrays.copyOf(b, length));
    }

    @Override
    public String toString() {
        return "FaultInjectingStore[" + delegate() + "]";
    }

    /** A multipart upload whose calls go through the same faults. */
    private final class FaultyUpload implements MultipartUpload {
        private final MultipartUpload upload;

        FaultyUpload(MultipartUpload upload) {
            this.upload = upload;
        }

        @Override
        public String key() {
            return upload.key();
        }

        @Override
        public Mono<PartInfo> uploadPart(int number, Payload part) {
            return call("uploadPart", upload.key() + "#" + number, true, () -> upload.uploadPart(number, part));
        }

        @Override
        public Mono<ObjectInfo> complete(List<PartInfo> parts) {
            return call("completeMultipart", upload.key(), true, () -> upload.complete(parts));
        }

        @Override
        public Mono<Void> abort() {
            return call("abortMultipart", upload.key(), true, () -> upload.abort().then(Mono.just(Boolean.TRUE))).then();
        }
    }
}

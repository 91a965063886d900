package dev.checkpointer.testkit;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Injects faults into any store, at the SPI, reproducibly, for the tests and benchmarks of every module. It lives in
 * the testkit so that no store carries test hooks on its public face. It has four parts:
 *
 * <ol>
 *   <li><b>Random faults</b>, {@link #inject(Plan)}: a seeded {@link Plan} of rates. Transient errors and throttling
 *       before a call takes effect, transient errors <em>after</em> a write took effect (a lost response),
 *       connection resets in the middle of a read's body, reads served with a byte flipped, writes stored with a
 *       byte flipped (silent corruption at rest, after the store's checksum check), and a latency before every call.
 *   <li><b>Scripted faults</b>: {@link #failOnce} (the next matching call fails once, before or after its effect)
 *       and {@link #crashAfter} (the process dies: every call from the k-th on fails permanently).
 *   <li><b>Observation</b>: calls are numbered from 1 in the order they are subscribed; {@link #calls()} is the log,
 *       {@link #callCount()} the count, {@link #onCall} runs an action as each call starts, and counters tell which
 *       faults were injected. A listing is one call, as are each part upload, completion and abort of a multipart
 *       upload.
 *   <li><b>Tampering</b>, bypassing faults and the log: {@link #raw}, {@link #putRaw}, {@link #flipByte},
 *       {@link #truncate}, {@link #keys()}, and {@link #wrapped()} itself.
 * </ol>
 *
 * <p>The order of precedence for a call: the crash point, then the oldest matching scripted failure, then the plan.
 * Latency comes first, on {@link Schedulers#parallel()} resolved when the call is subscribed, so
 * {@code StepVerifier.withVirtualTime} controls it. This is what an HTTP fault proxy in front of a cloud emulator
 * produces, as the engine sees it, for stores that have no fault injection of their own.
 */
public final class FaultInjectingStore extends ForwardingObjectStore {
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong failedBefore = new AtomicLong();
    private final AtomicLong failedAfter = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong corrupted = new AtomicLong();
    private final ConcurrentLinkedQueue<Call> log = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Scripted> scripted = new ConcurrentLinkedQueue<>();
    private volatile Plan plan = Plan.NONE;
    private volatile Random random = new Random(0);
    private volatile long crashAt = -1;
    private volatile boolean crashAfterEffect;
    private volatile CallObserver onCall = (i, op, key) -> {};

    /**
     * Random fault rates and a latency, reproducible by their seed. Immutable: start from {@link #none()} and add
     * with the withers.
     *
     * @param transientRate fraction of calls that fail with a transient error (503, reset)
     * @param throttleRate fraction of calls that fail as throttled (SlowDown, 429), before any effect
     * @param afterEffectRate fraction of the transient failures of writes that come after the write took effect (a
     *     lost response: a retry meets its own earlier write)
     * @param midBodyRate fraction of the transient failures of reads that come in the middle of the body instead of
     *     before the response
     * @param corruptReadRate fraction of successful reads whose bytes come back with one byte flipped
     * @param corruptWriteRate fraction of successful writes (puts and parts) stored with one byte flipped: the store
     *     is not told the checksum, as if the damage happened at rest after its check passed
     * @param latency delay before every call (zero for none)
     * @param seed the random seed
     */
    public record Plan(double transientRate, double throttleRate, double afterEffectRate, double midBodyRate, double corruptReadRate,
            double corruptWriteRate, Duration latency, long seed) {
        /** No faults. */
        public static final Plan NONE = new Plan(0, 0, 0, 0, 0, 0, Duration.ZERO, 0);

        /** Validates the rates and the latency. */
        public Plan {
            rate("transientRate", transientRate);
            rate("throttleRate", throttleRate);
            rate("afterEffectRate", afterEffectRate);
            rate("midBodyRate", midBodyRate);
            rate("corruptReadRate", corruptReadRate);
            rate("corruptWriteRate", corruptWriteRate);
            if (transientRate + throttleRate > 1) {
                throw new IllegalArgumentException("transientRate + throttleRate must not exceed 1");
            }
            if (Objects.requireNonNull(latency, "latency").isNegative()) {
                throw new IllegalArgumentException("latency must not be negative");
            }
        }

        private static void rate(String name, double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException(name + " must be between 0 and 1, got " + value);
            }
        }

        /**
         * No faults ({@link #NONE}), to start from.
         *
         * @return the plan
         */
        public static Plan none() {
            return NONE;
        }

        /**
         * With a rate of transient failures.
         *
         * @param rate 0 to 1
         * @return a copy
         */
        public Plan withTransientRate(double rate) {
            return new Plan(rate, throttleRate, afterEffectRate, midBodyRate, corruptReadRate, corruptWriteRate, latency, seed);
        }

        /**
         * With a rate of throttling.
         *
         * @param rate 0 to 1
         * @return a copy
         */
        public Plan withThrottleRate(double rate) {
            return new Plan(transientRate, rate, afterEffectRate, midBodyRate, corruptReadRate, corruptWriteRate, latency, seed);
        }

        /**
         * With a rate of lost responses among the transient failures of writes.
         *
         * @param rate 0 to 1
         * @return a copy
         */
        public Plan withAfterEffectRate(double rate) {
            return new Plan(transientRate, throttleRate, rate, midBodyRate, corruptReadRate, corruptWriteRate, latency, seed);
        }

        /**
         * With a rate of mid-body resets among the transient failures of reads.
         *
         * @param rate 0 to 1
         * @return a copy
         */
        public Plan withMidBodyRate(double rate) {
            return new Plan(transientRate, throttleRate, afterEffectRate, rate, corruptReadRate, corruptWriteRate, latency, seed);
        }

        /**
         * With a rate of reads served with a flipped byte.
         *
         * @param rate 0 to 1
         * @return a copy
         */
        public Plan withCorruptReadRate(double rate) {
            return new Plan(transientRate, throttleRate, afterEffectRate, midBodyRate, rate, corruptWriteRate, latency, seed);
        }

        /**
         * With a rate of writes silently corrupted at rest.
         *
         * @param rate 0 to 1
         * @return a copy
         */
        public Plan withCorruptWriteRate(double rate) {
            return new Plan(transientRate, throttleRate, afterEffectRate, midBodyRate, corruptReadRate, rate, latency, seed);
        }

        /**
         * With a delay before every call.
         *
         * @param delay zero or more
         * @return a copy
         */
        public Plan withLatency(Duration delay) {
            return new Plan(transientRate, throttleRate, afterEffectRate, midBodyRate, corruptReadRate, corruptWriteRate, delay, seed);
        }

        /**
         * With a random seed.
         *
         * @param value the seed
         * @return a copy
         */
        public Plan withSeed(long value) {
            return new Plan(transientRate, throttleRate, afterEffectRate, midBodyRate, corruptReadRate, corruptWriteRate, latency, value);
        }
    }

    /**
     * One call, as recorded in {@link #calls()}.
     *
     * @param index its number, from 1
     * @param operation {@code put}, {@code get}, {@code head}, {@code list}, {@code delete}, {@code deleteAll},
     *     {@code startMultipart}, {@code uploadPart}, {@code completeMultipart}, {@code abortMultipart},
     *     {@code cleanupIncomplete}
     * @param key the key ({@code key#n} for a part), the prefix of a listing, or {@code "n keys"} for deleteAll
     */
    public record Call(long index, String operation, String key) {}

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

    private record Scripted(String operation, String keySuffix, boolean afterEffect) {}

    /**
     * Wraps a store, with no faults yet.
     *
     * @param delegate the store
     */
    public FaultInjectingStore(ObjectStore delegate) {
        super(delegate);
    }

    /**
     * The wrapped store itself, without faults or logging: e.g. to reopen a memory store's bucket as a restarted
     * process would ({@code MemoryStore.reopen(store.wrapped())}), or to ask its store-specific facts.
     *
     * @return the wrapped store
     */
    public ObjectStore wrapped() {
        return delegate();
    }

    // ------------------------------------------------------------------------------------------ faults

    /**
     * Injects random faults into every later call, replacing the previous plan and re-seeding the random source;
     * {@link Plan#NONE} turns them off.
     *
     * @param value the plan
     * @return this store
     */
    public FaultInjectingStore inject(Plan value) {
        this.plan = Objects.requireNonNull(value, "plan");
        this.random = new Random(value.seed());
        return this;
    }

    /**
     * The plan in force.
     *
     * @return the plan
     */
    public Plan plan() {
        return plan;
    }

    /**
     * Makes the next call of {@code operation} on a key ending with {@code keySuffix} fail once with a transient
     * error, before its effect or after it (a lost response; for writes only). Scripted failures apply in the
     * order they were added.
     *
     * @param operation e.g. {@code put}, {@code get}
     * @param keySuffix e.g. {@code manifest.json} or {@code _latest}
     * @param afterEffect whether a write takes effect before the failure
     * @return this store
     */
    public FaultInjectingStore failOnce(String operation, String keySuffix, boolean afterEffect) {
        scripted.add(new Scripted(Objects.requireNonNull(operation, "operation"), Objects.requireNonNull(keySuffix, "keySuffix"), afterEffect));
        return this;
    }

    /**
     * Simulates the process dying: the next {@code callsBeforeCrash} calls succeed, and every call after them
     * fails with a permanent error ({@link ErrorCode#STORE_FAILURE}), the crashing call included.
     *
     * @param callsBeforeCrash calls that still succeed, 0 or more
     * @param afterEffect whether the crashing call, when it is a write, takes effect before failing (the process
     *     died after the request reached the store)
     * @return this store
     */
    public FaultInjectingStore crashAfter(long callsBeforeCrash, boolean afterEffect) {
        if (callsBeforeCrash < 0) {
            throw new IllegalArgumentException("callsBeforeCrash must be >= 0");
        }
        this.crashAfterEffect = afterEffect;
        this.crashAt = calls.get() + callsBeforeCrash + 1;
        return this;
    }

    /**
     * Removes the plan, scripted failures and the crash point (the log and the counters stay).
     *
     * @return this store
     */
    public FaultInjectingStore clearFaults() {
        inject(Plan.NONE);
        scripted.clear();
        crashAt = -1;
        return this;
    }

    // ------------------------------------------------------------------------------------------ observation

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
     * Every call recorded since the last {@link #clearCalls()}, in order.
     *
     * @return the calls
     */
    public List<Call> calls() {
        return List.copyOf(log);
    }

    /** Forgets the recorded calls; the numbering and {@link #callCount()} go on. */
    public void clearCalls() {
        log.clear();
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
     * Transient failures injected before the call took effect (scripted ones included).
     *
     * @return the count
     */
    public long failedBefore() {
        return failedBefore.get();
    }

    /**
     * Transient failures injected after a write took effect (lost responses, scripted ones included).
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
     * Reads served and writes stored with a flipped byte.
     *
     * @return the count
     */
    public long corrupted() {
        return corrupted.get();
    }

    /**
     * Every failure injected (not counting crashes and corruption).
     *
     * @return the sum of the failure counters
     */
    public long injected() {
        return failedBefore() + failedAfter() + throttled() + resets();
    }

    // ------------------------------------------------------------------------------------------ the calls

    private double roll() {
        Random r = random;
        synchronized (r) {
            return r.nextDouble();
        }
    }

    private boolean chance(double rate) {
        return rate > 0 && roll() < rate;
    }

    private enum Fault { NONE, THROTTLE, BEFORE, AFTER, MID_BODY, CRASH, CRASH_AFTER }

    private Fault decide(long index, String operation, String key, boolean write, boolean read) {
        long crash = crashAt;
        if (crash > 0 && index >= crash) {
            return index == crash && crashAfterEffect && write ? Fault.CRASH_AFTER : Fault.CRASH;
        }
        for (Scripted sc : scripted) {
            if (sc.operation().equals(operation) && key.endsWith(sc.keySuffix()) && scripted.remove(sc)) {
                return sc.afterEffect() && write ? Fault.AFTER : Fault.BEFORE;
            }
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
            if (write && chance(p.afterEffectRate())) {
                return Fault.AFTER;
            }
            if (read && chance(p.midBodyRate())) {
                return Fault.MID_BODY;
            }
            return Fault.BEFORE;
        }
        return Fault.NONE;
    }

    /** Numbers and logs a call, then delays it by the plan's latency. */
    private <T> Mono<T> start(String operation, String key, java.util.function.LongFunction<Mono<T>> body) {
        return Mono.defer(() -> {
            long index = calls.incrementAndGet();
            log.add(new Call(index, operation, key));
            onCall.call(index, operation, key);
            Duration latency = plan.latency();
            Mono<T> work = Mono.defer(() -> body.apply(index));
            return latency.isZero() ? work : Mono.delay(latency, Schedulers.parallel()).then(work);
        });
    }

    /** Runs one call through the crash point and the faults. */
    private <T> Mono<T> call(String operation, String key, boolean write, Supplier<Mono<T>> effect) {
        return start(operation, key, index -> switch (decide(index, operation, key, write, false)) {
            case CRASH -> Mono.error(crash(operation, key));
            case CRASH_AFTER -> effect.get().then(Mono.error(crash(operation, key)));
            case THROTTLE -> {
                throttled.incrementAndGet();
                yield Mono.error(StoreException.throttled(operation, key, "injected throttling (503 SlowDown)", null));
            }
            case AFTER -> effect.get().then(Mono.fromCallable(() -> {
                failedAfter.incrementAndGet();
                throw StoreException.transientFailure(operation, key, "injected connection reset after the request took effect", null);
            }));
            case BEFORE, MID_BODY -> {
                failedBefore.incrementAndGet();
                yield Mono.error(StoreException.transientFailure(operation, key, "injected transient failure (503)", null));
            }
            case NONE -> effect.get();
        });
    }

    private StoreException crash(String operation, String key) {
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "simulated crash at call " + crashAt, null);
    }

    /** The payload to send, with one byte flipped at the plan's rate of corrupt writes. */
    private Mono<Payload> maybeCorrupt(Payload payload) {
        if (!chance(plan.corruptWriteRate())) {
            return Mono.just(payload);
        }
        return Buffers.join(payload.content()).map(bytes -> {
            if (bytes.length > 0) {
                bytes[(int) (roll() * bytes.length)] ^= 0x10;
                corrupted.incrementAndGet();
            }
            return Payload.of(bytes);
        });
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return call("put", key, true, () -> maybeCorrupt(payload).flatMap(sent -> sent == payload
                ? super.put(key, payload, options)
                : super.put(key, sent, new PutOptions(options.condition(), null))));
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return start("get", key, index -> switch (decide(index, "get", key, false, true)) {
            case CRASH, CRASH_AFTER -> Mono.error(crash("get", key));
            case THROTTLE -> {
                throttled.incrementAndGet();
                yield Mono.error(StoreException.throttled("get", key, "injected throttling (503 SlowDown)", null));
            }
            case BEFORE, AFTER -> {
                failedBefore.incrementAndGet();
                yield Mono.error(StoreException.transientFailure("get", key, "injected transient failure (503)", null));
            }
            case MID_BODY -> super.get(key, range).map(c -> {
                // The response started: some bytes arrive, then the connection drops.
                Flux<ByteBuffer> cut = c.body().take(1).concatWith(Mono.fromCallable(() -> {
                    resets.incrementAndGet();
                    throw StoreException.transientFailure("get", key, "injected connection reset in the middle of the body", null);
                }));
                return new ObjectContent(c.info(), cut);
            });
            case NONE -> super.get(key, range).map(c -> !chance(plan.corruptReadRate()) ? c : new ObjectContent(c.info(),
                    Buffers.join(c.body()).map(bytes -> {
                        if (bytes.length > 0) {
                            bytes[(int) (roll() * bytes.length)] ^= 0x01;
                            corrupted.incrementAndGet();
                        }
                        return ByteBuffer.wrap(bytes);
                    }).flux()));
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
     * The stored bytes of an object, read from the wrapped store without faults or logging.
     *
     * @param key the key
     * @return the bytes, or empty when there is no such object
     */
    public Optional<byte[]> raw(String key) {
        return delegate().readAll(key).map(Optional::of)
                .onErrorResume(e -> e instanceof StoreException se && se.isNotFound(), e -> Mono.just(Optional.empty()))
                .blockOptional().flatMap(o -> o);
    }

    /**
     * Replaces an object's bytes behind the caller's back (no conditions, checksum, faults or logging), as damage
     * or a writer that does not follow the protocol would.
     *
     * @param key the key
     * @param bytes the new bytes
     */
    public void putRaw(String key, byte[] bytes) {
        delegate().put(key, Payload.of(bytes.clone()), PutOptions.none()).block();
    }

    /**
     * Changes one byte of a stored object (bit rot): XOR {@code 0x5a}, which keeps an ASCII byte ASCII, so a flipped
     * JSON file stays text and is caught by its digest rather than by its syntax.
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
        b[index] ^= 0x5a;
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
        putRaw(key, Arrays.copyOf(b, length));
    }

    /**
     * Every key in the wrapped store, listed without faults or logging.
     *
     * @return the keys, sorted
     */
    public List<String> keys() {
        return delegate().list("").map(ObjectInfo::key).sort().collectList().block();
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
            return call("uploadPart", upload.key() + "#" + number, true, () -> maybeCorrupt(part).flatMap(sent -> upload.uploadPart(number, sent)));
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

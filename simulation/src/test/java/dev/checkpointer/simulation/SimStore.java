package dev.checkpointer.simulation;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreKeys;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A simulated object store in which nothing happens until the scheduler says so.
 *
 * <p>The objects live in one shared {@link TreeMap} (the "bucket"). Each simulated process talks to it through
 * its own {@link Handle}, the {@link ObjectStore} its checkpointer is built with. Every request a handle receives
 * (put, get, head, one page of a list, delete, deleteAll) becomes a {@link PendingCall}: it has not reached the
 * store yet, and its caller waits. The {@link Simulation} later resolves each pending call with a {@link Fate}:
 * <ul>
 *   <li>{@link Fate#OK}: the effect is applied and the response delivered;</li>
 *   <li>{@link Fate#TRANSIENT}: no effect; the caller gets a transient {@link StoreException} (a 503);</li>
 *   <li>{@link Fate#LOST}: the effect is applied, but the caller gets a transient error as if the connection
 *       broke after the request landed (so a retried create-if-absent sees "precondition failed", a retried
 *       delete deletes again, and so on).</li>
 * </ul>
 * A list is paged ({@link #pageSize} keys per page) and every page is its own pending call, so a listing is not
 * atomic. Conditions follow the memory store ({@code MemoryStore}): {@code IF_ABSENT} fails when the key exists, {@code ifMatch}
 * when the ETag differs or the key is absent. A put reads its payload when the call is issued (payloads in the
 * simulation are in-memory and synchronous) and keeps the bytes; a get serves the bytes present at resolution.
 *
 * <p>A crashed process's handle accepts no new calls (they never complete: a dead process sends nothing), and the
 * calls it had sent are still resolved by the scheduler, with no one to hear the answer. A stalled process's calls
 * are left alone until it resumes.
 *
 * <p>Single-threaded: every method must be called on the simulation thread (checked, since a call from another
 * thread would mean that something escaped the virtual-time scheduler).
 */
final class SimStore {
    /** How a pending call ends. */
    enum Fate {
        /** Applied, answered. */
        OK,
        /** Not applied, answered with a transient error. */
        TRANSIENT,
        /** Applied, answered with a transient error (the response was lost). */
        LOST
    }

    /** A stored object; never mutated. */
    record Obj(byte[] bytes, String etag, Instant lastModified) {
        ObjectInfo info(String key) {
            return new ObjectInfo(key, bytes.length, etag, lastModified);
        }
    }

    /** Told about every change to the bucket, as it is applied. */
    interface Observer {
        /**
         * A key was written or removed.
         *
         * @param key the key
         * @param before the object before, or null
         * @param after the object after, or null when deleted
         * @param by the process whose call it was
         */
        void changed(String key, @Nullable Obj before, @Nullable Obj after, SimProcess by);
    }

    private final TreeMap<String, Obj> objects = new TreeMap<>();
    private final List<PendingCall> pending = new ArrayList<>();
    private final SimTime time;
    private final int pageSize;
    private final Thread owner = Thread.currentThread();
    private final java.util.function.@Nullable Consumer<String> note;
    private final boolean logging;
    private Observer observer = (k, b, a, p) -> { };
    /** Keys a process's batched delete removes besides those it asked for (a deliberately broken engine, for negative tests). */
    private java.util.function.Function<SimProcess, List<String>> extraDeletes = p -> List.of();
    private long etags;
    private long calls;
    private long mutations;

    SimStore(SimTime time, int pageSize, java.util.function.@Nullable Consumer<String> note) {
        this.time = time;
        this.pageSize = pageSize;
        this.note = note;
        this.logging = note != null;
    }

    void observe(Observer o) {
        this.observer = Objects.requireNonNull(o);
    }

    /**
     * Breaks the engine on purpose, for the tests that show an invariant can fail: every batched delete a process
     * sends also removes the keys {@code extra} names for it (computed when the delete lands).
     */
    void sabotage(java.util.function.Function<SimProcess, List<String>> extra) {
        this.extraDeletes = Objects.requireNonNull(extra);
    }

    /** The store as one process sees it. */
    Handle handle(SimProcess process) {
        return new Handle(process);
    }

    /** The bucket now (read-only view, for oracles). */
    Map<String, Obj> objects() {
        return java.util.Collections.unmodifiableMap(objects);
    }

    /** The objects from a key on, in key order (read-only view). */
    java.util.SortedMap<String, Obj> objectsFrom(String from) {
        return java.util.Collections.unmodifiableSortedMap(objects.tailMap(from));
    }

    /** Writes an object directly, bypassing calls and conditions (for tests of the oracles). */
    void putRaw(String key, byte[] bytes, SimProcess by) {
        write(key, new Obj(bytes, nextEtag(), time.storeNow()), by);
    }

    /** Removes an object directly, bypassing calls (for tests of the oracles). */
    void removeRaw(String key, SimProcess by) {
        write(key, null, by);
    }

    /** Number of changes applied so far (a cheap "did anything change" test for oracles). */
    long mutations() {
        return mutations;
    }

    long callsIssued() {
        return calls;
    }

    /** Calls not resolved yet, oldest first. */
    List<PendingCall> pending() {
        return pending;
    }

    /** Pending calls the scheduler may resolve now: those of processes that are not stalled, and not held in flight. */
    List<PendingCall> resolvable() {
        List<PendingCall> out = new ArrayList<>();
        for (PendingCall c : pending) {
            if (!c.process.stalled() && !c.held) {
                out.add(c);
            }
        }
        return out;
    }

    /** Pending calls held in flight ({@link #hold}), oldest first. */
    List<PendingCall> held() {
        List<PendingCall> out = new ArrayList<>();
        for (PendingCall c : pending) {
            if (c.held) {
                out.add(c);
            }
        }
        return out;
    }

    /** Holds a pending call in flight: it is not resolvable until {@link #release}d. */
    void hold(PendingCall call) {
        call.held = true;
    }

    /** Lets a held call go: it is resolvable again (and lands, or fails, when resolved). */
    void release(PendingCall call) {
        call.held = false;
    }

    /**
     * Resolves a pending call: applies its effect or not, and answers its caller (unless the caller is dead or
     * gone). The caller's continuation runs now, on this thread, and may issue further calls.
     */
    void resolve(PendingCall call, Fate fate) {
        checkThread();
        if (!pending.remove(call)) {
            throw new IllegalStateException("not pending: " + call);
        }
        boolean answer = !call.process.crashed() && !call.abandoned;
        boolean apply = fate != Fate.TRANSIENT;
        if (logging) {
            note.accept("resolve " + call + " " + fate + (answer ? "" : " (no one listening)"));
        }
        Object result = null;
        RuntimeException failure = null;
        if (apply) {
            try {
                result = call.effect.get();
            } catch (StoreException e) {
                failure = e;
            }
        }
        if (!answer) {
            return;
        }
        if (fate == Fate.OK) {
            if (failure != null) {
                call.sink.error(failure);
            } else {
                call.sink.success(result);
            }
        } else {
            call.sink.error(StoreException.transientFailure(call.operation, call.key,
                    fate == Fate.LOST ? "simulated connection reset after the request took effect" : "simulated 503", null));
        }
    }

    private void checkThread() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("store called on " + Thread.currentThread().getName()
                    + ", not on the simulation thread: something escaped the virtual-time scheduler");
        }
    }

    private String nextEtag() {
        return "\"e" + (++etags) + "\"";
    }

    private void write(String key, @Nullable Obj after, SimProcess by) {
        Obj before = after == null ? objects.remove(key) : objects.put(key, after);
        if (before != null || after != null) {
            mutations++;
            observer.changed(key, before, after, by);
        }
    }

    /** A request that has been sent and not answered. */
    static final class PendingCall {
        final long seq;
        final SimProcess process;
        final String operation;
        final String key;
        final boolean write;
        final Supplier<Object> effect;
        final MonoSink<Object> sink;
        /** The caller cancelled: the request may still land, but no one hears the answer. */
        boolean abandoned;
        /** Held in flight: not resolvable until released (by a later step, or when the run settles). */
        boolean held;

        PendingCall(long seq, SimProcess process, String operation, String key, boolean write, Supplier<Object> effect, MonoSink<Object> sink) {
            this.seq = seq;
            this.process = process;
            this.operation = operation;
            this.key = key;
            this.write = write;
            this.effect = effect;
            this.sink = sink;
        }

        @Override
        public String toString() {
            return "#" + seq + " " + process.name() + " " + operation + " " + key;
        }
    }

    /** The {@link ObjectStore} one process uses. */
    final class Handle implements ObjectStore {
        private final SimProcess process;

        Handle(SimProcess process) {
            this.process = process;
        }

        /** Registers a call and returns the Mono its caller waits on. */
        @SuppressWarnings("unchecked")
        private <T> Mono<T> call(String operation, String key, boolean write, Supplier<Object> effect) {
            return Mono.<Object>create(sink -> {
                checkThread();
                if (process.crashed()) {
                    return; // a dead process sends nothing: the caller waits forever, and is itself gone
                }
                PendingCall c = new PendingCall(++calls, process, operation, key, write, effect, sink);
                pending.add(c);
                sink.onCancel(() -> {
                    c.abandoned = true;
                    if (!c.write) {
                        pending.remove(c); // a read nobody waits for has no effect: forget it
                    }
                });
            }).map(o -> (T) o);
        }

        @Override
        public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
            Objects.requireNonNull(payload, "payload");
            Objects.requireNonNull(options, "options");
            return Mono.defer(() -> {
                StoreKeys.validate(key);
                return Buffers.join(payload.content(), payload.length()).flatMap(bytes -> call("put", key, true, () -> {
                    if (options.sha256() != null && !options.sha256().equalsIgnoreCase(sha256(bytes))) {
                        throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "put", key, "SHA-256 mismatch", null);
                    }
                    Obj current = objects.get(key);
                    Condition condition = options.condition();
                    if (condition instanceof Condition.IfAbsent && current != null) {
                        throw StoreException.preconditionFailed("put", key, "object already exists", null);
                    }
                    if (condition instanceof Condition.IfMatch m && (current == null || !current.etag().equals(m.etag()))) {
                        throw StoreException.preconditionFailed("put", key, current == null ? "object does not exist" : "ETag has changed", null);
                    }
                    Obj o = new Obj(bytes, nextEtag(), time.storeNow());
                    write(key, o, process);
                    return o.info(key);
                }));
            });
        }

        @Override
        public Mono<ObjectContent> get(String key, ByteRange range) {
            Objects.requireNonNull(range, "range");
            return Mono.defer(() -> {
                StoreKeys.validate(key);
                return call("get", key, false, () -> {
                    Obj o = objects.get(key);
                    if (o == null) {
                        throw StoreException.notFound("get", key);
                    }
                    int from = (int) Math.min(range.offset(), o.bytes().length);
                    int len = (int) range.lengthWithin(o.bytes().length);
                    ByteBuffer body = ByteBuffer.wrap(o.bytes(), from, len).slice().asReadOnlyBuffer();
                    return new ObjectContent(o.info(key), len == 0 ? Flux.empty() : Flux.just(body));
                });
            });
        }

        @Override
        public Mono<ObjectInfo> head(String key) {
            return Mono.defer(() -> {
                StoreKeys.validate(key);
                return call("head", key, false, () -> {
                    Obj o = objects.get(key);
                    if (o == null) {
                        throw StoreException.notFound("head", key);
                    }
                    return o.info(key);
                });
            });
        }

        @Override
        public Flux<ObjectInfo> list(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            return Flux.defer(() -> {
                if (!prefix.isEmpty()) {
                    StoreKeys.validatePrefix(prefix);
                }
                return page(prefix, null)
                        .expand(p -> p.next() == null ? Mono.empty() : page(prefix, p.next()))
                        .concatMapIterable(Page::items);
            });
        }

        private Mono<Page> page(String prefix, @Nullable String after) {
            return call("list", prefix + (after == null ? "" : " after " + after), false, () -> {
                List<ObjectInfo> items = new ArrayList<>();
                String next = null;
                Map<String, Obj> tail = after == null ? objects.tailMap(prefix, true) : objects.tailMap(after, false);
                for (Map.Entry<String, Obj> e : tail.entrySet()) {
                    if (!e.getKey().startsWith(prefix)) {
                        break;
                    }
                    if (items.size() == pageSize) {
                        next = items.get(items.size() - 1).key();
                        break;
                    }
                    items.add(e.getValue().info(e.getKey()));
                }
                return new Page(items, next);
            });
        }

        @Override
        public Mono<Void> delete(String key) {
            return Mono.defer(() -> {
                StoreKeys.validate(key);
                return call("delete", key, true, () -> {
                    write(key, null, process);
                    return Boolean.TRUE;
                }).then();
            });
        }

        @Override
        public Mono<Void> deleteAll(List<String> keys) {
            Objects.requireNonNull(keys, "keys");
            return Mono.defer(() -> {
                List<String> copy = List.copyOf(keys);
                copy.forEach(StoreKeys::validate);
                if (copy.isEmpty()) {
                    return Mono.empty();
                }
                return call("deleteAll", String.join(",", copy), true, () -> {
                    copy.forEach(k -> write(k, null, process));
                    extraDeletes.apply(process).forEach(k -> write(k, null, process));
                    return Boolean.TRUE;
                }).then();
            });
        }

        @Override
        public Capabilities capabilities() {
            return Capabilities.basic(); // conditional writes; no multipart, no native checksums
        }

        @Override
        public String describe() {
            return "sim://" + process.name();
        }

        @Override
        public void close() {
            // the bucket outlives every process
        }
    }

    private record Page(List<ObjectInfo> items, @Nullable String next) {}

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

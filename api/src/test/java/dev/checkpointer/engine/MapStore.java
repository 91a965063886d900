package dev.checkpointer.engine;

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
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The smallest faithful object store, for the engine's own tests in this module (the store modules depend on
 * this one, so they cannot be used here): atomic conditional writes, ETags, ranged reads, sorted listing, and a
 * log of every call.
 */
public final class MapStore implements ObjectStore {
    private record Obj(byte[] bytes, String etag, Instant lastModified) {}

    private final TreeMap<String, Obj> objects = new TreeMap<>();
    private final AtomicLong etags = new AtomicLong();
    private final List<String> calls = new ArrayList<>();
    private final java.util.Map<String, Runnable> beforeGet = new java.util.concurrent.ConcurrentHashMap<>();

    /** A store holding the files under a directory, one object per file, keyed by relative path. */
    static MapStore fromDirectory(Path dir) throws java.io.IOException {
        MapStore store = new MapStore();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String key = dir.relativize(f).toString().replace('\\', '/');
                store.objects.put(key, new Obj(Files.readAllBytes(f), "e" + store.etags.incrementAndGet(), Instant.parse("2026-12-01T10:00:00Z")));
            }
        }
        return store;
    }

    /** Runs {@code action} once, just before the next get of {@code key} is answered (outside the store's lock). */
    void beforeNextGet(String key, Runnable action) {
        beforeGet.put(key, action);
    }

    /** When true, every put fails permanently (access denied), as a store with revoked write access would. */
    volatile boolean refusePuts;

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    synchronized void clearCalls() {
        calls.clear();
    }

    synchronized byte[] raw(String key) {
        Obj o = objects.get(key);
        return o == null ? null : o.bytes.clone();
    }

    synchronized void putRaw(String key, byte[] bytes) {
        objects.put(key, new Obj(bytes.clone(), "e" + etags.incrementAndGet(), Instant.now()));
    }

    synchronized List<String> keys() {
        return List.copyOf(objects.keySet());
    }

    private synchronized void log(String op, String key) {
        calls.add(op + " " + key);
    }

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        return Buffers.join(payload.content()).map(bytes -> {
            log("put", key);
            if (refusePuts) {
                throw StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, "put", key, "write access revoked", null);
            }
            if (bytes.length != payload.length()) {
                throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "put", key, "length mismatch", null);
            }
            if (options.sha256() != null && !options.sha256().equals(sha256Hex(bytes))) {
                throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "put", key, "SHA-256 mismatch", null);
            }
            synchronized (this) {
                Obj current = objects.get(key);
                if (options.condition() instanceof Condition.IfAbsent && current != null) {
                    throw StoreException.preconditionFailed("put", key, "exists", null);
                }
                if (options.condition() instanceof Condition.IfMatch m && (current == null || !current.etag.equals(m.etag()))) {
                    throw StoreException.preconditionFailed("put", key, "etag moved", null);
                }
                Obj o = new Obj(bytes, "e" + etags.incrementAndGet(), Instant.now());
                objects.put(key, o);
                return new ObjectInfo(key, bytes.length, o.etag, o.lastModified);
            }
        });
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        return Mono.fromCallable(() -> {
            log("get", key);
            Runnable action = beforeGet.remove(key);
            if (action != null) {
                action.run();
            }
            Obj o;
            synchronized (this) {
                o = objects.get(key);
            }
            if (o == null) {
                throw StoreException.notFound("get", key);
            }
            int from = (int) Math.min(range.offset(), o.bytes.length);
            int len = (int) range.lengthWithin(o.bytes.length);
            ByteBuffer body = ByteBuffer.wrap(o.bytes, from, len).slice();
            return new ObjectContent(new ObjectInfo(key, o.bytes.length, o.etag, o.lastModified), len == 0 ? Flux.empty() : Flux.just(body));
        });
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.fromCallable(() -> {
            log("head", key);
            synchronized (this) {
                Obj o = objects.get(key);
                if (o == null) {
                    throw StoreException.notFound("head", key);
                }
                return new ObjectInfo(key, o.bytes.length, o.etag, o.lastModified);
            }
        });
    }

    @Override
    public Flux<ObjectInfo> list(String prefix) {
        return Flux.defer(() -> {
            log("list", prefix);
            List<ObjectInfo> out = new ArrayList<>();
            synchronized (this) {
                for (Map.Entry<String, Obj> e : objects.tailMap(prefix, true).entrySet()) {
                    if (!e.getKey().startsWith(prefix)) {
                        break;
                    }
                    out.add(new ObjectInfo(e.getKey(), e.getValue().bytes.length, e.getValue().etag, e.getValue().lastModified));
                }
            }
            return Flux.fromIterable(out);
        });
    }

    @Override
    public Mono<Void> delete(String key) {
        return Mono.fromRunnable(() -> {
            log("delete", key);
            synchronized (this) {
                objects.remove(key);
            }
        });
    }

    @Override
    public Mono<Void> deleteAll(List<String> keys) {
        return Mono.fromRunnable(() -> {
            log("deleteAll", keys.size() + " keys");
            synchronized (this) {
                keys.forEach(objects::remove);
            }
        });
    }

    @Override
    public Capabilities capabilities() {
        return Capabilities.basic();
    }

    @Override
    public String describe() {
        return "map://test";
    }

    @Override
    public void close() {}

    /**
     * Lower-case hex SHA-256 of an array, for api's tests (the engine's helper is package-private).
     *
     * @param bytes the bytes
     * @return the hex digest
     */
    public static String sha256Hex(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Lower-case hex SHA-256 of a buffer's remaining bytes; its position is unchanged.
     *
     * @param buffer the bytes
     * @return the hex digest
     */
    public static String sha256Hex(java.nio.ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return sha256Hex(bytes);
    }
}

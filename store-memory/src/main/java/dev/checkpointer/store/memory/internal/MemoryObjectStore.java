package dev.checkpointer.store.memory.internal;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PartInfo;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.KeyPrefix;
import dev.checkpointer.spi.StoreKeys;
import dev.checkpointer.spi.VerifyingPayload;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An object store in memory with the semantics of a cloud store: atomic create-if-absent and if-match, a new ETag
 * per write, server-side SHA-256 verification, paged listings, multipart uploads with per-number replacement.
 * Internal: users reach it through {@code MemoryStore} and {@code MemoryStoreProvider}; fault injection lives in the
 * testkit's {@code FaultInjectingStore}, which wraps any store.
 *
 * <p>Stores opened with the same name share one bucket for the life of the JVM, so a "restarted" checkpointer sees
 * what the previous one wrote; a store without a name gets a fresh private bucket.
 */
public final class MemoryObjectStore implements ObjectStore {
    private static final ConcurrentHashMap<String, Bucket> NAMED = new ConcurrentHashMap<>();
    private static final AtomicLong ETAGS = new AtomicLong();

    private final Bucket bucket;
    private final String prefix;
    private final KeyPrefix rootKeys;
    private final Clock clock;
    private final Capabilities capabilities;
    private final int pageSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MemoryObjectStore(Bucket bucket, String prefix, Clock clock, Capabilities capabilities, int pageSize) {
        this.bucket = bucket;
        this.prefix = prefix;
        this.rootKeys = KeyPrefix.of(prefix);
        this.clock = clock;
        this.capabilities = capabilities;
        this.pageSize = pageSize;
    }

    /**
     * Forgets a named bucket and its contents (stores already open keep working on the old one).
     *
     * @param name the bucket name
     */
    public static void dropNamed(String name) {
        NAMED.remove(Objects.requireNonNull(name, "name"));
    }

    /**
     * A builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Another store over the same bucket and prefix: what a restarted process would open.
     *
     * @return the new store
     */
    public MemoryObjectStore reopen() {
        return new MemoryObjectStore(bucket, prefix, clock, capabilities, pageSize);
    }

    /**
     * Multipart uploads started in this store's bucket and neither completed nor aborted.
     *
     * @return the count
     */
    public int pendingUploads() {
        return bucket.uploads.size();
    }

    // ----------------------------------------------------------------------------------------------- ObjectStore

    @Override
    public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            VerifyingPayload verified = VerifyingPayload.builder(payload, key).expectingSha256(options.sha256(), "put").build();
            return Buffers.join(verified.content(), payload.length())
                    .flatMap(bytes -> call("put", key, () -> write(key, bytes, options)));
        });
    }

    private ObjectInfo write(String key, byte[] bytes, PutOptions options) {
        String f = full(key);
        synchronized (bucket) {
            check(options.condition(), f, key);
            Obj o = Obj.of(bytes, nextEtag(), clock.instant());
            bucket.objects.put(f, o);
            return o.info(key);
        }
    }

    private void check(Condition condition, String fullKey, String key) {
        Obj current = bucket.objects.get(fullKey);
        if (condition instanceof Condition.IfAbsent && current != null) {
            throw StoreException.preconditionFailed("put", key, "object already exists", null);
        }
        if (condition instanceof Condition.IfMatch m && (current == null || !current.etag.equals(m.etag()))) {
            throw StoreException.preconditionFailed("put", key, current == null ? "object does not exist" : "ETag has changed", null);
        }
    }

    @Override
    public Mono<ObjectContent> get(String key, ByteRange range) {
        Objects.requireNonNull(range, "range");
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            return call("get", key, () -> {
                Obj o = bucket.objects.get(full(key));
                if (o == null) {
                    throw StoreException.notFound("get", key);
                }
                long from = Math.min(range.offset(), o.size());
                long len = range.lengthWithin(o.size());
                return new ObjectContent(o.info(key), o.body(from, len));
            });
        });
    }

    @Override
    public Mono<ObjectInfo> head(String key) {
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            return call("head", key, () -> {
                Obj o = bucket.objects.get(full(key));
                if (o == null) {
                    throw StoreException.notFound("head", key);
                }
                return o.info(key);
            });
        });
    }

    @Override
    public Flux<ObjectInfo> list(String listPrefix) {
        Objects.requireNonNull(listPrefix, "prefix");
        if (!listPrefix.isEmpty()) {
            try {
                StoreKeys.validatePrefix(listPrefix);
            } catch (RuntimeException e) {
                return Flux.error(e);
            }
        }
        String from = listPrefix.isEmpty() ? (prefix.isEmpty() ? "" : prefix + "/") : full(listPrefix);
        return page(listPrefix, from, null)
                .expand(p -> p.next() == null ? Mono.empty() : page(listPrefix, from, p.next()))
                .concatMapIterable(Page::items);
    }

    /** One page of a listing, one call, as a cloud store serves them. */
    private Mono<Page> page(String listPrefix, String from, String after) {
        return call("list", listPrefix, () -> {
            List<ObjectInfo> items = new ArrayList<>();
            String next = null;
            for (Map.Entry<String, Obj> e : bucket.objects.tailMap(after == null ? from : after, after == null).entrySet()) {
                if (!e.getKey().startsWith(from)) {
                    break;
                }
                if (items.size() == pageSize) {
                    next = items.isEmpty() ? null : full(items.get(items.size() - 1).key());
                    break;
                }
                items.add(e.getValue().info(relative(e.getKey())));
            }
            return new Page(items, next);
        });
    }

    private record Page(List<ObjectInfo> items, @org.jspecify.annotations.Nullable String next) {}

    @Override
    public Mono<Void> delete(String key) {
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            return call("delete", key, () -> {
                bucket.objects.remove(full(key));
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
            return call("deleteAll", copy.size() + " keys", () -> {
                copy.forEach(k -> bucket.objects.remove(full(k)));
                return Boolean.TRUE;
            }).then();
        });
    }

    @Override
    public Capabilities capabilities() {
        return capabilities;
    }

    @Override
    public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        Objects.requireNonNull(options, "options");
        return Mono.defer(() -> {
            StoreKeys.validate(key);
            if (!capabilities.multipart()) {
                return ObjectStore.super.startMultipart(key, options);
            }
            return call("startMultipart", key, () -> {
                Upload u = new Upload(key, options, clock.instant(), "upload-" + ETAGS.incrementAndGet());
                bucket.uploads.put(u.id, u);
                return (MultipartUpload) u;
            });
        });
    }

    @Override
    public Flux<String> cleanupIncomplete(String cleanPrefix, Instant olderThan) {
        return call("cleanupIncomplete", cleanPrefix, () -> {
            List<String> removed = new ArrayList<>();
            for (Upload u : bucket.uploads.values()) {
                if (u.key.startsWith(cleanPrefix) && !u.started.isAfter(olderThan) && bucket.uploads.remove(u.id) != null) {
                    removed.add("aborted multipart upload " + u.id + " of " + u.key);
                }
            }
            return removed;
        }).flatMapIterable(l -> l);
    }

    @Override
    public String describe() {
        return "memory://" + bucket.name + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    @Override
    public void close() {
        closed.set(true);
    }

    @Override
    public String toString() {
        return "MemoryStore[" + describe() + "]";
    }

    // ----------------------------------------------------------------------------------------------- internals

    /** Runs one call, unless the store is closed. */
    private <T> Mono<T> call(String operation, String key, Supplier<T> effect) {
        return Mono.defer(() -> {
            if (closed.get()) {
                return Mono.error(StoreException.permanent(ErrorCode.CLOSED, operation, key, "store " + describe() + " is closed", null));
            }
            return Mono.fromCallable(effect::get);
        });
    }

    private String full(String key) {
        return rootKeys.join(key);
    }

    private String relative(String fullKey) {
        return rootKeys.strip(fullKey);
    }

    private static String nextEtag() {
        return "\"m" + ETAGS.incrementAndGet() + "\"";
    }

    private static final class Bucket {
        final String name;
        final ConcurrentSkipListMap<String, Obj> objects = new ConcurrentSkipListMap<>();
        final ConcurrentHashMap<String, Upload> uploads = new ConcurrentHashMap<>();

        Bucket(String name) {
            this.name = name;
        }
    }

    /**
     * A stored object: its bytes as the arrays it was written in (a multipart object keeps its parts, so completing
     * an upload copies nothing), never mutated after creation.
     */
    private record Obj(byte[][] chunks, long size, String etag, Instant lastModified) {
        static Obj of(byte[] bytes, String etag, Instant lastModified) {
            return new Obj(new byte[][] {bytes}, bytes.length, etag, lastModified);
        }

        ObjectInfo info(String key) {
            return new ObjectInfo(key, size, etag, lastModified);
        }

        /** A fresh array with all the bytes. */
        byte[] joined() {
            byte[] out = new byte[(int) size];
            int at = 0;
            for (byte[] c : chunks) {
                System.arraycopy(c, 0, out, at, c.length);
                at += c.length;
            }
            return out;
        }

        /**
         * {@code len} bytes from {@code from}, as one view per stored array it touches. No copy: a single-part object
         * is one buffer, which a verified read hashes straight from its array and hands out as a read-only view. The
         * views are writable so that a consumer can reach the array ({@link ByteBuffer#hasArray()}): hashing a
         * read-only heap buffer costs a copy through a small temporary array. Body buffers are the store's, never
         * written by a consumer (see {@code ObjectContent}); what the engine hands to its callers is read-only.
         */
        Flux<ByteBuffer> body(long from, long len) {
            List<ByteBuffer> out = new ArrayList<>();
            long skip = from;
            long left = len;
            for (byte[] c : chunks) {
                if (left == 0) {
                    break;
                }
                if (skip >= c.length) {
                    skip -= c.length;
                    continue;
                }
                int start = (int) skip;
                skip = 0;
                int end = (int) Math.min(c.length, start + left);
                out.add(ByteBuffer.wrap(c, start, end - start).slice());
                left -= end - start;
            }
            return Flux.fromIterable(out);
        }
    }

    private final class Upload implements MultipartUpload {
        final String key;
        final PutOptions options;
        final Instant started;
        final String id;
        final ConcurrentHashMap<Integer, Obj> parts = new ConcurrentHashMap<>();

        Upload(String key, PutOptions options, Instant started, String id) {
            this.key = key;
            this.options = options;
            this.started = started;
            this.id = id;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public Mono<PartInfo> uploadPart(int number, Payload part) {
            if (number < 1 || number > capabilities.maxParts()) {
                return Mono.error(StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "uploadPart", key,
                        "part number must be between 1 and " + capabilities.maxParts() + ", got " + number, null));
            }
            return Buffers.join(VerifyingPayload.of(part, key + "#" + number).content(), part.length()).flatMap(bytes -> call("uploadPart", key + "#" + number, () -> {
                live("uploadPart");
                Obj o = Obj.of(bytes, nextEtag(), clock.instant());
                parts.put(number, o);
                return new PartInfo(number, o.etag, bytes.length);
            }));
        }

        @Override
        public Mono<ObjectInfo> complete(List<PartInfo> list) {
            List<PartInfo> given = List.copyOf(list);
            return call("completeMultipart", key, () -> {
                live("completeMultipart");
                if (given.isEmpty()) {
                    throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "completeMultipart", key, "no parts given", null);
                }
                long total = 0;
                Map<Integer, Obj> used = new LinkedHashMap<>();
                int previous = 0;
                for (int i = 0; i < given.size(); i++) {
                    PartInfo p = given.get(i);
                    Obj o = parts.get(p.number());
                    if (p.number() <= previous) {
                        throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "completeMultipart", key, "parts must be in ascending order", null);
                    }
                    previous = p.number();
                    if (o == null || !o.etag.equals(p.etag())) {
                        throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "completeMultipart", key,
                                "part " + p.number() + " is missing or was replaced (ETag mismatch)", null);
                    }
                    if (i < given.size() - 1 && o.size() < capabilities.minPartSize()) {
                        throw StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, "completeMultipart", key,
                                "part " + p.number() + " has " + o.size() + " bytes, below the minimum " + capabilities.minPartSize(), null);
                    }
                    used.put(p.number(), o);
                    total += o.size();
                }
                List<byte[]> chunks = new ArrayList<>();
                used.values().forEach(o -> chunks.addAll(List.of(o.chunks())));
                Obj assembled = new Obj(chunks.toArray(new byte[0][]), total, nextEtag(), clock.instant());
                String f = full(key);
                synchronized (bucket) {
                    check(options.condition(), f, key);
                    Obj o = assembled;
                    bucket.objects.put(f, o);
                    bucket.uploads.remove(id);
                    return o.info(key);
                }
            });
        }

        @Override
        public Mono<Void> abort() {
            return call("abortMultipart", key, () -> {
                bucket.uploads.remove(id);
                return Boolean.TRUE;
            }).then();
        }

        private void live(String operation) {
            if (!bucket.uploads.containsKey(id)) {
                throw StoreException.notFound(operation, key + " (upload " + id + " was completed or aborted)");
            }
        }
    }

    /** Configures a {@link MemoryObjectStore}; {@code MemoryStore.Builder} is its public face. */
    public static final class Builder {
        private @org.jspecify.annotations.Nullable String name;
        private String prefix = "";
        private Clock clock = Clock.systemUTC();
        private Capabilities capabilities = new Capabilities(true, true, true, 1, 10_000, true);
        private int pageSize = 1000;

        private Builder() {}

        /**
         * Shares the bucket of this name (default: a fresh private bucket).
         *
         * @param value the name
         * @return this builder
         */
        public Builder name(String value) {
            if (Objects.requireNonNull(value, "name").isEmpty()) {
                throw new IllegalArgumentException("name must not be empty");
            }
            this.name = value;
            return this;
        }

        /**
         * Scopes the store to a key prefix inside the bucket.
         *
         * @param value the prefix, without leading or trailing '/'
         * @return this builder
         */
        public Builder prefix(String value) {
            this.prefix = value.isEmpty() ? "" : StoreKeys.validatePrefix(value);
            return this;
        }

        /**
         * The clock that stamps last-modified times (default UTC system clock).
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * What the store claims to support (default: everything, minimum part size 1 byte).
         *
         * @param value the capabilities
         * @return this builder
         */
        public Builder capabilities(Capabilities value) {
            this.capabilities = Objects.requireNonNull(value, "capabilities");
            return this;
        }

        /**
         * How many objects one list call returns (default 1000, as S3); a listing makes one call per page.
         *
         * @param value at least 1
         * @return this builder
         */
        public Builder pageSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("pageSize must be >= 1");
            }
            this.pageSize = value;
            return this;
        }

        /**
         * Builds the store.
         *
         * @return the store
         */
        public MemoryObjectStore build() {
            Bucket b = name == null
                    ? new Bucket("private-" + ETAGS.incrementAndGet())
                    : NAMED.computeIfAbsent(name, Bucket::new);
            return new MemoryObjectStore(b, prefix, clock, capabilities, pageSize);
        }
    }
}

package dev.checkpointer.cli;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStores;
import dev.checkpointer.spi.StoreFailures;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * A store location opened by the tool itself, through {@link ObjectStores} (the library's own lookup of the store
 * modules on the class path): one store serves both the {@link Checkpointer} a command
 * works with and the raw reads some commands need (the manifest file as stored, the pointer object). The keys used
 * here are the documented layout of {@code docs/PROTOCOL.md}, relative to the store's root (bucket and prefix).
 */
final class Location implements AutoCloseable {
    /** The pointer object. */
    static final String POINTER = "_latest";
    /** Where every checkpoint's objects live. */
    static final String CHECKPOINTS = "checkpoints/";
    private static final String MANIFEST = "/manifest.json";
    private static final int RAW_ATTEMPTS = 4;

    private final ObjectStore store;

    private Location(ObjectStore store) {
        this.store = store;
    }

    /**
     * Opens the store for a URI: query parameters become options, explicit options override them (as
     * {@link CheckpointerBuilder#location(String, Map)} does).
     *
     * @param uri the location
     * @param options store options
     * @return the opened location; close it
     * @throws InvalidInputException when the URI is malformed
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when no bundled store module handles the scheme
     */
    static Location open(String uri, Map<String, String> options) {
        return new Location(ObjectStores.open(uri, options));
    }

    /**
     * Opens a location that must already exist, for the commands that read one (all but the demo and copy's
     * destination): a {@code file:} URI gets {@code createRoot=false} unless the URI or the options set
     * {@code createRoot} themselves, so that a missing directory fails with {@code STORE_LOCATION_NOT_FOUND} (exit
     * 3) instead of reading as an empty location. Other schemes are opened as given.
     *
     * @param uri the location
     * @param options store options
     * @return the opened location; close it
     */
    static Location existing(String uri, Map<String, String> options) {
        return open(uri, mustExist(uri, options));
    }

    /**
     * The options to open {@code uri} with so that a missing {@code file:} root is an error (see
     * {@link #existing(String, Map)}).
     *
     * @param uri the location
     * @param options store options
     * @return the options, with {@code createRoot=false} added for a {@code file:} URI that does not set it
     */
    static Map<String, String> mustExist(String uri, Map<String, String> options) {
        int colon = uri.indexOf(':');
        if (colon < 0 || !uri.substring(0, colon).equalsIgnoreCase("file")) {
            return options;
        }
        int q = uri.indexOf('?');
        List<String> names = new ArrayList<>(options.keySet());
        if (q >= 0) {
            for (String param : uri.substring(q + 1).split("&")) {
                names.add(param.split("=", 2)[0]);
            }
        }
        if (names.stream().anyMatch(n -> dev.checkpointer.spi.StoreOptions.canonicalName(n).equals("createroot"))) {
            return options;
        }
        Map<String, String> out = new LinkedHashMap<>(options);
        out.put("createRoot", "false");
        return out;
    }

    /** The store (owned by this location: closed with it). */
    ObjectStore store() {
        return store;
    }

    /** A builder for a checkpointer over this location's store (which the checkpointer does not close). */
    CheckpointerBuilder builder() {
        return Checkpointer.builder().store(store).operationTimeout(CheckpointerCommand.timeout()).listener(Logging.retries());
    }

    /** The key of a checkpoint's manifest file: {@code checkpoints/{id:020d}/manifest.json}. */
    static String manifestKey(CheckpointId id) {
        return CHECKPOINTS + id.padded() + MANIFEST;
    }

    /**
     * The bytes of one object exactly as stored; empty when it does not exist. Transient store errors are retried a
     * few times, as the library retries its own requests.
     *
     * @param key a key relative to the store's root
     * @return the bytes, or empty
     */
    Optional<byte[]> read(String key) {
        return raw("get", key, store.readAll(key))
                .map(Optional::of)
                .onErrorResume(Location::isNotFound, e -> Mono.just(Optional.empty()))
                .blockOptional()
                .flatMap(o -> o);
    }

    /**
     * The ids of every file at a manifest key ({@code checkpoints/{id}/manifest.json}): live manifests, tombstones
     * and abort markers alike, committed or not, ascending.
     *
     * @return the ids
     */
    List<CheckpointId> manifestIds() {
        List<ObjectInfo> infos = raw("list", CHECKPOINTS, store.list(CHECKPOINTS).collectList()).blockOptional().orElse(List.of());
        List<CheckpointId> ids = new ArrayList<>();
        for (ObjectInfo info : infos) {
            String key = info.key();
            if (!key.endsWith(MANIFEST)) {
                continue;
            }
            String dir = key.substring(CHECKPOINTS.length(), key.length() - MANIFEST.length());
            if (dir.length() == 20 && dir.chars().allMatch(Character::isDigit)) {
                try {
                    ids.add(CheckpointId.parse(dir));
                } catch (InvalidInputException e) {
                    // not an id (e.g. 0): not a checkpoint's manifest
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    /**
     * The size of every object under {@code checkpoints/}, by key.
     *
     * @return the sizes
     */
    Map<String, Long> sizes() {
        return sizes(CHECKPOINTS);
    }

    /**
     * The size of every object under a prefix, by key, in key order.
     *
     * @param prefix a key prefix relative to the store's root
     * @return the sizes
     */
    Map<String, Long> sizes(String prefix) {
        Map<String, Long> out = new LinkedHashMap<>();
        raw("list", prefix, store.list(prefix).collectList()).blockOptional().orElse(List.of()).forEach(i -> out.put(i.key(), i.size()));
        return out;
    }

    /**
     * When {@code _latest} does not exist: the ids whose manifest key holds a manifest or a tombstone (or a file
     * that cannot be parsed), i.e. evidence of checkpoints a pointer should name. Abort markers do not count: a
     * coordinator may leave one at a location that never committed. Empty when the pointer exists.
     *
     * @return the ids, ascending
     */
    List<CheckpointId> manifestsWithoutPointer() {
        if (read(POINTER).isPresent()) {
            return List.of();
        }
        List<CheckpointId> out = new ArrayList<>();
        for (CheckpointId id : manifestIds()) {
            Optional<byte[]> bytes = read(manifestKey(id));
            if (bytes.isEmpty()) {
                continue;
            }
            StoredFile f = StoredFile.parse(bytes.get());
            if (f == null || !StoredFile.ABORT.equals(f.format())) {
                out.add(id);
            }
        }
        return out;
    }

    /**
     * A file at a manifest key, or {@code _latest}, that cannot be trusted.
     *
     * @param key the object's key
     * @param id the id of its directory ({@code 0} for {@code _latest})
     * @param reason what is wrong with it
     */
    record Corrupt(String key, long id, String reason) {}

    /**
     * What the files at manifest keys are.
     *
     * @param manifests live or prepared manifests (committed or not)
     * @param tombstones tombstones of deleted chain members
     * @param aborts abort markers
     * @param corrupt the files that are none of these, or whose body digest or id does not hold
     */
    record Scan(int manifests, int tombstones, int aborts, List<Corrupt> corrupt) {}

    /**
     * Reads every file at a manifest key under {@code checkpoints/} (not only the ones {@link Checkpointer#list()}
     * reaches) and sorts it: manifest, tombstone, abort marker, or corrupt (not one of these, its body's SHA-256 is
     * not the one its envelope states, or its id is not its directory's). A file deleted meanwhile is skipped.
     *
     * @return the counts and the corrupt files, by id
     */
    Scan scanManifests() {
        int manifests = 0;
        int tombstones = 0;
        int aborts = 0;
        List<Corrupt> corrupt = new ArrayList<>();
        for (CheckpointId id : manifestIds()) {
            String key = manifestKey(id);
            Optional<byte[]> bytes = read(key);
            if (bytes.isEmpty()) {
                continue;
            }
            StoredFile f = StoredFile.parse(bytes.get());
            String reason = problem(f, StoredFile.MANIFEST, StoredFile.TOMBSTONE, StoredFile.ABORT);
            if (reason == null && f != null && f.id() != id.value()) {
                reason = "it holds id " + f.id() + ", not its directory's id " + id.value();
            }
            if (reason != null) {
                corrupt.add(new Corrupt(key, id.value(), reason));
            } else if (f != null && StoredFile.TOMBSTONE.equals(f.format())) {
                tombstones++;
            } else if (f != null && StoredFile.ABORT.equals(f.format())) {
                aborts++;
            } else {
                manifests++;
            }
        }
        return new Scan(manifests, tombstones, aborts, List.copyOf(corrupt));
    }

    /**
     * What is wrong with {@code _latest} as stored, if it exists: not a pointer, or a body digest that does not hold.
     *
     * @return the problem, or empty when the pointer is missing or sound
     */
    Optional<Corrupt> pointerCorruption() {
        return read(POINTER).map(bytes -> problem(StoredFile.parse(bytes), StoredFile.POINTER))
                .map(reason -> new Corrupt(POINTER, 0, reason));
    }

    private static @org.jspecify.annotations.Nullable String problem(@org.jspecify.annotations.Nullable StoredFile f, String... formats) {
        if (f == null) {
            return "not a metadata file: not JSON, or not an envelope {\"format\", \"bodySha256\", ...} nor a format-1 object";
        }
        if (f.format() != null && !List.of(formats).contains(f.format())) {
            return "unexpected format '" + f.format() + "' (expected " + String.join(", ", formats) + ")";
        }
        if (!f.digestOk()) {
            return "the SHA-256 of its body does not match the bodySha256 it states (changed or corrupted)";
        }
        return null;
    }

    /**
     * The floor {@code _latest} records (the oldest retained chain member), when the pointer exists and its body
     * digest holds; 0 for a format-1 pointer (which has none).
     *
     * @return the floor, or empty when the pointer is missing or cannot be trusted
     */
    Optional<Long> pointerFloor() {
        return read(POINTER).map(StoredFile::parse)
                .filter(f -> f.digestOk() && (f.format() == null || StoredFile.POINTER.equals(f.format())))
                .map(f -> f.number("floor", 0));
    }

    /**
     * A raw store call as the library makes its own: transient failures retried (each retry printed on stderr), the
     * whole bounded by the {@code --store-timeout} deadline.
     */
    private static <T> Mono<T> raw(String operation, @Nullable String key, Mono<T> call) {
        Duration deadline = CheckpointerCommand.timeout();
        return Mono.defer(() -> {
            AtomicInteger attempts = new AtomicInteger();
            AtomicReference<@Nullable Throwable> last = new AtomicReference<>();
            return call.doOnSubscribe(s -> attempts.incrementAndGet())
                    .doOnError(last::set)
                    .retryWhen(Retry.backoff(RAW_ATTEMPTS - 1, Duration.ofMillis(200))
                            .filter(e -> e instanceof StoreException se && se.isTransient())
                            .doBeforeRetry(signal -> Logging.retry(operation, signal.totalRetries() + 1, signal.failure()))
                            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                    .timeout(deadline, Mono.defer(() -> Mono.error(StoreFailures.deadlinePassed(operation, key, deadline, attempts.get(), last.get()))));
        });
    }

    static boolean isNotFound(Throwable e) {
        return ExitCodes.unwrap(e) instanceof StoreException se && se.isNotFound();
    }

    @Override
    public void close() {
        store.close();
    }
}

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
        Map<String, Long> out = new LinkedHashMap<>();
        raw("list", CHECKPOINTS, store.list(CHECKPOINTS).collectList()).blockOptional().orElse(List.of()).forEach(i -> out.put(i.key(), i.size()));
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

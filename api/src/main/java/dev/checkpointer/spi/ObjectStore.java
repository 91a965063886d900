package dev.checkpointer.spi;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import java.time.Instant;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A flat key space of immutable-until-overwritten objects. Keys are relative to the store's root (bucket and
 * prefix are the store's business) and are checked with {@link StoreKeys#validate}. Every method is non-blocking
 * and cold, and reports failures as {@link StoreException} with the right code: transient (5xx, timeouts,
 * resets), throttled, not found, precondition failed, access denied, bad request. A store never retries.
 */
public interface ObjectStore extends AutoCloseable {

    /**
     * Writes an object from a payload, streaming it.
     *
     * @param key the key
     * @param payload the bytes; subscribed to once per attempt
     * @param options the condition and the declared checksum
     * @return the new object's info (with its new ETag)
     */
    Mono<ObjectInfo> put(String key, Payload payload, PutOptions options);

    /**
     * Reads an object or a range of it. A range starting at or past the end yields an empty body.
     *
     * @param key the key
     * @param range the bytes wanted
     * @return the content; {@link ErrorCode#STORE_NOT_FOUND} when absent
     */
    Mono<ObjectContent> get(String key, ByteRange range);

    /**
     * Reads an object's metadata.
     *
     * @param key the key
     * @return the info; {@link ErrorCode#STORE_NOT_FOUND} when absent
     */
    Mono<ObjectInfo> head(String key);

    /**
     * Lists every object whose key starts with {@code prefix}, in lexicographic key order, fetching pages lazily
     * as the subscriber requests.
     *
     * @param prefix the prefix; empty for everything
     * @return the objects
     */
    Flux<ObjectInfo> list(String prefix);

    /**
     * Deletes an object; a missing key is success.
     *
     * @param key the key
     * @return completion
     */
    Mono<Void> delete(String key);

    /**
     * Deletes many objects, in batches where the provider has them. Missing keys are success; when some keys fail,
     * the error names them.
     *
     * @param keys the keys
     * @return completion
     */
    Mono<Void> deleteAll(List<String> keys);

    /**
     * What this store supports.
     *
     * @return the capabilities
     */
    Capabilities capabilities();

    /**
     * Starts a multipart upload, where {@code capabilities().multipart()}.
     *
     * @param key the key
     * @param options the condition applied at completion
     * @return the upload
     */
    default Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
        return Mono.error(StoreException.permanent(ErrorCode.STORE_UNSUPPORTED, "startMultipart", key, "this store has no multipart uploads", null));
    }

    /**
     * Removes store-level debris under a prefix that is older than a time: temp files of interrupted writes,
     * incomplete multipart uploads, uncommitted blocks. Stores without such debris return nothing.
     *
     * @param prefix the prefix
     * @param olderThan only debris last touched before this
     * @return a description of each thing removed
     */
    default Flux<String> cleanupIncomplete(String prefix, Instant olderThan) {
        return Flux.empty();
    }

    /**
     * A description for logs: provider and location, never credentials.
     *
     * @return e.g. {@code s3://bucket/prefix}
     */
    String describe();

    /** Releases clients, threads and connections. Idempotent. */
    @Override
    void close();

    /**
     * Reads a whole object into memory (a convenience over {@link #get}).
     *
     * @param key the key
     * @return the bytes
     */
    default Mono<byte[]> readAll(String key) {
        return get(key, ByteRange.ALL).flatMap(c -> Buffers.join(c.body()));
    }
}

package dev.checkpointer.spi;

import dev.checkpointer.Payload;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * A multipart upload in progress (S3 multipart, Azure staged blocks, …). The engine drives it: it uploads parts
 * with bounded concurrency, retries each part on its own, and either completes or aborts. Nothing is visible
 * under the key until {@link #complete} succeeds.
 */
public interface MultipartUpload {

    /**
     * The key being written.
     *
     * @return the key
     */
    String key();

    /**
     * Uploads one part. Idempotent per number: uploading a number again replaces that part.
     *
     * @param number part number, from 1
     * @param part the bytes
     * @return the part's info
     */
    Mono<PartInfo> uploadPart(int number, Payload part);

    /**
     * Makes the object visible from the given parts, in number order, under the condition given at start.
     *
     * @param parts every part, each number once
     * @return the object's info; a precondition failure when the condition does not hold
     */
    Mono<ObjectInfo> complete(List<PartInfo> parts);

    /**
     * Discards the upload and its parts. Idempotent.
     *
     * @return completion
     */
    Mono<Void> abort();
}

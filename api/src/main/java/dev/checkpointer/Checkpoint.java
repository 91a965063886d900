package dev.checkpointer;

import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A committed checkpoint whose manifest has been verified; reads verify every partition's SHA-256. */
public interface Checkpoint {

    /**
     * The verified manifest.
     *
     * @return the manifest
     */
    Manifest manifest();

    /**
     * The id of this checkpoint.
     *
     * @return the id
     */
    default CheckpointId id() {
        return java.util.Objects.requireNonNull(manifest().id());
    }

    /**
     * Reads one whole partition into memory. The buffer is emitted only after its SHA-256 and size matched the
     * manifest; otherwise the Mono fails with {@link IntegrityException} and no byte reaches the caller.
     *
     * @param operator operator name
     * @param partition partition number
     * @return the bytes (read-only); {@link CheckpointNotFoundException} style errors as {@link InvalidInputException}
     *     when the checkpoint has no such partition
     */
    Mono<ByteBuffer> read(String operator, int partition);

    /**
     * Streams one partition, for state too large to hold in memory. Buffers are emitted as they arrive; the Flux
     * completes only after the whole content matched its SHA-256 and size, and fails with
     * {@link IntegrityException} otherwise, so a consumer must not commit what it restored before completion.
     *
     * @param operator operator name
     * @param partition partition number
     * @return the bytes (read-only buffers)
     */
    Flux<ByteBuffer> stream(String operator, int partition);
}

package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * The engine's entry to content-defined chunking: cuts a partition's bytes into chunks with {@link FastCdc}.
 *
 * <p>{@code previous} lists the chunks the same partition had in the checkpoint the save is prepared on, in order.
 * They are hints only: the chunks emitted are exactly those that {@link FastCdc} cuts without them (same boundaries,
 * same bytes, same digests), whatever the hints say; hints may only make finding them cheaper.
 */
public final class Chunker {
    private final ChunkSizes sizes;

    /**
     * A chunker with these sizes.
     *
     * @param sizes minimum, average and maximum chunk size
     */
    public Chunker(ChunkSizes sizes) {
        this.sizes = sizes;
    }

    /** @return the sizes this chunker cuts to */
    public ChunkSizes sizes() {
        return sizes;
    }

    /**
     * Cuts a stream into chunks, in bounded memory (one working array of the maximum chunk size, plus the chunks
     * the subscriber has requested).
     *
     * @param source the bytes; subscribed once per subscription to the result
     * @param previous the partition's chunks in the parent checkpoint, in order (may be empty)
     * @return the chunks in order; none for an empty input
     */
    public Flux<Chunk> cut(Flux<ByteBuffer> source, List<Hint> previous) {
        return FastCdc.chunks(source, sizes);
    }

    /**
     * A chunk of the parent checkpoint, as a hint.
     *
     * @param sha256 lower-case hex SHA-256 of its bytes
     * @param size its length
     */
    public record Hint(String sha256, int size) {}
}

package dev.checkpointer.internal.chunk;

import java.nio.ByteBuffer;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * The engine's entry to content-defined chunking: cuts a partition's bytes into chunks with {@link FastCdc}.
 *
 * <p>{@code previous} lists the chunks the same partition had in the checkpoint the save is prepared on, in order.
 * They are hints only: the chunks emitted are exactly those that {@link FastCdc} cuts without them (same boundaries,
 * same bytes, same digests), whatever the hints say (wrong digests or sizes, another order, another partition's
 * chunks, a stream's last chunk, none); hints only make finding them cheaper. The one precondition: they were cut
 * with the same {@link ChunkSizes} (a chunk cut with other sizes may hold a cut point of these); pass an empty list
 * when the parent was chunked with other sizes.
 *
 * <p>Cost: where the bytes are unchanged, each chunk is checked by its SHA-256 (needed anyway) and not scanned, so
 * unchanged data costs about one SHA-256 pass; around an edit the chunks are scanned as without hints, plus at most
 * one more SHA-256 pass over a chunk per hint that misses ({@link FastCdc.Cutter}).
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

    /**
     * What this chunker is, as recorded in a manifest: the algorithm and its sizes. Two chunkers with the same spec
     * cut the same bytes at the same places, so only then are one's chunks exact hints for the other.
     *
     * @return {@code fastcdc-v1/min/avg/max}
     */
    public String spec() {
        return "fastcdc-v1/" + sizes.min() + "/" + sizes.avg() + "/" + sizes.max();
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
        return FastCdc.chunks(source, sizes, previous, new FastCdc.Stats());
    }

    /**
     * As {@link #cut}, but a chunk that a hint matched comes without its bytes ({@link Chunk#hasBytes()} false): it
     * is the parent's chunk, which the caller has already, so its bytes are neither copied nor kept.
     *
     * @param source the bytes; subscribed once per subscription to the result
     * @param previous the partition's chunks in the parent checkpoint, in order (may be empty)
     * @return the chunks in order; none for an empty input
     */
    public Flux<Chunk> cutReusing(Flux<ByteBuffer> source, List<Hint> previous) {
        return FastCdc.chunks(source, sizes, previous, new FastCdc.Stats(), false);
    }

    /**
     * As {@link #cutReusing(Flux, List)}, over {@code array[from, to)} read where it lies: nothing is copied, and each
     * chunk with bytes is a view of its range of the array, which the caller must keep unchanged while the chunks are
     * used. The chunks are exactly those the stream form cuts from the same bytes.
     *
     * @param array the bytes
     * @param from the first byte
     * @param to after the last byte
     * @param previous the partition's chunks in the parent checkpoint, in order (may be empty)
     * @return the chunks in order; none for an empty range
     */
    public Flux<Chunk> cutReusing(byte[] array, int from, int to, List<Hint> previous) {
        return FastCdc.chunks(array, from, to, sizes, previous, new FastCdc.Stats(), false);
    }

    /**
     * A chunk of the parent checkpoint, as a hint.
     *
     * @param sha256 lower-case hex SHA-256 of its bytes
     * @param size its length
     */
    public record Hint(String sha256, int size) {}
}

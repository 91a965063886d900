package dev.checkpointer.internal;

import dev.checkpointer.ChunkRef;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.internal.chunk.Chunk;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiFunction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a chunked partition: its chunks fetched with bounded concurrency and handed on in order, each decoded and
 * checked against its SHA-256. The entry's own digest is the digest of its chunks' digests, checked before the first
 * request, so verified chunks make a verified whole.
 */
final class ChunkReads {
    /** Chunks of one partition requested at once. */
    static final int CONCURRENCY = 4;

    private final StoreCalls calls;
    private final CpuWork cpu;
    private final BiFunction<String, Throwable, RuntimeException> gone;

    /**
     * @param gone the error for a chunk object that no longer exists (its key and the store's error)
     */
    ChunkReads(StoreCalls calls, CpuWork cpu, BiFunction<String, Throwable, RuntimeException> gone) {
        this.calls = calls;
        this.cpu = cpu;
        this.gone = gone;
    }

    /**
     * The whole partition in one buffer of exactly its size (read-only), after every chunk was verified. Chunks are
     * fetched {@value #CONCURRENCY} at a time in any order, each written into its own range (the first failure ends
     * the read).
     */
    Mono<ByteBuffer> read(PartitionEntry e) {
        return Mono.defer(() -> {
            checkWhole(e);
            if (e.size() > Integer.MAX_VALUE - 16) {
                return Mono.error(new InvalidInputException("partition " + e.name() + " has " + e.size() + " bytes, too many for one buffer: use stream()"));
            }
            // Each chunk is fetched, copied (or decoded) straight into its place and verified there on a worker, in
            // whatever order they arrive: no buffer per chunk, and the bytes are read from memory once.
            byte[] all = new byte[(int) e.size()];
            List<ChunkRef> chunks = e.chunks();
            int[] at = new int[chunks.size()];
            for (int i = 1; i < at.length; i++) {
                at[i] = at[i - 1] + (int) chunks.get(i - 1).size();
            }
            return Flux.range(0, chunks.size())
                    .flatMap(i -> cpu.on(chunkInto(chunks.get(i), all, at[i])), CONCURRENCY, 1)
                    .onErrorMap(FirstFailure::of)
                    .then(Mono.fromCallable(() -> ByteBuffer.wrap(all).asReadOnlyBuffer()));
        });
    }

    /** The partition chunk by chunk, each a read-only buffer, each verified before it is handed out. */
    Flux<ByteBuffer> stream(PartitionEntry e) {
        return Flux.defer(() -> {
            checkWhole(e);
            return chunks(e);
        });
    }

    /**
     * Each chunk is fetched and verified on a worker, so chunks are hashed on every core while they arrive in order.
     * A chunk's failure is handed out in its place too: every chunk before it reaches the reader first, and the ones
     * fetched ahead of it are cancelled then (a failure surfacing early would make what a reader saw depend on timing).
     */
    private Flux<ByteBuffer> chunks(PartitionEntry e) {
        return Flux.fromIterable(e.chunks())
                .flatMapSequential(c -> cpu.on(chunk(c)).materialize(), CONCURRENCY, 1)
                .handle((signal, sink) -> {
                    if (signal.isOnNext()) {
                        sink.next(signal.get());
                    } else if (signal.isOnError()) {
                        sink.error(signal.getThrowable());
                    }
                });
    }

    /** One chunk, verified; the request and its body are retried together. */
    Mono<ByteBuffer> chunk(ChunkRef c) {
        String key = c.key();
        Mono<ByteBuffer> read;
        if (!c.compressed()) {
            read = calls.retried("get", key, c.size(), () -> calls.store().get(key, ByteRange.ALL)
                    .flatMap(content -> VerifiedBody.read(content.body(), key, (int) c.size(), c.sha256())));
        } else {
            read = calls.retried("get", key, c.storedSize(), () -> calls.store().get(key, ByteRange.ALL).flatMap(content -> stored(c, content)))
                    .map(stored -> ByteBuffer.wrap(Chunk.decode(key, c.codec(), stored, (int) c.size(), c.sha256())).asReadOnlyBuffer());
        }
        return read.onErrorMap(Context::isNotFound, nf -> gone.apply(key, nf));
    }

    /** One chunk into {@code dest[at, at + size)}, verified there; the request and its body are retried together. */
    private Mono<Void> chunkInto(ChunkRef c, byte[] dest, int at) {
        String key = c.key();
        Mono<Void> read;
        if (!c.compressed()) {
            VerifiedRange range = new VerifiedRange(dest, at, (int) c.size(), key, c.sha256());
            read = calls.retried("get", key, c.size(), () -> calls.store().get(key, ByteRange.ALL).flatMap(content -> range.fill(content.body())));
        } else {
            // Decoded only once the stored bytes are all here, outside the retries: one decode writes the range.
            read = calls.retried("get", key, c.storedSize(), () -> calls.store().get(key, ByteRange.ALL).flatMap(content -> stored(c, content)))
                    .doOnNext(stored -> Chunk.decodeInto(key, c.codec(), stored, dest, at, (int) c.size(), c.sha256()))
                    .then();
        }
        return read.onErrorMap(Context::isNotFound, nf -> gone.apply(key, nf));
    }

    private static Mono<byte[]> stored(ChunkRef c, dev.checkpointer.spi.ObjectContent content) {
        if (content.info().size() != c.storedSize()) {
            return Mono.error(new IntegrityException(c.key(), "size=" + c.storedSize(), "size=" + content.info().size()));
        }
        return Buffers.join(content.body(), c.storedSize());
    }

    /** The entry's digest must be that of its chunks' digests, or a verified chunk would not make a verified whole. */
    private static void checkWhole(PartitionEntry e) {
        String whole = ChunkRef.listDigest(e.chunks());
        if (!whole.equals(e.sha256())) {
            throw new IntegrityException("partition " + e.name(), e.sha256(), whole + " (the digest of its chunks' digests)");
        }
    }
}

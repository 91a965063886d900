package dev.checkpointer.internal;

import dev.checkpointer.ChunkRef;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.internal.chunk.Chunk;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import java.nio.ByteBuffer;
import java.util.function.BiFunction;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Reads a chunked partition: its chunks fetched with bounded concurrency and handed on in order, each decoded and
 * checked against its SHA-256. The entry's own digest is the digest of its chunks' digests, checked before the first
 * request, so verified chunks make a verified whole.
 */
final class ChunkReads {
    /** Chunks of one partition requested at once. */
    static final int CONCURRENCY = 4;

    private final StoreCalls calls;
    private final BiFunction<String, Throwable, RuntimeException> gone;

    /**
     * @param gone the error for a chunk object that no longer exists (its key and the store's error)
     */
    ChunkReads(StoreCalls calls, BiFunction<String, Throwable, RuntimeException> gone) {
        this.calls = calls;
        this.gone = gone;
    }

    /** The whole partition in one buffer of exactly its size (read-only), after every chunk was verified. */
    Mono<ByteBuffer> read(PartitionEntry e) {
        return Mono.defer(() -> {
            checkWhole(e);
            if (e.size() > Integer.MAX_VALUE - 16) {
                return Mono.error(new InvalidInputException("partition " + e.name() + " has " + e.size() + " bytes, too many for one buffer: use stream()"));
            }
            byte[] all = new byte[(int) e.size()];
            int[] at = {0};
            return chunks(e)
                    .doOnNext(b -> {
                        int n = b.remaining();
                        b.get(all, at[0], n);
                        at[0] += n;
                    })
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
                .flatMapSequential(c -> chunk(c).subscribeOn(Schedulers.parallel()).materialize(), CONCURRENCY, 1)
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
            read = calls.retried("get", key, c.storedSize(), () -> calls.store().get(key, ByteRange.ALL)
                            .flatMap(content -> {
                                if (content.info().size() != c.storedSize()) {
                                    return Mono.error(new IntegrityException(key, "size=" + c.storedSize(), "size=" + content.info().size()));
                                }
                                return Buffers.join(content.body(), c.storedSize());
                            }))
                    .map(stored -> ByteBuffer.wrap(Chunk.decode(key, c.codec(), stored, (int) c.size(), c.sha256())).asReadOnlyBuffer());
        }
        return read.onErrorMap(Context::isNotFound, nf -> gone.apply(key, nf));
    }

    /** The entry's digest must be that of its chunks' digests, or a verified chunk would not make a verified whole. */
    private static void checkWhole(PartitionEntry e) {
        String whole = ChunkRef.listDigest(e.chunks());
        if (!whole.equals(e.sha256())) {
            throw new IntegrityException("partition " + e.name(), e.sha256(), whole + " (the digest of its chunks' digests)");
        }
    }
}

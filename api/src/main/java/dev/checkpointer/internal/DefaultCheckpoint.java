package dev.checkpointer.internal;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.VerifyingPayload;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** A verified manifest plus reads that verify every byte against it. */
final class DefaultCheckpoint implements Checkpoint {
    private final Manifest manifest;
    private final StoreCalls calls;
    private final ChunkReads chunks;

    DefaultCheckpoint(Manifest manifest, StoreCalls calls, CpuWork cpu) {
        this.manifest = manifest;
        this.calls = calls;
        this.chunks = new ChunkReads(calls, cpu, this::gone);
    }

    @Override
    public Manifest manifest() {
        return manifest;
    }

    @Override
    public Mono<ByteBuffer> read(String operator, int partition) {
        return Mono.defer(() -> {
            PartitionEntry e = entry(operator, partition);
            if (e.isChunked()) {
                return chunks.read(e);
            }
            if (e.isInline()) {
                return Mono.fromCallable(() -> verified(e, "manifest inline " + e.name(), Base64.getDecoder().decode(e.inline())));
            }
            String key = Objects.requireNonNull(e.key());
            if (e.size() > Integer.MAX_VALUE - 16) {
                return Mono.error(new InvalidInputException("partition " + e.name() + " has " + e.size() + " bytes, too many for one buffer: use stream()"));
            }
            if (e.size() == 0) {
                return Mono.fromCallable(() -> verified(e, key, new byte[0]));
            }
            // The request and the body are retried together: a transient failure mid-body re-reads from the start.
            // A body of one buffer is handed out as it is; several are copied once into an exactly sized array.
            return calls.retried("get", key, e.size(), () -> calls.store().get(key, range(e))
                            .flatMap(c -> checkWholeSize(e, key, c).then(VerifiedBody.read(c.body(), key, (int) e.size(), e.sha256()))))
                    .onErrorMap(Context::isNotFound, nf -> gone(key, nf));
        });
    }

    @Override
    public Flux<ByteBuffer> stream(String operator, int partition) {
        return Flux.defer(() -> {
            PartitionEntry e = entry(operator, partition);
            if (e.isChunked()) {
                return chunks.stream(e);
            }
            if (e.isInline() || e.size() == 0) {
                return read(operator, partition).flux();
            }
            String key = Objects.requireNonNull(e.key());
            // Counted and hashed by the shared verifier; on this side a length or digest mismatch is the stored
            // object's fault, so both are integrity errors, and the store's own errors pass unchanged.
            return calls.get(key, range(e))
                    .onErrorMap(Context::isNotFound, nf -> gone(key, nf))
                    .flatMapMany(c -> checkWholeSize(e, key, c).thenMany(VerifyingPayload.builder(Payload.of(c::body, e.size()), key)
                            .digest("SHA-256")
                            .onSourceError(error -> error)
                            .onLengthMismatch((what, declared, produced) -> new IntegrityException(key, "size=" + declared, "size=" + produced))
                            .finalCheck(pass -> pass.hex("SHA-256").equals(e.sha256()) ? null : new IntegrityException(key, e.sha256(), pass.hex("SHA-256")))
                            .build()
                            .content()))
                    .map(ByteBuffer::asReadOnlyBuffer);
        });
    }

    /** An artifact that is gone: the checkpoint was deleted (or expired) after this reader loaded it. */
    private RuntimeException gone(String key, Throwable cause) {
        return new CheckpointNotFoundException(manifest.id(), "checkpoint " + manifest.id() + " is gone: its object '" + key
                + "' no longer exists (the checkpoint was deleted or expired by retention since it was loaded, or the object was"
                + " removed outside this library)", cause);
    }

    private PartitionEntry entry(String operator, int partition) {
        return manifest.partition(operator, partition).orElseThrow(() -> new InvalidInputException(
                "checkpoint " + manifest.id() + " has no partition " + partition + " of operator '" + operator + "'"));
    }

    private static ByteRange range(PartitionEntry e) {
        return ByteRange.of(e.offset(), e.size());
    }

    /** A truncated object is refused before its bytes are read. */
    private static Mono<Void> checkWholeSize(PartitionEntry e, String key, ObjectContent c) {
        if (c.info().size() < e.offset() + e.size()) {
            release(c);
            return Mono.error(new IntegrityException(key, "size=" + (e.offset() + e.size()), "size=" + c.info().size()));
        }
        return Mono.empty();
    }

    /** Cancels a body that will not be read, so the store can release its connection. */
    private static void release(ObjectContent c) {
        c.body().subscribe(new reactor.core.publisher.BaseSubscriber<ByteBuffer>() {
            @Override
            protected void hookOnSubscribe(org.reactivestreams.Subscription subscription) {
                subscription.cancel();
            }
        });
    }

    private static ByteBuffer verified(PartitionEntry e, String where, byte[] bytes) {
        if (bytes.length != e.size()) {
            throw new IntegrityException(where, "size=" + e.size(), "size=" + bytes.length);
        }
        String actual = Sha256.hex(bytes);
        if (!actual.equals(e.sha256())) {
            throw new IntegrityException(where, e.sha256(), actual);
        }
        return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
    }

    @Override
    public String toString() {
        return "Checkpoint[" + manifest + "]";
    }
}

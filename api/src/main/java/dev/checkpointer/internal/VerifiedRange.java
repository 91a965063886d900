package dev.checkpointer.internal;

import dev.checkpointer.IntegrityException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Fills {@code dest[at, at + size)} with an object's body and checks its size and SHA-256, so that a chunked
 * partition is assembled without a buffer per chunk: each piece is copied into place and hashed from there right
 * after, step by step while it is still in the cache ({@code VerifiedBody.copyAndHash}), so the body is read from memory once.
 *
 * <p>A body may be fetched more than once (the request and its body are retried together), and an attempt given up
 * (timed out, cancelled) may still be inside a copy on another thread when the next one starts. Each attempt takes a
 * number, and a piece is copied only while its attempt is the current one, under a lock: an abandoned attempt can
 * never write into the range after a newer one began, so the bytes verified are the bytes left in place. The range
 * is never written past its end: more bytes than expected fail before they are copied.
 */
final class VerifiedRange {
    private final byte[] dest;
    private final int at;
    private final int size;
    private final String key;
    private final String sha256;
    private final MessageDigest md = Sha256.newDigest();
    private int attempt;
    private int count;

    /**
     * @param dest where the bytes go
     * @param at the first byte of the range
     * @param size the expected size, and the range's length
     * @param key the object, named in errors
     * @param sha256 the expected SHA-256, lower-case hex
     */
    VerifiedRange(byte[] dest, int at, int size, String key, String sha256) {
        if (at < 0 || size < 0 || at > dest.length - size) {
            throw new IndexOutOfBoundsException("range [" + at + ", " + at + " + " + size + ") of " + dest.length + " bytes");
        }
        this.dest = dest;
        this.at = at;
        this.size = size;
        this.key = key;
        this.sha256 = sha256;
    }

    /**
     * One attempt: copies the body into the range and completes once it was all there with the right digest;
     * {@link IntegrityException} on a size or digest mismatch.
     *
     * @param body the store's buffers
     * @return completion
     */
    Mono<Void> fill(Flux<ByteBuffer> body) {
        return Mono.defer(() -> {
            int mine = begin();
            return body.doOnNext(b -> add(mine, b)).then(Mono.fromRunnable(() -> finish(mine)));
        });
    }

    private synchronized int begin() {
        attempt++;
        count = 0;
        md.reset();
        return attempt;
    }

    private synchronized void add(int mine, ByteBuffer buffer) {
        if (mine != attempt) {
            throw new IllegalStateException("attempt " + mine + " of " + key + " was given up for attempt " + attempt);
        }
        ByteBuffer src = buffer.duplicate();
        int n = src.remaining();
        if ((long) count + n > size) {
            throw new IntegrityException(key, "size=" + size, "more than " + size + " bytes");
        }
        VerifiedBody.copyAndHash(src, dest, at + count, md);
        count += n;
    }

    private synchronized void finish(int mine) {
        if (mine != attempt) {
            throw new IllegalStateException("attempt " + mine + " of " + key + " was given up for attempt " + attempt);
        }
        if (count != size) {
            throw new IntegrityException(key, "size=" + size, "size=" + count);
        }
        String actual = Sha256.hex(md);
        if (!actual.equals(sha256)) {
            throw new IntegrityException(key, sha256, actual);
        }
    }
}

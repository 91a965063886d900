package dev.checkpointer.internal;

import dev.checkpointer.IntegrityException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Turns an object's body into one buffer of exactly the expected size whose SHA-256 matched, making no copy that
 * the caller's contract does not need:
 *
 * <ul>
 *   <li>a body that arrives as one buffer is handed out as it is (a read-only view of the store's buffer, which the
 *       SPI keeps valid after {@code onNext}), hashed in place: from its array when the store lets us reach it
 *       ({@link ByteBuffer#hasArray()}; a store's buffers are never written by the engine), else through
 *       {@code MessageDigest}'s small temporary array, which costs a copy;
 *   <li>a body of several buffers is copied once into an array of exactly the expected size: the first buffer, when
 *       it has an array, by {@link Arrays#copyOfRange} (the JIT does not zero what the copy fills) and then hashed;
 *       the rest (or all of it, when the first is read-only) in steps, each hashed right after it is copied while it
 *       is still in the cache;
 *   <li>more bytes than expected fail at once, before they are buffered; fewer, or other bytes, fail at the end.
 * </ul>
 *
 * One instance per subscription to the body (a retry starts a fresh one).
 */
final class VerifiedBody {
    /** Copy-then-hash step: small enough that the copied bytes are still in the cache when they are hashed. */
    private static final int STEP = 128 * 1024;

    private final String key;
    private final int size;
    private final String sha256;
    private final MessageDigest md = Sha256.newDigest();
    private @Nullable ByteBuffer first;
    private byte @Nullable [] joined;
    private int count;

    private VerifiedBody(String key, int size, String sha256) {
        this.key = key;
        this.size = size;
        this.sha256 = sha256;
    }

    /**
     * The body as one verified, read-only buffer.
     *
     * @param body the store's buffers (valid after {@code onNext}, per the SPI)
     * @param key the object, named in errors
     * @param size the expected size (at most {@code Integer.MAX_VALUE - 16})
     * @param sha256 the expected SHA-256, lower-case hex
     * @return the bytes; {@link IntegrityException} on a size or digest mismatch
     */
    static Mono<ByteBuffer> read(Flux<ByteBuffer> body, String key, int size, String sha256) {
        return Mono.defer(() -> {
            VerifiedBody v = new VerifiedBody(key, size, sha256);
            return body.doOnNext(v::add).then(Mono.fromCallable(v::finish));
        });
    }

    private void add(ByteBuffer buffer) {
        int n = buffer.remaining();
        if (n == 0) {
            return;
        }
        if ((long) count + n > size) {
            throw new IntegrityException(key, "size=" + size, "more than " + size + " bytes");
        }
        if (joined == null && first == null) {
            first = buffer.duplicate(); // possibly the whole body: hashed in place at the end, never copied
        } else {
            if (joined == null) {
                ByteBuffer f = first;
                first = null;
                if (f.hasArray()) {
                    // One bulk copy into a new array of the exact size: the JIT allocates it without zeroing the
                    // part the copy fills (only the tail is cleared), where new byte[size] zeroes every byte first.
                    int from = f.arrayOffset() + f.position();
                    int n0 = f.remaining();
                    joined = Arrays.copyOfRange(f.array(), from, from + size);
                    md.update(joined, 0, n0);
                } else {
                    joined = new byte[size];
                    copyAndHash(f, 0);
                }
            }
            copyAndHash(buffer.duplicate(), count);
        }
        count += n;
    }

    /** Copies {@code src} into {@link #joined} at {@code at}, hashing each step from the array right after copying it. */
    private void copyAndHash(ByteBuffer src, int at) {
        copyAndHash(src, joined, at, md);
    }

    /**
     * Copies {@code src} into {@code out} from {@code at}, feeding each step of {@value #STEP} bytes to {@code md} from
     * {@code out} right after copying it, while it is still in the cache.
     */
    static void copyAndHash(ByteBuffer src, byte[] out, int at, MessageDigest md) {
        int pos = at;
        while (src.hasRemaining()) {
            int k = Math.min(STEP, src.remaining());
            src.get(out, pos, k);
            md.update(out, pos, k);
            pos += k;
        }
    }

    private ByteBuffer finish() {
        if (count != size) {
            throw new IntegrityException(key, "size=" + size, "size=" + count);
        }
        ByteBuffer out;
        if (joined != null) {
            out = ByteBuffer.wrap(joined);
        } else if (first != null) {
            out = first.slice();
            md.update(first);
        } else {
            out = ByteBuffer.allocate(0);
        }
        String actual = Sha256.hex(md);
        if (!actual.equals(sha256)) {
            throw new IntegrityException(key, sha256, actual);
        }
        return out.asReadOnlyBuffer();
    }
}

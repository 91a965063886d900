package dev.checkpointer.store.azure.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads payloads for uploads. Every buffer a payload emits is copied as it passes (a payload may reuse a buffer once
 * {@code onNext} returns, while the SDK keeps references and Netty writes asynchronously); a payload that produces
 * more or fewer bytes than it declared is refused before anything is committed; a declared SHA-256 is checked before
 * the stream completes, so a mismatch fails the upload before the blob (or its block list) is written; the payload's
 * own failure is remembered so that it is reported as such, not as whatever the HTTP client made of it.
 */
final class Payloads {
    /** Largest part read into one array. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 64;

    private Payloads() {}

    /**
     * A body for one upload attempt.
     *
     * @param operation the SPI operation, for messages
     * @param key the key, for messages
     * @param payload the payload
     * @param sha256Hex the declared SHA-256, or null
     * @return the body
     */
    public static Body body(String operation, String key, Payload payload, @Nullable String sha256Hex) {
        return new Body(operation, key, payload, sha256Hex);
    }

    /**
     * Reads a whole payload into one array of exactly its declared length (for a block, whose MD5 must be known
     * before the request is sent).
     *
     * @param key the key, for messages
     * @param payload the payload
     * @return the bytes
     */
    public static Mono<byte[]> readFully(String key, Payload payload) {
        return Mono.defer(() -> {
            long declared = payload.length();
            if (declared > MAX_ARRAY) {
                return Mono.error(new InvalidInputException("a part of '" + key + "' is " + declared + " bytes; at most " + MAX_ARRAY + " fit one block buffer"));
            }
            byte[] out = new byte[(int) declared];
            int[] pos = {0};
            return Flux.defer(payload::content)
                    .onErrorMap(e -> !(e instanceof CheckpointException), e -> failed(key, e))
                    .<byte[]>handle((buffer, sink) -> {
                        int n = buffer.remaining();
                        if ((long) pos[0] + n > declared) {
                            sink.error(mismatch(key, declared, "more than " + declared));
                            return;
                        }
                        buffer.duplicate().get(out, pos[0], n);
                        pos[0] += n;
                    })
                    .then(Mono.defer(() -> pos[0] == declared ? Mono.just(out) : Mono.error(mismatch(key, declared, String.valueOf(pos[0])))));
        });
    }

    /**
     * The MD5 of bytes, as the {@code Content-MD5} header wants it.
     *
     * @param bytes the bytes
     * @return the digest
     */
    public static byte[] md5(byte[] bytes) {
        return digest("MD5").digest(bytes);
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is not available", e);
        }
    }

    static InvalidInputException mismatch(String key, long declared, String produced) {
        return new InvalidInputException("payload for '" + key + "' declared " + declared + " bytes but produced " + produced);
    }

    static CheckpointException failed(String key, Throwable error) {
        if (error instanceof CheckpointException ce) {
            return ce;
        }
        return new InvalidInputException("the payload for '" + key + "' failed while being read: " + error, error);
    }

    /** The streamed body of one upload attempt. */
    static final class Body {
        private final String operation;
        private final String key;
        private final Payload payload;
        private final @Nullable String sha256Hex;
        private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();

        Body(String operation, String key, Payload payload, @Nullable String sha256Hex) {
            this.operation = operation;
            this.key = key;
            this.payload = payload;
            this.sha256Hex = sha256Hex;
        }

        /**
         * The bytes: copied, counted and (when declared) hashed; each subscription reads the payload again.
         *
         * @return the body
         */
        public Flux<ByteBuffer> flux() {
            long declared = payload.length();
            return Flux.defer(() -> {
                long[] seen = {0};
                MessageDigest sha = sha256Hex == null ? null : digest("SHA-256");
                return Flux.defer(payload::content)
                        .onErrorMap(e -> !(e instanceof CheckpointException), e -> failed(key, e))
                        .<ByteBuffer>handle((buffer, sink) -> {
                            int n = buffer.remaining();
                            if (seen[0] + n > declared) {
                                sink.error(mismatch(key, declared, "more than " + declared + " (at least " + (seen[0] + n) + ")"));
                                return;
                            }
                            seen[0] += n;
                            if (n > 0) {
                                ByteBuffer copy = ByteBuffer.allocate(n);
                                copy.put(buffer.duplicate()).flip();
                                if (sha != null) {
                                    sha.update(copy.duplicate());
                                }
                                sink.next(copy);
                            }
                        })
                        .concatWith(Mono.defer(() -> {
                            if (seen[0] != declared) {
                                return Mono.error(mismatch(key, declared, String.valueOf(seen[0])));
                            }
                            if (sha != null) {
                                String actual = HexFormat.of().formatHex(sha.digest());
                                if (!actual.equals(sha256Hex)) {
                                    return Mono.error(StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, key,
                                            "the bytes do not match the declared SHA-256 (declared " + sha256Hex + ", read " + actual + "); nothing was written", null));
                                }
                            }
                            return Mono.empty();
                        }))
                        .doOnError(e -> failure.compareAndSet(null, e));
            });
        }

        /**
         * The error the payload (or its length or digest check) raised, if any: it explains the upload's failure
         * better than the SDK's view of it.
         *
         * @return the error, when the body failed
         */
        public Optional<Throwable> failure() {
            return Optional.ofNullable(failure.get());
        }
    }
}

package dev.checkpointer.store.azure.internal;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.VerifyingPayload;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * Reads payloads for uploads through the shared {@link VerifyingPayload}: every buffer is copied as it passes (a
 * payload may reuse a buffer once {@code onNext} returns, while the SDK keeps references and Netty writes
 * asynchronously); a payload that produces more or fewer bytes than it declared is refused before anything is
 * committed; a declared SHA-256 is checked before the stream completes, so a mismatch fails the upload before the
 * blob (or its block list) is written; the payload's own failure is remembered so that it is reported as such, not
 * as whatever the HTTP client made of it.
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
     * @return the body: {@link VerifyingPayload#content()} to send, {@link VerifyingPayload#failure()} to explain
     */
    public static VerifyingPayload body(String operation, String key, Payload payload, @Nullable String sha256Hex) {
        return VerifyingPayload.builder(payload, key).copying().expectingSha256(sha256Hex, operation).build();
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
            return Buffers.join(VerifyingPayload.of(payload, key).content(), declared);
        });
    }

    /**
     * The MD5 of bytes, as the {@code Content-MD5} header wants it.
     *
     * @param bytes the bytes
     * @return the digest
     */
    public static byte[] md5(byte[] bytes) {
        try {
            return MessageDigest.getInstance("MD5").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is not available", e);
        }
    }
}

package dev.checkpointer.spi;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.zip.Checksum;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The one place that counts a payload's bytes, refuses a payload that lies about its length, and digests the bytes
 * as they pass: the engine and every store wrap the payloads they read in it, so that all of them report the same
 * errors.
 *
 * <p>Each subscription to {@link #content()} is one pass (one upload attempt) with its own count and digests:
 * <ul>
 *   <li>a payload that produces more bytes than it declared fails before the excess is emitted, one that produces
 *       fewer fails at its end, both with {@link InvalidInputException#payloadLengthMismatch} (code
 *       {@link ErrorCode#PAYLOAD_LENGTH_MISMATCH}) unless {@link Builder#onLengthMismatch} says otherwise (a reader
 *       verifying stored bytes reports an integrity error instead);</li>
 *   <li>an error of the payload's own source becomes an {@link InvalidInputException} that keeps it as its cause
 *       (a {@link CheckpointException} passes unchanged);</li>
 *   <li>a pass that produced exactly the declared bytes runs the {@link Builder#finalCheck final checks} (for
 *       example {@link Builder#expectingSha256}) and only then completes, so a store never commits refused bytes;</li>
 *   <li>the first error a pass raised is remembered ({@link #failure()}): it explains an upload's failure better than
 *       whatever the HTTP client made of the aborted body;</li>
 *   <li>the count and digests of the last complete pass are kept ({@link #lastPass()}).</li>
 * </ul>
 * Cancellation is not a failure. Instances are safe to subscribe to from several threads, one pass each.
 */
public final class VerifyingPayload implements Payload {
    private static final HexFormat HEX = HexFormat.of();

    private final Payload payload;
    private final String what;
    private final List<String> digests;
    private final Map<String, Supplier<Checksum>> checksums;
    private final boolean copying;
    private final LengthMismatch onLengthMismatch;
    private final Function<Throwable, Throwable> onSourceError;
    private final List<Function<Pass, @Nullable Throwable>> finalChecks;
    private final AtomicReference<@Nullable Throwable> failure = new AtomicReference<>();
    private final AtomicReference<@Nullable Pass> lastPass = new AtomicReference<>();

    private VerifyingPayload(Builder b) {
        this.payload = b.payload;
        this.what = b.what;
        this.digests = List.copyOf(b.digests);
        this.checksums = Map.copyOf(b.checksums);
        this.copying = b.copying;
        this.onLengthMismatch = b.onLengthMismatch;
        this.onSourceError = b.onSourceError;
        this.finalChecks = List.copyOf(b.finalChecks);
    }

    /**
     * Starts a verifier over a payload.
     *
     * @param payload the payload to read
     * @param what the payload's key or partition, named in errors
     * @return a builder
     */
    public static Builder builder(Payload payload, String what) {
        return new Builder(payload, what);
    }

    /**
     * A verifier that only counts (no digests, no copies).
     *
     * @param payload the payload to read
     * @param what the payload's key or partition, named in errors
     * @return the verifying payload
     */
    public static VerifyingPayload of(Payload payload, String what) {
        return builder(payload, what).build();
    }

    /**
     * The declared length of the wrapped payload.
     *
     * @return the length in bytes
     */
    @Override
    public long length() {
        return payload.length();
    }

    /**
     * The payload's bytes, counted, digested and checked; each subscription is a new pass.
     *
     * @return the checked bytes
     */
    @Override
    public Flux<ByteBuffer> content() {
        long declared = payload.length();
        return Flux.defer(() -> {
            Running pass = new Running();
            return Flux.defer(payload::content)
                    .onErrorMap(onSourceError)
                    .<ByteBuffer>handle((buffer, sink) -> {
                        int n = buffer.remaining();
                        if (pass.count + n > declared) {
                            sink.error(onLengthMismatch.error(what, declared, (pass.count + n) + " or more"));
                            return;
                        }
                        pass.count += n;
                        if (n == 0) {
                            return;
                        }
                        ByteBuffer out = buffer;
                        if (copying) {
                            out = ByteBuffer.allocate(n);
                            out.put(buffer.duplicate()).flip();
                        }
                        pass.update(out);
                        sink.next(out);
                    })
                    .concatWith(Mono.defer(() -> {
                        if (pass.count != declared) {
                            return Mono.error(onLengthMismatch.error(what, declared, String.valueOf(pass.count)));
                        }
                        Pass done = pass.finish();
                        for (Function<Pass, @Nullable Throwable> check : finalChecks) {
                            Throwable refused = check.apply(done);
                            if (refused != null) {
                                return Mono.error(refused);
                            }
                        }
                        lastPass.set(done);
                        return Mono.<ByteBuffer>empty();
                    }))
                    .doOnError(e -> failure.compareAndSet(null, e));
        });
    }

    /**
     * The first error any pass raised: the payload's own error, a length lie or a refused final check.
     *
     * @return the error, when a pass failed
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure.get());
    }

    /**
     * The count and digests of the most recent pass that completed (read every declared byte and passed the
     * final checks).
     *
     * @return the pass, when one completed
     */
    public Optional<Pass> lastPass() {
        return Optional.ofNullable(lastPass.get());
    }

    @Override
    public String toString() {
        return "VerifyingPayload[" + what + ", " + payload + "]";
    }

    /** The state of one subscription. */
    private final class Running {
        long count;
        final List<MessageDigest> mds = new ArrayList<>(digests.size());
        final Map<String, Checksum> sums = new LinkedHashMap<>();

        Running() {
            for (String algorithm : digests) {
                mds.add(newDigest(algorithm));
            }
            checksums.forEach((name, supplier) -> sums.put(name, supplier.get()));
        }

        void update(ByteBuffer b) {
            for (MessageDigest md : mds) {
                md.update(b.duplicate());
            }
            for (Checksum c : sums.values()) {
                c.update(b.duplicate());
            }
        }

        Pass finish() {
            Map<String, byte[]> values = new LinkedHashMap<>();
            for (int i = 0; i < mds.size(); i++) {
                values.put(digests.get(i), mds.get(i).digest());
            }
            sums.forEach((name, c) -> {
                int v = (int) c.getValue();
                values.put(name, new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
            });
            return new Pass(count, values);
        }
    }

    private static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("digest " + algorithm + " is not available in this JVM", e);
        }
    }

    /**
     * What one complete pass read.
     *
     * @param count the bytes read (the declared length)
     * @param values each digest's or checksum's value by its name (a 32-bit checksum as 4 big-endian bytes)
     */
    public record Pass(long count, Map<String, byte[]> values) {
        /**
         * Copies the values.
         *
         * @param count the bytes read
         * @param values the values by name
         */
        public Pass {
            Map<String, byte[]> copy = new LinkedHashMap<>();
            values.forEach((k, v) -> copy.put(k, v.clone()));
            values = java.util.Collections.unmodifiableMap(copy);
        }

        /**
         * One value.
         *
         * @param name the digest or checksum name given to the builder
         * @return a copy of its bytes
         * @throws IllegalArgumentException when the builder did not ask for it
         */
        public byte[] value(String name) {
            byte[] v = values.get(name);
            if (v == null) {
                throw new IllegalArgumentException("no digest or checksum named " + name + " was computed; computed: " + values.keySet());
            }
            return v.clone();
        }

        /**
         * One value in lower-case hex.
         *
         * @param name the digest or checksum name
         * @return hex digits
         */
        public String hex(String name) {
            return HEX.formatHex(value(name));
        }

        /**
         * One value in base64 (as S3, Azure and GCS headers carry checksums).
         *
         * @param name the digest or checksum name
         * @return base64
         */
        public String base64(String name) {
            return Base64.getEncoder().encodeToString(value(name));
        }

        @Override
        public String toString() {
            return "Pass[" + count + " bytes, " + values.keySet() + "]";
        }
    }

    /** Makes the error for a length lie. */
    @FunctionalInterface
    public interface LengthMismatch {
        /**
         * The error to raise.
         *
         * @param what the payload's key or partition
         * @param declared the declared length
         * @param produced what it produced, in words: {@code "1000"}, or {@code "2000 or more"} when stopped at the
         *     first excess byte
         * @return the error
         */
        Throwable error(String what, long declared, String produced);
    }

    /** Configures a {@link VerifyingPayload}. */
    public static final class Builder {
        private final Payload payload;
        private final String what;
        private final List<String> digests = new ArrayList<>();
        private final Map<String, Supplier<Checksum>> checksums = new LinkedHashMap<>();
        private boolean copying;
        private LengthMismatch onLengthMismatch = InvalidInputException::payloadLengthMismatch;
        private Function<Throwable, Throwable> onSourceError;
        private final List<Function<Pass, @Nullable Throwable>> finalChecks = new ArrayList<>();

        private Builder(Payload payload, String what) {
            this.payload = Objects.requireNonNull(payload, "payload");
            this.what = Objects.requireNonNull(what, "what");
            this.onSourceError = e -> e instanceof CheckpointException ? e
                    : new InvalidInputException("the payload of " + what + " failed while being read: " + e, e);
        }

        /**
         * Replaces how an error of the payload's own source is reported (by default a {@link CheckpointException}
         * passes and anything else becomes an {@link InvalidInputException} that keeps it as its cause): a reader of
         * stored bytes passes the store's errors unchanged.
         *
         * @param map maps the source's error
         * @return this builder
         */
        public Builder onSourceError(Function<Throwable, Throwable> map) {
            this.onSourceError = Objects.requireNonNull(map, "map");
            return this;
        }

        /**
         * Digests every pass with a {@link MessageDigest} algorithm.
         *
         * @param algorithm e.g. {@code "SHA-256"} or {@code "MD5"}
         * @return this builder
         * @throws IllegalArgumentException when the JVM has no such algorithm
         */
        public Builder digest(String algorithm) {
            newDigest(algorithm);
            if (!digests.contains(algorithm)) {
                digests.add(algorithm);
            }
            return this;
        }

        /**
         * Checksums every pass with a {@link Checksum} (its value is kept as 4 big-endian bytes).
         *
         * @param name the name to read it back by, e.g. {@code "CRC32C"}
         * @param checksum makes a fresh checksum for each pass, e.g. {@code java.util.zip.CRC32C::new}
         * @return this builder
         */
        public Builder checksum(String name, Supplier<Checksum> checksum) {
            checksums.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(checksum, "checksum"));
            return this;
        }

        /**
         * Emits copies of the payload's buffers, for consumers that hold on to them after {@code onNext} returns
         * (an HTTP client writing asynchronously): a payload may reuse its buffers.
         *
         * @return this builder
         */
        public Builder copying() {
            this.copying = true;
            return this;
        }

        /**
         * Replaces the error raised for a length lie (by default
         * {@link InvalidInputException#payloadLengthMismatch}): a reader verifying stored bytes raises an integrity
         * error instead.
         *
         * @param error makes the error
         * @return this builder
         */
        public Builder onLengthMismatch(LengthMismatch error) {
            this.onLengthMismatch = Objects.requireNonNull(error, "error");
            return this;
        }

        /**
         * Adds a check run at the end of every pass that produced exactly the declared bytes, before the pass
         * completes.
         *
         * @param check returns the error to fail the pass with, or null to accept it
         * @return this builder
         */
        public Builder finalCheck(Function<Pass, @Nullable Throwable> check) {
            finalChecks.add(Objects.requireNonNull(check, "check"));
            return this;
        }

        /**
         * Refuses bytes that do not match a SHA-256 the caller declared ({@link PutOptions#sha256()}), as a store
         * must: {@link StoreException} {@link ErrorCode#STORE_BAD_REQUEST}, raised before the pass completes so that
         * nothing is written. Nothing is checked when {@code declaredHex} is null.
         *
         * @param declaredHex the declared SHA-256 in hex, or null
         * @param operation the store operation, for the error
         * @return this builder
         */
        public Builder expectingSha256(@Nullable String declaredHex, String operation) {
            if (declaredHex == null) {
                return this;
            }
            digest("SHA-256");
            return finalCheck(pass -> {
                String actual = pass.hex("SHA-256");
                return actual.equalsIgnoreCase(declaredHex) ? null : StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, what,
                        "SHA-256 mismatch: the request declared " + declaredHex + " but the bytes hash to " + actual + "; nothing was written", null);
            });
        }

        /**
         * Builds the verifying payload.
         *
         * @return it
         */
        public VerifyingPayload build() {
            return new VerifyingPayload(this);
        }
    }
}

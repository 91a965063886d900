package dev.checkpointer.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

class VerifyingPayloadTest {

    private static Payload emitting(long declared, int... chunkSizes) {
        return Payload.of(() -> Flux.fromArray(java.util.Arrays.stream(chunkSizes).boxed().toArray(Integer[]::new))
                .map(n -> ByteBuffer.wrap(new byte[n])), declared);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void anHonestPayloadPassesAndItsDigestsAreKept() throws Exception {
        byte[] data = "hello, verifier".getBytes();
        VerifyingPayload v = VerifyingPayload.builder(Payload.of(data), "k").digest("SHA-256").digest("MD5").checksum("CRC32C", CRC32C::new).build();
        assertThat(v.length()).isEqualTo(data.length);
        assertThat(Buffers.join(v.content()).block()).isEqualTo(data);
        VerifyingPayload.Pass pass = v.lastPass().orElseThrow();
        assertThat(pass.count()).isEqualTo(data.length);
        assertThat(pass.hex("SHA-256")).isEqualTo(sha256(data));
        assertThat(pass.value("MD5")).isEqualTo(MessageDigest.getInstance("MD5").digest(data));
        CRC32C crc = new CRC32C();
        crc.update(data);
        assertThat(java.nio.ByteBuffer.wrap(pass.value("CRC32C")).getInt()).isEqualTo((int) crc.getValue());
        assertThat(v.failure()).isEmpty();
    }

    @Test
    void aShortPayloadFailsAtItsEndWithTheOneLengthError() {
        VerifyingPayload v = VerifyingPayload.of(emitting(2000, 1000), "liar/short");
        StepVerifier.create(v.content())
                .expectNextCount(1)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(InvalidInputException.class).hasMessageContaining("declared 2000 bytes but produced 1000");
                    assertThat(((InvalidInputException) e).code()).isEqualTo(ErrorCode.PAYLOAD_LENGTH_MISMATCH);
                })
                .verify();
        assertThat(v.failure()).containsInstanceOf(InvalidInputException.class);
        assertThat(v.lastPass()).isEmpty();
    }

    @Test
    void aLongPayloadFailsBeforeTheExcessIsEmitted() {
        VerifyingPayload v = VerifyingPayload.of(emitting(1500, 1000, 1000, 1000), "liar/long");
        StepVerifier.create(v.content())
                .expectNextMatches(b -> b.remaining() == 1000)
                .expectErrorSatisfies(e -> {
                    assertThat(((InvalidInputException) e).code()).isEqualTo(ErrorCode.PAYLOAD_LENGTH_MISMATCH);
                    assertThat(e).hasMessageContaining("declared 1500 bytes but produced 2000 or more");
                })
                .verify();
    }

    @Test
    void aSourceErrorBecomesAnInvalidInputKeepingItsCause() {
        IOException boom = new IOException("disk gone");
        VerifyingPayload v = VerifyingPayload.of(Payload.of(() -> Flux.concat(Flux.just(ByteBuffer.wrap(new byte[10])), Flux.error(boom)), 30), "p");
        StepVerifier.create(v.content()).expectNextCount(1)
                .expectErrorSatisfies(e -> {
                    assertThat(e).isInstanceOf(InvalidInputException.class).hasMessageContaining("failed while being read").hasCause(boom);
                    assertThat(((InvalidInputException) e).code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                })
                .verify();
    }

    @Test
    void theFirstFailureIsRememberedAndEachPassStartsAfresh() {
        AtomicInteger calls = new AtomicInteger();
        // first pass lies, second is honest
        Payload flaky = Payload.of(() -> Flux.just(ByteBuffer.wrap(new byte[calls.incrementAndGet() == 1 ? 3 : 5])), 5);
        VerifyingPayload v = VerifyingPayload.of(flaky, "k");
        StepVerifier.create(v.content()).expectNextCount(1).expectError(InvalidInputException.class).verify();
        Throwable first = v.failure().orElseThrow();
        StepVerifier.create(v.content()).expectNextCount(1).verifyComplete();
        assertThat(v.lastPass().orElseThrow().count()).isEqualTo(5);
        assertThat(v.failure()).containsSame(first);
    }

    @Test
    void aWrongDeclaredSha256IsRefusedBeforeThePassCompletes() throws Exception {
        byte[] data = {1, 2, 3};
        VerifyingPayload bad = VerifyingPayload.builder(Payload.of(data), "sha/bad").expectingSha256(sha256(new byte[] {9}), "put").build();
        StepVerifier.create(bad.content()).expectNextCount(1)
                .expectErrorSatisfies(e -> assertThat(((StoreException) e).code()).isEqualTo(ErrorCode.STORE_BAD_REQUEST))
                .verify();
        assertThat(bad.lastPass()).isEmpty();
        VerifyingPayload good = VerifyingPayload.builder(Payload.of(data), "sha/good").expectingSha256(sha256(data).toUpperCase(), "put").build();
        StepVerifier.create(good.content()).expectNextCount(1).verifyComplete();
    }

    @Test
    void copyingEmitsBuffersThePayloadCanReuse() {
        ByteBuffer shared = ByteBuffer.wrap(new byte[] {1, 2});
        VerifyingPayload v = VerifyingPayload.builder(Payload.of(() -> Flux.just(shared, shared), 4), "k").copying().build();
        assertThat(v.content().collectList().block()).allSatisfy(b -> assertThat(b).isNotSameAs(shared));
        VerifyingPayload plain = VerifyingPayload.of(Payload.of(() -> Flux.just(shared, shared), 4), "k");
        assertThat(plain.content().collectList().block()).allSatisfy(b -> assertThat(b).isSameAs(shared));
    }

    @Test
    void aReaderCanReportLengthLiesAsIntegrityAndPassItsSourceErrors() {
        StoreException transientFailure = StoreException.transientFailure("get", "k", "reset", null);
        VerifyingPayload v = VerifyingPayload.builder(emitting(10, 4), "k")
                .onLengthMismatch((what, declared, produced) -> new IntegrityException(what, "size=" + declared, "size=" + produced))
                .build();
        StepVerifier.create(v.content()).expectNextCount(1).expectError(IntegrityException.class).verify();
        VerifyingPayload failing = VerifyingPayload.builder(Payload.of(() -> Flux.error(transientFailure), 10), "k").onSourceError(e -> e).build();
        StepVerifier.create(failing.content()).expectErrorSatisfies(e -> assertThat(e).isSameAs(transientFailure)).verify();
    }

    @Test
    void anUnknownDigestIsRefusedWhenConfigured() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> VerifyingPayload.builder(Payload.of(new byte[0]), "k").digest("NOPE-1"))
                .isInstanceOf(IllegalArgumentException.class);
        VerifyingPayload v = VerifyingPayload.of(Payload.of(new byte[0]), "k");
        v.content().blockLast();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> v.lastPass().orElseThrow().value("SHA-256"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}

package dev.checkpointer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.IntegrityException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;
import reactor.test.StepVerifier;

/** A chunk's body copied into its range of a partition and verified there. */
class VerifiedRangeTest {
    private static final byte[] BYTES = random(300_000);
    private static final String SHA = Sha256.hex(BYTES);

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(1).nextBytes(b);
        return b;
    }

    private static Flux<ByteBuffer> pieces(byte[] b, int... cuts) {
        Flux<ByteBuffer> out = Flux.empty();
        int from = 0;
        for (int cut : cuts) {
            out = out.concatWith(Flux.just(ByteBuffer.wrap(b, from, cut - from).asReadOnlyBuffer()));
            from = cut;
        }
        return out.concatWith(Flux.just(ByteBuffer.wrap(b, from, b.length - from).asReadOnlyBuffer()));
    }

    @Test
    void aBodyInAnyPiecesLandsInItsRangeVerifiedAndNothingOutsideIt() {
        byte[] dest = new byte[BYTES.length + 100];
        Arrays.fill(dest, (byte) 5);
        VerifiedRange range = new VerifiedRange(dest, 40, BYTES.length, "chunks/k", SHA);
        StepVerifier.create(range.fill(pieces(BYTES, 1, 131_072, 131_073, 299_999))).verifyComplete();
        assertThat(Arrays.copyOfRange(dest, 40, 40 + BYTES.length)).isEqualTo(BYTES);
        assertThat(Arrays.copyOfRange(dest, 0, 40)).containsOnly((byte) 5);
        assertThat(Arrays.copyOfRange(dest, 40 + BYTES.length, dest.length)).containsOnly((byte) 5);
    }

    @Test
    void moreBytesThanTheRangeFailBeforeAnyIsWrittenPastIt() {
        byte[] dest = new byte[BYTES.length + 10];
        Arrays.fill(dest, (byte) 5);
        VerifiedRange range = new VerifiedRange(dest, 0, BYTES.length - 10, "chunks/k", SHA);
        StepVerifier.create(range.fill(pieces(BYTES, 100_000)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IntegrityException.class).hasMessageContaining("more than"))
                .verify();
        assertThat(Arrays.copyOfRange(dest, BYTES.length - 10, dest.length)).containsOnly((byte) 5);
    }

    @Test
    void fewerOrOtherBytesAreAnIntegrityError() {
        byte[] dest = new byte[BYTES.length];
        StepVerifier.create(new VerifiedRange(dest, 0, BYTES.length, "chunks/k", SHA).fill(pieces(Arrays.copyOf(BYTES, 1000))))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IntegrityException.class).hasMessageContaining("size=1000"))
                .verify();
        byte[] flipped = BYTES.clone();
        flipped[77] ^= 1;
        StepVerifier.create(new VerifiedRange(dest, 0, BYTES.length, "chunks/k", SHA).fill(pieces(flipped, 5000)))
                .expectErrorSatisfies(e -> assertThat(e).isInstanceOf(IntegrityException.class).hasMessageContaining(SHA))
                .verify();
        assertThatThrownBy(() -> new VerifiedRange(dest, 1, BYTES.length, "chunks/k", SHA)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void anAttemptGivenUpNeverWritesIntoTheRangeOnceANewerOneBegan() {
        // The first attempt delivers a corrupt piece, stalls, and is given up (a timeout); the retry begins. The
        // stalled attempt wakes up in the middle of the retry and delivers more: refused, so it neither lands in the
        // range nor spoils the retry's digest, and the retry completes with the right bytes in place.
        byte[] dest = new byte[BYTES.length];
        VerifiedRange range = new VerifiedRange(dest, 0, BYTES.length, "chunks/k", SHA);
        Sinks.Many<ByteBuffer> stalled = Sinks.many().unicast().onBackpressureBuffer();
        byte[] corrupt = new byte[BYTES.length];
        java.util.List<Throwable> zombie = new java.util.ArrayList<>();
        range.fill(stalled.asFlux()).subscribe(v -> {}, zombie::add);
        stalled.tryEmitNext(ByteBuffer.wrap(corrupt, 0, 1000));

        Sinks.Many<ByteBuffer> retry = Sinks.many().unicast().onBackpressureBuffer();
        StepVerifier.create(range.fill(retry.asFlux()))
                .then(() -> retry.tryEmitNext(ByteBuffer.wrap(BYTES, 0, 70_000).asReadOnlyBuffer()))
                .then(() -> stalled.tryEmitNext(ByteBuffer.wrap(corrupt, 70_000, 5000))) // the old attempt wakes up
                .then(() -> {
                    retry.tryEmitNext(ByteBuffer.wrap(BYTES, 70_000, BYTES.length - 70_000).asReadOnlyBuffer());
                    retry.tryEmitComplete();
                })
                .verifyComplete();
        assertThat(dest).isEqualTo(BYTES);
        assertThat(zombie).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("was given up"));
    }
}

package dev.checkpointer.internal.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.engine.MapStore;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.InvalidInputException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** zstd per chunk: round trips the state corpus, compresses it, and refuses stored bytes that do not decode. */
class ChunkCodecTest {
    private static final int SIZE = 8 << 20;

    @Test
    void theStateCorpusRoundTripsChunkByChunkAndCompresses() {
        ChunkCodec zstd = ChunkCodec.of("zstd", 3);
        assertThat(zstd.name()).isEqualTo("zstd");
        byte[] corpus = StateCorpus.mixed(1, SIZE);
        List<Chunk> chunks = FastCdc.chunks(Flux.just(ByteBuffer.wrap(corpus)), ChunkSizes.DEFAULT).collectList().block();
        assertThat(chunks).hasSizeGreaterThan(3);
        long stored = 0;
        for (Chunk c : chunks) {
            byte[] plain = new byte[c.length()];
            c.data().get(plain);
            byte[] encoded = zstd.encode(plain, plain.length);
            stored += encoded.length;
            byte[] decoded = zstd.decode("chunks/1/" + c.sha256(), encoded, c.length());
            assertThat(MapStore.sha256Hex(decoded)).isEqualTo(c.sha256()); // the name is the digest of the decoded bytes
        }
        double ratio = (double) SIZE / stored;
        assertThat(ratio).as("compression ratio of the mixed corpus").isGreaterThan(2.0);
    }

    @Test
    void eachShapeOfTheCorpusIsReproducibleAndCompressesAsItsKindDoes() {
        assertThat(StateCorpus.mixed(5, 1 << 20)).isEqualTo(StateCorpus.mixed(5, 1 << 20)).hasSize(1 << 20);
        assertThat(StateCorpus.mixed(5, 1 << 20)).isNotEqualTo(StateCorpus.mixed(6, 1 << 20));
        ChunkCodec zstd = ChunkCodec.zstd(3);
        byte[] json = StateCorpus.jsonCounters(2, 1 << 20);
        byte[] binary = StateCorpus.binaryRecords(2, 1 << 20);
        double jsonRatio = (double) json.length / zstd.encode(json, json.length).length;
        double binaryRatio = (double) binary.length / zstd.encode(binary, binary.length).length;
        assertThat(new String(json, 0, 9, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"key\":\"u");
        assertThat(jsonRatio).isGreaterThan(binaryRatio).isGreaterThan(3.0); // text compresses best
        assertThat(binaryRatio).isBetween(1.1, 3.0); // the random ids per record do not compress
    }

    @Test
    void storedBytesThatDoNotDecodeToTheEntrysSizeAreAnIntegrityError() {
        ChunkCodec zstd = ChunkCodec.zstd(3);
        byte[] plain = StateCorpus.jsonCounters(3, 100_000);
        byte[] encoded = zstd.encode(plain, plain.length);
        assertThatThrownBy(() -> zstd.decode("k", encoded, plain.length - 1)).isInstanceOf(IntegrityException.class).hasMessageContaining("'k'");
        assertThatThrownBy(() -> zstd.decode("k", encoded, plain.length + 1)).isInstanceOf(IntegrityException.class);
        byte[] garbage = encoded.clone();
        garbage[0] ^= 0x7f; // breaks the frame's magic number
        assertThatThrownBy(() -> zstd.decode("k", garbage, plain.length)).isInstanceOf(IntegrityException.class).hasMessageContaining("undecodable");
        assertThatThrownBy(() -> ChunkCodec.NONE.decode("k", plain, plain.length + 1)).isInstanceOf(IntegrityException.class);
        assertThat(ChunkCodec.NONE.decode("k", plain, plain.length)).isSameAs(plain);
    }

    @Test
    void unknownCodecsAndLevelsAreRefused() {
        assertThatThrownBy(() -> ChunkCodec.of("lz4", 1)).isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown chunk codec 'lz4'");
        assertThatThrownBy(() -> ChunkCodec.zstd(0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("zstd level");
        assertThatThrownBy(() -> ChunkCodec.zstd(99)).isInstanceOf(InvalidInputException.class).hasMessageContaining("zstd level");
    }

    @Test
    void decodingIntoARangeWritesOnlyThatRangeAndRefusesAFrameThatHoldsMore() {
        for (ChunkCodec codec : List.of(ChunkCodec.NONE, ChunkCodec.of("zstd", 3))) {
            byte[] plain = StateCorpus.mixed(2, 100_000);
            byte[] stored = codec.encode(plain, plain.length);
            byte[] dest = new byte[plain.length + 20];
            java.util.Arrays.fill(dest, (byte) 7);
            codec.decode("k", stored, dest, 10, plain.length);
            assertThat(java.util.Arrays.copyOfRange(dest, 10, 10 + plain.length)).isEqualTo(plain);
            assertThat(java.util.Arrays.copyOfRange(dest, 0, 10)).containsOnly((byte) 7);
            assertThat(java.util.Arrays.copyOfRange(dest, 10 + plain.length, dest.length)).containsOnly((byte) 7);

            // A stored chunk that decodes to more than its recorded size: refused, and nothing past the range written.
            byte[] guard = new byte[plain.length];
            java.util.Arrays.fill(guard, (byte) 9);
            assertThatThrownBy(() -> codec.decode("k", stored, guard, 0, plain.length - 1000)).isInstanceOf(IntegrityException.class);
            assertThat(java.util.Arrays.copyOfRange(guard, plain.length - 1000, plain.length)).containsOnly((byte) 9);
            // And one that decodes to fewer.
            assertThatThrownBy(() -> codec.decode("k", stored, new byte[plain.length + 1], 0, plain.length + 1)).isInstanceOf(IntegrityException.class);
        }
    }
}

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

    @Test
    void oneCodecPerLevelSoSavesDoNotEachCreateNativeContexts() {
        // The engine looks its codec up per partition of every save: a new codec each time would create (and, zstd-jni
        // freeing native memory only on close, leak) contexts per save.
        assertThat(ChunkCodec.of("zstd", 3)).isSameAs(ChunkCodec.of("zstd", 3)).isSameAs(ChunkCodec.zstd(3))
                .isSameAs(ChunkCodec.forReading("zstd"));
        assertThat(ChunkCodec.of("zstd", 5)).isNotSameAs(ChunkCodec.of("zstd", 3));
    }

    @Test
    void nativeContextsAreReusedAcrossThreadsNotKeptPerThread() throws Exception {
        // Level 11 is used by no other test here, so its pools start empty. A hundred threads, one after another (as a
        // scheduler retires idle threads and starts new ones), each compressing and decompressing a chunk: one context
        // of each kind serves them all, where contexts kept per thread would be two hundred, never closed.
        ZstdCodec codec = (ZstdCodec) ChunkCodec.zstd(11);
        byte[] plain = StateCorpus.mixed(3, 64 << 10);
        for (int i = 0; i < 100; i++) {
            Thread t = new Thread(() -> {
                byte[] stored = codec.encode(plain, plain.length);
                assertThat(codec.decode("k", stored, plain.length)).isEqualTo(plain);
            });
            t.start();
            t.join();
        }
        assertThat(codec.contextsCreated()).isEqualTo(2);
        assertThat(codec.contextsOpen()).isEqualTo(2);

        // Many at once: each task takes its own context, and no more than the bound stays open afterwards.
        int threads = ZstdCodec.MAX_IDLE * 3;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(threads);
        List<Thread> all = new java.util.ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                try {
                    together.await();
                    for (int k = 0; k < 20; k++) {
                        byte[] stored = codec.encode(plain, plain.length);
                        assertThat(codec.decode("k", stored, plain.length)).isEqualTo(plain);
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            });
            all.add(t);
            t.start();
        }
        for (Thread t : all) {
            t.join();
        }
        assertThat(failed.get()).isNull();
        // Contexts returned beyond the bound were closed: what stays open once the work ends is what the pools keep.
        assertThat(codec.contextsOpen()).isEqualTo(codec.contextsIdle()).isLessThanOrEqualTo(2L * ZstdCodec.MAX_IDLE);
    }

    @Test
    void aContextThatFailedToDecodeIsClosedNotReused() {
        ZstdCodec codec = (ZstdCodec) ChunkCodec.zstd(13); // pools of their own (see above)
        byte[] plain = StateCorpus.mixed(4, 32 << 10);
        byte[] stored = codec.encode(plain, plain.length);
        assertThat(codec.decode("k", stored, plain.length)).isEqualTo(plain);
        int idle = codec.contextsIdle();
        byte[] garbage = stored.clone();
        garbage[0] ^= 0x7f;
        long open = codec.contextsOpen();
        assertThatThrownBy(() -> codec.decode("k", garbage, plain.length)).isInstanceOf(IntegrityException.class);
        assertThat(codec.contextsIdle()).as("the failed decoder is not returned").isEqualTo(idle - 1);
        assertThat(codec.contextsOpen()).as("but closed").isEqualTo(open - 1);
        assertThat(codec.decode("k", stored, plain.length)).isEqualTo(plain);
    }
}

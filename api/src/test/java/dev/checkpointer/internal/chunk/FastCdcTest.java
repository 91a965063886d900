package dev.checkpointer.internal.chunk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.engine.MapStore;
import dev.checkpointer.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** FastCDC: content-defined, split-independent, bounded, and local in what an edit changes. */
class FastCdcTest {
    /** Small sizes so a property sees hundreds of chunks in little data. */
    private static final ChunkSizes SMALL = ChunkSizes.ofAverage(4096);

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** The input as buffers of the given sizes (cycled), the last one taking what is left. */
    static Flux<ByteBuffer> split(byte[] data, List<Integer> pieces) {
        List<ByteBuffer> out = new ArrayList<>();
        int at = 0;
        for (int i = 0; at < data.length; i++) {
            int n = pieces.isEmpty() ? data.length : Math.min(data.length - at, pieces.get(i % pieces.size()));
            out.add(ByteBuffer.wrap(data, at, n).slice().asReadOnlyBuffer());
            at += n;
        }
        return Flux.fromIterable(out);
    }

    static List<Chunk> chunks(Flux<ByteBuffer> in, ChunkSizes sizes) {
        return FastCdc.chunks(in, sizes).collectList().block();
    }

    static List<String> names(List<Chunk> chunks) {
        return chunks.stream().map(c -> c.offset() + "+" + c.length() + ":" + c.sha256()).toList();
    }

    @Property(tries = 200)
    void boundariesAreTheSameHoweverTheInputIsSplitIntoBuffers(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300_000) int size,
            @ForAll @Size(max = 8) List<@IntRange(min = 1, max = 70_000) Integer> pieces) {
        byte[] data = random(seed, size);
        assertThat(names(chunks(split(data, pieces), SMALL))).isEqualTo(names(chunks(Flux.just(ByteBuffer.wrap(data)), SMALL)));
    }

    @Property(tries = 200)
    void everyChunkButTheLastIsBetweenMinAndMaxAndTheyReassembleToTheInput(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300_000) int size,
            @ForAll @Size(max = 4) List<@IntRange(min = 1, max = 100_000) Integer> pieces, @ForAll boolean repetitive) {
        byte[] data = repetitive ? new byte[size] : random(seed, size); // all zeros never cut by content: max-size chunks
        List<Chunk> chunks = chunks(split(data, pieces), SMALL);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        long offset = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertThat(c.offset()).isEqualTo(offset);
            assertThat(c.length()).isPositive().isLessThanOrEqualTo(SMALL.max());
            if (i < chunks.size() - 1) {
                assertThat(c.length()).isGreaterThanOrEqualTo(SMALL.min());
            }
            assertThat(c.sha256()).isEqualTo(MapStore.sha256Hex(c.data()));
            byte[] b = new byte[c.length()];
            c.data().get(b);
            joined.writeBytes(b);
            offset += c.length();
        }
        assertThat(joined.toByteArray()).isEqualTo(data);
        assertThat(chunks.isEmpty()).isEqualTo(size == 0);
    }

    /** A small edit of {@code data} at {@code where}: an insert or an overwrite of {@code patch}. */
    static byte[] edit(byte[] data, int where, byte[] patch, boolean insert) {
        if (!insert) {
            byte[] edited = data.clone();
            System.arraycopy(patch, 0, edited, where, patch.length);
            return edited;
        }
        byte[] edited = new byte[data.length + patch.length];
        System.arraycopy(data, 0, edited, 0, where);
        System.arraycopy(patch, 0, edited, where, patch.length);
        System.arraycopy(data, where, edited, where + patch.length, data.length - where);
        return edited;
    }

    /** The chunks of {@code after} whose digest is not among {@code before}'s. */
    static List<Chunk> changed(byte[] before, byte[] after) {
        Set<String> old = new HashSet<>();
        chunks(Flux.just(ByteBuffer.wrap(before)), SMALL).forEach(c -> old.add(c.sha256()));
        return chunks(Flux.just(ByteBuffer.wrap(after)), SMALL).stream().filter(c -> !old.contains(c.sha256())).toList();
    }

    @Property(tries = 100)
    void anEditInTheMiddleChangesOnlyTheChunksNearIt(@ForAll long seed, @ForAll @IntRange(min = 100_000, max = 900_000) int where,
            @ForAll @IntRange(min = 1, max = 64) int length, @ForAll boolean insert) {
        byte[] data = random(seed, 1_000_000); // about 240 chunks
        byte[] patch = random(~seed, length);
        if (!insert) {
            // An overwrite that changes every byte it covers: a random byte equal to the one it replaces (1 in 256 for a
            // one-byte overwrite) would be no edit at all, and no chunk would change.
            for (int i = 0; i < length; i++) {
                patch[i] = (byte) (data[where + i] ^ (patch[i] | 1));
            }
        }
        List<Chunk> changed = changed(data, edit(data, where, patch, insert));
        // Most digests are shared: the changed chunks are few, and all of them start within a chunk before the edit
        // and end a few chunks after it (the boundaries resynchronise at the first cut point both streams share).
        assertThat(changed).as("chunks not shared after a %d-byte %s at %d", length, insert ? "insert" : "overwrite", where)
                .hasSizeBetween(1, 16)
                .allSatisfy(c -> assertThat(c.offset()).isBetween((long) where - SMALL.max(), (long) where + 16L * SMALL.avg()));
    }

    @Test
    void almostEveryEditChangesExactlyOneChunk() {
        Random r = new Random(19);
        int one = 0;
        int edits = 200;
        for (int i = 0; i < edits; i++) {
            byte[] data = random(r.nextLong(), 500_000);
            byte[] edited = edit(data, 50_000 + r.nextInt(400_000), random(r.nextLong(), 1 + r.nextInt(64)), r.nextBoolean());
            if (changed(data, edited).size() == 1) {
                one++;
            }
        }
        assertThat(one).isGreaterThanOrEqualTo(edits * 9 / 10); // 96% measured; the rest resynchronise a few chunks later
    }

    @Test
    void theAverageChunkIsNearTheConfiguredAverage() {
        ChunkSizes sizes = ChunkSizes.ofAverage(16 * 1024);
        List<Chunk> chunks = chunks(Flux.just(ByteBuffer.wrap(random(7, 16 << 20))), sizes);
        double mean = (16 << 20) / (double) chunks.size();
        assertThat(mean).isBetween(sizes.avg() * 0.75, sizes.avg() * 1.5);
    }

    @Test
    void theDefaultCutsAboutOneMebibyteChunks() {
        List<Chunk> chunks = chunks(Flux.just(ByteBuffer.wrap(random(8, 64 << 20))), ChunkSizes.DEFAULT);
        double mean = (64 << 20) / (double) chunks.size();
        assertThat(mean).isBetween(0.75 * (1 << 20), 1.5 * (1 << 20));
        assertThat(chunks).allSatisfy(c -> assertThat(c.length()).isLessThanOrEqualTo(8 << 20));
    }

    /**
     * FastCDC as defined, one byte at a time: from the minimum on, the gear hash of the bytes since the minimum is
     * checked after each byte against the small mask below the average and the large one from it; a chunk ends after
     * the first byte that meets it, or at the maximum. The cutter's faster loops must cut exactly here.
     */
    static List<Integer> definedLengths(byte[] data, ChunkSizes sizes) {
        long small = -1L << (64 - (sizes.bits() + 2));
        long large = -1L << (64 - (sizes.bits() - 2));
        List<Integer> out = new ArrayList<>();
        for (int start = 0; start < data.length; ) {
            int n = Math.min(data.length - start, sizes.max());
            int len = n;
            long h = 0;
            for (int i = sizes.min(); i < n; i++) {
                h = (h << 1) + FastCdc.gear(data[start + i]);
                if ((h & (i < sizes.avg() ? small : large)) == 0) {
                    len = i + 1;
                    break;
                }
            }
            out.add(len);
            start += len;
        }
        return out;
    }

    @Property(tries = 300)
    void chunksEndWhereFastCdcsDefinitionEndsThem(@ForAll long seed, @ForAll @IntRange(min = 0, max = 400_000) int size,
            @ForAll @IntRange(min = 9, max = 16) int averageBits, @ForAll @IntRange(min = 0, max = 3) int entropy) {
        // Random bytes, and bytes drawn from 2, 4 or 8 values (a low-entropy state cuts differently, and at the maximum).
        byte[] data = random(seed, size);
        if (entropy > 0) {
            for (int i = 0; i < data.length; i++) {
                data[i] &= (byte) ((1 << entropy) - 1);
            }
        }
        ChunkSizes sizes = ChunkSizes.ofAverage(1 << averageBits);
        List<Integer> defined = definedLengths(data, sizes);
        List<Integer> streamed = chunks(split(data, List.of(70_001, 3, 4096)), sizes).stream().map(Chunk::length).toList();
        assertThat(streamed).isEqualTo(defined);
        byte[] around = new byte[data.length + 20];
        System.arraycopy(data, 0, around, 10, data.length);
        List<Integer> inPlace = FastCdc.chunks(around, 10, 10 + data.length, sizes, List.of(), new FastCdc.Stats(), true)
                .map(Chunk::length).collectList().block();
        assertThat(inPlace).isEqualTo(defined);
    }

    /**
     * The gear table and masks are a storage format: these boundaries must never move, or chunks already stored
     * would no longer deduplicate against new saves. Change only with a new chunking format version.
     */
    @Test
    void boundariesAreAFixedFormat() {
        List<Chunk> chunks = chunks(Flux.just(ByteBuffer.wrap(random(42, 200_000))), SMALL);
        StringBuilder lengths = new StringBuilder();
        chunks.forEach(c -> lengths.append(c.length()).append(','));
        assertThat(MapStore.sha256Hex(lengths.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII)) + " " + chunks.size())
                .isEqualTo("85ef2f907489904ea114d25d49ca5b15b44430e1238aa44ff89a302bf07792c9 41");
    }

    @Test
    void chunksAreCutOnDemandHoldingAtMostOneMaximumChunk() {
        int bufferSize = 64 * 1024;
        AtomicLong pulled = new AtomicLong();
        Flux<ByteBuffer> endless = Flux.<ByteBuffer, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(ByteBuffer.wrap(random(i, bufferSize)));
            return i + 1;
        }).doOnNext(b -> pulled.addAndGet(b.remaining()));
        StepVerifier.create(FastCdc.chunks(endless, ChunkSizes.DEFAULT), 0)
                .thenRequest(1)
                .expectNextCount(1)
                .then(() -> assertThat(pulled.get()).isLessThanOrEqualTo(ChunkSizes.DEFAULT.max() + 2L * bufferSize))
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(pulled.get()).isLessThanOrEqualTo(4L * ChunkSizes.DEFAULT.max() + 2L * bufferSize))
                .thenCancel()
                .verify();
    }

    @Test
    void anEmptyInputHasNoChunksAndAFailingOneFails() {
        assertThat(chunks(Flux.empty(), SMALL)).isEmpty();
        StepVerifier.create(FastCdc.chunks(Flux.concat(Flux.just(ByteBuffer.wrap(random(1, 100))), Flux.error(new IllegalStateException("disk gone"))), SMALL))
                .expectErrorMessage("disk gone")
                .verify();
    }

    @Test
    void sizesAreValidated() {
        assertThatThrownBy(() -> ChunkSizes.ofAverage(1000)).isInstanceOf(InvalidInputException.class).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new ChunkSizes(4096, 4096, 8192)).isInstanceOf(InvalidInputException.class).hasMessageContaining("minimum");
        assertThatThrownBy(() -> new ChunkSizes(1024, 4096, 4096)).isInstanceOf(InvalidInputException.class).hasMessageContaining("maximum");
        assertThat(ChunkSizes.DEFAULT).isEqualTo(new ChunkSizes(256 << 10, 1 << 20, 8 << 20));
    }
}

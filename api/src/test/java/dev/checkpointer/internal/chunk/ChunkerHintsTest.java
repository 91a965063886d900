package dev.checkpointer.internal.chunk;

import static dev.checkpointer.internal.chunk.FastCdcTest.names;
import static dev.checkpointer.internal.chunk.FastCdcTest.random;
import static dev.checkpointer.internal.chunk.FastCdcTest.split;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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

/**
 * Boundary hints: whatever the hints, the chunks are exactly those cut without them; with the parent's chunk list
 * as hints, unchanged bytes are hashed once and not scanned.
 */
class ChunkerHintsTest {
    /** Small sizes so a property sees many chunks in little data: min 1 KiB, avg 4 KiB, max 32 KiB. */
    private static final ChunkSizes SMALL = ChunkSizes.ofAverage(4096);

    /** The chunks cut without hints, from one buffer: the reference every hinted run must equal. */
    static List<Chunk> reference(byte[] data) {
        return FastCdc.chunks(Flux.just(ByteBuffer.wrap(data)), SMALL).collectList().block();
    }

    static List<Chunk> hinted(byte[] data, List<Integer> pieces, List<Chunker.Hint> hints, FastCdc.Stats stats) {
        return FastCdc.chunks(split(data, pieces), SMALL, hints, stats).collectList().block();
    }

    /**
     * The chunks cut from {@code data} read in place ({@link FastCdc#chunks(byte[], int, int, ChunkSizes, List,
     * FastCdc.Stats, boolean)}), with random bytes before and after it in the array, so that a chunker reading past
     * its range or forgetting where it starts cuts other chunks.
     */
    static List<Chunk> inPlace(byte[] data, List<Chunker.Hint> hints, long seed) {
        Random r = new Random(seed);
        int before = r.nextInt(100);
        byte[] padded = new byte[before + data.length + r.nextInt(100)];
        r.nextBytes(padded);
        System.arraycopy(data, 0, padded, before, data.length);
        return FastCdc.chunks(padded, before, before + data.length, SMALL, hints, new FastCdc.Stats(), true).collectList().block();
    }

    static List<Chunker.Hint> hintsOf(List<Chunk> chunks) {
        return chunks.stream().map(c -> new Chunker.Hint(c.sha256(), c.length())).toList();
    }

    /**
     * {@code data} with {@code count} random edits: overwrites, inserts and deletes of 1 byte to {@code maxLength}
     * bytes at random places.
     */
    static byte[] edited(byte[] data, long seed, int count, int maxLength) {
        Random r = new Random(seed);
        byte[] out = data;
        for (int e = 0; e < count && out.length > 0; e++) {
            int where = r.nextInt(out.length);
            int length = 1 + r.nextInt(maxLength);
            switch (r.nextInt(3)) {
                case 0 -> { // overwrite
                    out = out.clone();
                    byte[] patch = random(r.nextLong(), Math.min(length, out.length - where));
                    System.arraycopy(patch, 0, out, where, patch.length);
                }
                case 1 -> out = FastCdcTest.edit(out, where, random(r.nextLong(), length), true);
                default -> { // delete
                    int n = Math.min(length, out.length - where);
                    byte[] shorter = new byte[out.length - n];
                    System.arraycopy(out, 0, shorter, 0, where);
                    System.arraycopy(out, where + n, shorter, where, out.length - where - n);
                    out = shorter;
                }
            }
        }
        return out;
    }

    @Property(tries = 300)
    void withTheParentsChunksAsHintsTheChunksAreExactlyThoseCutWithout(@ForAll long seed, @ForAll @IntRange(min = 0, max = 300_000) int size,
            @ForAll @IntRange(min = 0, max = 6) int edits, @ForAll @IntRange(min = 1, max = 40_000) int editLength,
            @ForAll @Size(max = 6) List<@IntRange(min = 1, max = 70_000) Integer> pieces, @ForAll boolean repetitive) {
        byte[] parent = repetitive ? repetitive(seed, size) : random(seed, size);
        byte[] now = edited(parent, ~seed, edits, editLength);
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = hinted(now, pieces, hintsOf(reference(parent)), stats);
        assertThat(names(chunks)).isEqualTo(names(reference(now)));
        assertReassembles(chunks, now);
        List<Chunk> inPlace = inPlace(now, hintsOf(reference(parent)), seed);
        assertThat(names(inPlace)).as("read in place").isEqualTo(names(chunks));
        assertReassembles(inPlace, now);
    }

    /**
     * The parent was this input cut short inside a chunk {@code c}: its last chunk is a prefix of {@code c} whose end
     * is no cut point, a few bytes before {@code c}'s own end or near the minimum size. FastCDC must go on past it
     * with the gear hash of the bytes before its end (so it finds {@code c}'s end within the next 64 bytes).
     */
    @Property(tries = 300)
    void theParentsLastChunkEndingInsideAChunkIsContinuedWithTheGearHashOfItsEnd(@ForAll long seed, @ForAll @IntRange(min = 1, max = 70) int k,
            @ForAll @IntRange(min = -2, max = 2) int nearMin, @ForAll boolean endNearMin, @ForAll boolean bufferEndsWithTheParent,
            @ForAll @Size(max = 4) List<@IntRange(min = 1, max = 70_000) Integer> pieces) {
        byte[] now = random(seed, 200_000);
        List<Chunk> chunks = reference(now);
        Chunk c = chunks.get(chunks.size() / 2);
        int prefix = endNearMin ? SMALL.min() + nearMin : c.length() - k;
        int parentLength = (int) c.offset() + prefix;
        List<Chunker.Hint> hints = hintsOf(reference(java.util.Arrays.copyOf(now, parentLength)));
        assertThat(hints.get(hints.size() - 1).size()).isEqualTo(prefix);
        List<Integer> split = bufferEndsWithTheParent ? List.of(parentLength, Integer.MAX_VALUE) : pieces;
        FastCdc.Stats stats = new FastCdc.Stats();
        assertThat(names(hinted(now, split, hints, stats))).isEqualTo(names(chunks));
        assertThat(stats.hinted).as("%s", stats).isGreaterThanOrEqualTo(chunks.size() / 2);
    }

    /** Ways to get hints wrong: each must leave the chunks exactly as they are without hints. */
    enum Adversary {
        NONE, WRONG_DIGESTS, UPPER_CASE_DIGESTS, NOT_HEX, SIZES_SHIFTED, SIZES_BEYOND_MAX, SIZES_ZERO_OR_NEGATIVE, REVERSED, SHUFFLED,
        ONLY_THE_LAST_CHUNK, THE_LAST_CHUNK_EVERYWHERE, PARENT_IS_A_PREFIX, PARENT_IS_LONGER, ANOTHER_PARTITION_FIRST, DUPLICATED,
        EVERY_OTHER_DROPPED, OF_THE_EDITED_INPUT
    }

    @Property(tries = 400)
    void whateverTheHintsTheChunksAreExactlyThoseCutWithout(@ForAll Adversary adversary, @ForAll long seed,
            @ForAll @IntRange(min = 0, max = 200_000) int size, @ForAll @IntRange(min = 0, max = 3) int edits,
            @ForAll @Size(max = 6) List<@IntRange(min = 1, max = 70_000) Integer> pieces, @ForAll boolean repetitive) {
        byte[] parent = repetitive ? repetitive(seed, size) : random(seed, size);
        byte[] now = edited(parent, ~seed, edits, 5_000);
        List<Chunker.Hint> hints = adversarial(adversary, parent, now, new Random(seed));
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = hinted(now, pieces, hints, stats);
        assertThat(names(chunks)).as("%s, %d hints", adversary, hints.size()).isEqualTo(names(reference(now)));
        assertReassembles(chunks, now);
        List<Chunk> inPlace = inPlace(now, hints, seed);
        assertThat(names(inPlace)).as("%s read in place", adversary).isEqualTo(names(chunks));
        assertReassembles(inPlace, now);
    }

    static List<Chunker.Hint> adversarial(Adversary adversary, byte[] parent, byte[] now, Random r) {
        List<Chunk> chunks = reference(parent);
        List<Chunker.Hint> right = hintsOf(chunks);
        List<Chunker.Hint> out = new ArrayList<>();
        switch (adversary) {
            case NONE -> {}
            case WRONG_DIGESTS -> right.forEach(h -> out.add(new Chunker.Hint(flipLastDigit(h.sha256()), h.size())));
            case UPPER_CASE_DIGESTS -> right.forEach(h -> out.add(new Chunker.Hint(h.sha256().toUpperCase(Locale.ROOT), h.size())));
            case NOT_HEX -> right.forEach(h -> out.add(new Chunker.Hint("z" + h.sha256().substring(1), h.size())));
            case SIZES_SHIFTED -> right.forEach(h -> out.add(new Chunker.Hint(h.sha256(), h.size() + r.nextInt(129) - 64)));
            case SIZES_BEYOND_MAX -> right.forEach(h -> out.add(new Chunker.Hint(h.sha256(), SMALL.max() + 1 + r.nextInt(Integer.MAX_VALUE - SMALL.max() - 1))));
            case SIZES_ZERO_OR_NEGATIVE -> right.forEach(h -> out.add(new Chunker.Hint(h.sha256(), -r.nextInt(3))));
            case REVERSED -> {
                out.addAll(right);
                java.util.Collections.reverse(out);
            }
            case SHUFFLED -> {
                out.addAll(right);
                java.util.Collections.shuffle(out, r);
            }
            case ONLY_THE_LAST_CHUNK -> {
                if (!right.isEmpty()) {
                    out.add(right.get(right.size() - 1));
                }
            }
            case THE_LAST_CHUNK_EVERYWHERE -> right.forEach(h -> {
                out.add(right.get(right.size() - 1));
                out.add(h);
            });
            case PARENT_IS_A_PREFIX -> // the parent's last chunk is a prefix of a longer chunk of this input
                out.addAll(hintsOf(reference(java.util.Arrays.copyOf(now, now.length == 0 ? 0 : r.nextInt(now.length)))));
            case PARENT_IS_LONGER -> { // the parent's chunks go on past the end of this input
                byte[] longer = java.util.Arrays.copyOf(now, now.length + 1 + r.nextInt(50_000));
                System.arraycopy(random(r.nextLong(), longer.length - now.length), 0, longer, now.length, longer.length - now.length);
                out.addAll(hintsOf(reference(longer)));
            }
            case ANOTHER_PARTITION_FIRST -> { // chunks of another stream with the same sizes, its last chunk mid-list
                out.addAll(hintsOf(reference(random(r.nextLong(), r.nextInt(100_000)))));
                out.addAll(right);
            }
            case DUPLICATED -> right.forEach(h -> {
                out.add(h);
                out.add(h);
            });
            case EVERY_OTHER_DROPPED -> {
                for (int i = 0; i < right.size(); i += 2) {
                    out.add(right.get(i));
                }
            }
            case OF_THE_EDITED_INPUT -> out.addAll(hintsOf(reference(now)));
            default -> throw new AssertionError(adversary);
        }
        return out;
    }

    private static String flipLastDigit(String hex) {
        char last = hex.charAt(hex.length() - 1);
        return hex.substring(0, hex.length() - 1) + (last == '0' ? '1' : '0');
    }

    /** Long runs of one byte value (no content cut inside: maximum-size chunks, repeated digests) between random bytes. */
    static byte[] repetitive(long seed, int size) {
        Random r = new Random(seed);
        byte[] b = new byte[size];
        int at = 0;
        while (at < size) {
            int n = Math.min(size - at, 1 + r.nextInt(3 * SMALL.max()));
            if (r.nextBoolean()) {
                java.util.Arrays.fill(b, at, at + n, (byte) r.nextInt(3));
            } else {
                byte[] noise = random(r.nextLong(), n);
                System.arraycopy(noise, 0, b, at, n);
            }
            at += n;
        }
        return b;
    }

    static void assertReassembles(List<Chunk> chunks, byte[] data) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        chunks.forEach(c -> {
            byte[] b = new byte[c.length()];
            c.data().get(b);
            joined.writeBytes(b);
        });
        assertThat(joined.toByteArray()).isEqualTo(data);
    }

    @Test
    void anUnchangedInputWithItsOwnChunksAsHintsIsHashedOnceAndNotScanned() {
        byte[] data = random(3, 4_000_000); // about 1000 chunks
        List<Chunk> parent = reference(data);
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = hinted(data, List.of(65_536), hintsOf(parent), stats);
        assertThat(names(chunks)).isEqualTo(names(parent));
        assertThat(stats.shaBytes).as("%s", stats).isEqualTo(data.length); // every byte hashed once, none twice
        assertThat(stats.hinted).as("%s", stats).isEqualTo(parent.size());
        assertThat(stats.missed).isZero();
        // What is scanned is the 64 bytes before each hint's end, to check that FastCDC cuts there.
        assertThat(stats.gearBytes).as("%s", stats).isLessThanOrEqualTo(64L * parent.size());

        FastCdc.Stats without = new FastCdc.Stats();
        hinted(data, List.of(65_536), List.of(), without);
        assertThat(without.gearBytes).as("%s", without).isGreaterThan(data.length * 3L / 4); // all but the skipped minimum of each chunk
        assertThat(without.shaBytes).isEqualTo(data.length);
    }

    @Test
    void aOnePercentEditedInputIsScannedOnlyNearTheEdits() {
        Random r = new Random(11);
        byte[] data = random(4, 4_000_000);
        List<Chunk> parent = reference(data);
        Set<String> old = new HashSet<>();
        parent.forEach(c -> old.add(c.sha256()));
        // 1% of the bytes changed: 40 edits (overwrites, inserts, deletes) of up to 2 KB at random places.
        byte[] now = edited(data, r.nextLong(), 40, 2_000);
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = hinted(now, List.of(1 << 20), hintsOf(parent), stats);
        assertThat(names(chunks)).isEqualTo(names(reference(now)));

        long changedBytes = chunks.stream().filter(c -> !old.contains(c.sha256())).mapToLong(Chunk::length).sum();
        long changedChunks = chunks.stream().filter(c -> !old.contains(c.sha256())).count();
        assertThat(changedBytes).isLessThan(now.length / 8); // the edits touch few chunks (2 KB edits, 4 KiB chunks)
        // Scanned: the chunks the edits changed and, per edit, at most one unchanged chunk (the one that realigns the
        // hints after MAX_MISSES misses in a row), besides the 64-byte end checks.
        String what = stats + "; " + changedBytes + " bytes changed in " + changedChunks + " of " + chunks.size() + " chunks";
        assertThat(stats.gearBytes).as(what).isLessThanOrEqualTo(changedBytes + 40L * SMALL.max() + 64L * chunks.size());
        assertThat(stats.hinted).as(what).isBetween(chunks.size() - changedChunks - 40, chunks.size() - changedChunks);
        // Each changed chunk costs at most one wasted SHA-256 pass, of at most the hint's size.
        assertThat(stats.shaBytes).as(what).isLessThanOrEqualTo(now.length + changedChunks * SMALL.max());
    }

    @Test
    void hintsThatNeverMatchAreGivenUpAfterMaxMissesInARow() {
        byte[] data = random(5, 1_000_000);
        List<Chunker.Hint> wrong = hintsOf(reference(data)).stream().map(h -> new Chunker.Hint(flipLastDigit(h.sha256()), h.size())).toList();
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = hinted(data, List.of(), wrong, stats);
        assertThat(names(chunks)).isEqualTo(names(reference(data)));
        assertThat(stats.missed).isEqualTo(FastCdc.MAX_MISSES);
        // Both misses had the right sizes, so FastCDC cut exactly where they ended: not a byte hashed twice.
        assertThat(stats.shaBytes).isEqualTo(data.length);
    }

    @Test
    void hintsOutOfStepWithTheInputAreRejectedAtTheirEndBeforeAnyHashing() {
        byte[] data = random(6, 1_000_000);
        List<Chunker.Hint> longer = hintsOf(reference(data)).stream().map(h -> new Chunker.Hint(h.sha256(), h.size() + 100)).toList();
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = hinted(data, List.of(), longer, stats);
        assertThat(names(chunks)).isEqualTo(names(reference(data)));
        // Each scanned chunk is found among the hints, so the next hint is tried, and misses again: 100 bytes past
        // the chunk's end is no cut point, so it is not hashed (but the list's last, which may end at no cut point).
        assertThat(stats.missed).as("%s", stats).isGreaterThan(chunks.size() / 2);
        assertThat(stats.shaBytes).as("%s", stats).isLessThanOrEqualTo(data.length + (long) SMALL.max());
    }

    @Test
    void hashingTwiceIsBoundedByAQuarterOfTheInputWhateverTheHints() {
        byte[] data = random(12, 2_000_000);
        List<Chunk> right = reference(data);
        // After each right hint, a wrong one two chunks long: its end is a cut point, so it is hashed, and misses
        // with FastCDC cutting before its end (the whole hint is hashed twice); the chunk scanned then is found
        // among the right hints, which realigns the cursor onto the next wrong one.
        List<Chunker.Hint> hints = new ArrayList<>();
        for (int i = 0; i + 2 < right.size(); i++) {
            hints.add(new Chunker.Hint(right.get(i).sha256(), right.get(i).length()));
            hints.add(new Chunker.Hint(flipLastDigit(right.get(i + 1).sha256()), right.get(i + 1).length() + right.get(i + 2).length()));
        }
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = hinted(data, List.of(100_000), hints, stats);
        assertThat(names(chunks)).isEqualTo(names(right));
        assertThat(stats.missed).as("%s", stats).isGreaterThan(10L * FastCdc.MAX_MISSES);
        assertThat(stats.shaBytes).as("%s", stats).isGreaterThan(data.length + data.length / 8)
                .isLessThanOrEqualTo(data.length + data.length / 4 + 3L * SMALL.max());
    }

    @Test
    void theParentsLastChunkIsReusedWhenItEndsThisInputToo() {
        byte[] data = random(7, 500_000);
        List<Chunk> parent = reference(data);
        FastCdc.Stats stats = new FastCdc.Stats();
        // Split so that the input's last buffer ends exactly with the last chunk: it is settled only by the end of input.
        List<Chunk> chunks = hinted(data, List.of(data.length - parent.get(parent.size() - 1).length(), Integer.MAX_VALUE), hintsOf(parent), stats);
        assertThat(names(chunks)).isEqualTo(names(parent));
        assertThat(stats.hinted).isEqualTo(parent.size());
        assertThat(stats.shaBytes).isEqualTo(data.length);
    }

    @Test
    void whenBytesAreAppendedTheParentsLastChunkIsContinuedWithoutHashingItAgain() {
        byte[] parentData = random(8, 500_000);
        List<Chunk> parent = reference(parentData);
        byte[] now = java.util.Arrays.copyOf(parentData, parentData.length + 100_000);
        System.arraycopy(random(9, 100_000), 0, now, parentData.length, 100_000);
        for (List<Integer> pieces : List.of(List.<Integer>of(), List.of(parentData.length, Integer.MAX_VALUE), List.of(777))) {
            FastCdc.Stats stats = new FastCdc.Stats();
            List<Chunk> chunks = hinted(now, pieces, hintsOf(parent), stats);
            assertThat(names(chunks)).isEqualTo(names(reference(now)));
            assertThat(stats.hinted).as("%s", stats).isGreaterThanOrEqualTo(parent.size() - 1);
            assertThat(stats.shaBytes).as("%s", stats).isEqualTo(now.length);
            // Scanned: from the last chunk's end on (its 64-byte end check, then the appended bytes), not the chunk itself.
            assertThat(stats.gearBytes).as("%s", stats).isLessThanOrEqualTo(64L * parent.size() + 100_000);
        }
    }

    @Test
    void thePublicEntryUsesTheHints() {
        byte[] data = random(10, 300_000);
        List<Chunk> parent = reference(data);
        List<Chunk> chunks = new Chunker(SMALL).cut(split(data, List.of(10_000)), hintsOf(parent)).collectList().block();
        assertThat(names(chunks)).isEqualTo(names(parent));
    }

    @Test
    void anArrayReadInPlaceIsNotCopiedItsChunksAreViewsAndHintedOnesComeWithoutBytes() {
        byte[] parent = random(31, 200_000);
        byte[] edited = edited(parent, 32, 2, 3_000);
        byte[] array = new byte[edited.length + 20];
        System.arraycopy(edited, 0, array, 10, edited.length);
        FastCdc.Stats stats = new FastCdc.Stats();
        List<Chunk> chunks = FastCdc.chunks(array, 10, 10 + edited.length, SMALL, hintsOf(reference(parent)), stats, false).collectList().block();
        assertThat(names(chunks)).isEqualTo(names(reference(edited)));
        assertThat(chunks).filteredOn(c -> !c.hasBytes()).hasSizeGreaterThan(chunks.size() / 2);
        assertThat(stats.shaBytes).as("%s", stats).isLessThanOrEqualTo(edited.length + 2L * SMALL.max());
        Chunk scanned = chunks.stream().filter(Chunk::hasBytes).findFirst().orElseThrow();
        byte first = scanned.data().get(0);
        array[10 + (int) scanned.offset()] ^= 1; // a view, not a copy: it sees the array
        assertThat(scanned.data().get(0)).isEqualTo((byte) (first ^ 1));
        assertThat(scanned.data().remaining()).isEqualTo(scanned.length());
        assertThatThrownBy(() -> FastCdc.chunks(array, 5, array.length + 1, SMALL, List.of(), stats, true)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(FastCdc.chunks(array, 7, 7, SMALL, List.of(), stats, true).collectList().block()).isEmpty();
    }

    @Test
    void cutReusingHandsOutHintedChunksWithoutTheirBytesAndEveryOtherChunkWithThem() {
        byte[] data = random(11, 300_000);
        List<Chunk> parent = reference(data);
        byte[] edited = data.clone();
        for (int i = 150_000; i < 150_500; i++) {
            edited[i] ^= 0x55;
        }
        List<Chunk> chunks = new Chunker(SMALL).cutReusing(split(edited, List.of(10_000)), hintsOf(parent)).collectList().block();
        assertThat(names(chunks)).isEqualTo(names(reference(edited)));
        java.util.Set<String> before = parent.stream().map(Chunk::sha256).collect(java.util.stream.Collectors.toSet());
        assertThat(chunks).allSatisfy(c -> assertThat(c.hasBytes()).as(c.toString()).isEqualTo(!before.contains(c.sha256())));
        assertThat(chunks).filteredOn(c -> !c.hasBytes()).hasSizeGreaterThan(chunks.size() / 2);
        Chunk known = chunks.stream().filter(c -> !c.hasBytes()).findFirst().orElseThrow();
        assertThatThrownBy(known::data).isInstanceOf(IllegalStateException.class).hasMessageContaining("no bytes");
    }

    @Test
    void withHintsChunksAreStillCutOnDemandHoldingAtMostOneMaximumChunk() {
        int bufferSize = 64 * 1024;
        AtomicLong pulled = new AtomicLong();
        Flux<ByteBuffer> endless = Flux.<ByteBuffer, Long>generate(() -> 0L, (i, sink) -> {
            sink.next(ByteBuffer.wrap(random(i, bufferSize)));
            return i + 1;
        }).doOnNext(b -> pulled.addAndGet(b.remaining()));
        byte[] start = new byte[16 << 20];
        for (int i = 0; i < 256; i++) {
            System.arraycopy(random(i, bufferSize), 0, start, i * bufferSize, bufferSize);
        }
        List<Chunker.Hint> hints = hintsOf(FastCdc.chunks(Flux.just(ByteBuffer.wrap(start)), ChunkSizes.DEFAULT).collectList().block());
        StepVerifier.create(FastCdc.chunks(endless, ChunkSizes.DEFAULT, hints, new FastCdc.Stats()), 0)
                .thenRequest(1)
                .expectNextCount(1)
                .then(() -> assertThat(pulled.get()).isLessThanOrEqualTo(ChunkSizes.DEFAULT.max() + 2L * bufferSize))
                .thenRequest(3)
                .expectNextCount(3)
                .then(() -> assertThat(pulled.get()).isLessThanOrEqualTo(4L * ChunkSizes.DEFAULT.max() + 2L * bufferSize))
                .thenCancel()
                .verify();
    }
}

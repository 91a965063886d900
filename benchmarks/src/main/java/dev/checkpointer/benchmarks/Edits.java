package dev.checkpointer.benchmarks;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic edits of a state (P7, P8, P6b): "1% of the bytes change at random places", made precise. Each step
 * draws edit places uniformly over the whole state (a place lands in a partition in proportion to its size) until
 * the edited bytes reach the wanted fraction. A place is an in-place overwrite with fresh random bytes or, one in four,
 * an insert of fresh bytes (which shifts the rest of its partition). How long an edit is decides how many places 1%
 * makes, and the number of places, not the number of bytes, is what a chunked save pays for: each place costs the
 * chunk (or two) it falls in.
 *
 * <ul>
 *   <li>{@link #RUNS}: overwrites of 64 KiB to 1 MiB (uniform), inserts of 16 to 256 bytes: about 25 places per GiB
 *       at 1%, as when a few key ranges of a sorted state are rewritten.
 *   <li>{@link #SCATTERED}: overwrites and inserts of 100 bytes: about 107,000 places per GiB at 1%, as when
 *       values of random keys are updated in place.
 * </ul>
 *
 * The same seed, state and distribution always give the same edited state. Partitions without an edit are shared,
 * not copied, between the state before and after.
 *
 * @param name short name for the report
 * @param minRun shortest overwrite
 * @param maxRun longest overwrite
 * @param minInsert shortest insert
 * @param maxInsert longest insert
 */
record Edits(String name, int minRun, int maxRun, int minInsert, int maxInsert) {
    /** Edits in runs: 64 KiB-1 MiB overwrites, and 16-256 byte inserts. */
    static final Edits RUNS = new Edits("runs of 64 KiB-1 MiB + small inserts", 64 << 10, 1 << 20, 16, 256);
    /** Scattered small edits: 100-byte overwrites and inserts. */
    static final Edits SCATTERED = new Edits("scattered 100-byte edits and inserts", 100, 100, 100, 100);

    /** One in this many places is an insert. */
    static final int INSERT_EVERY = 4;

    /** An edited state and what changed. */
    record Step(byte[][] state, long editedBytes, int overwrites, int inserts, int partitionsTouched) {
        int places() {
            return overwrites + inserts;
        }
    }

    private record Place(int partition, int offset, boolean insert, int length) {}

    /**
     * Edits {@code fraction} of the bytes of {@code state}.
     *
     * @param state the partitions (not modified)
     * @param fraction of the state's bytes to edit, e.g. 0.01
     * @param seed the seed
     * @return the edited state, sharing the partitions it did not edit
     */
    Step apply(byte[][] state, double fraction, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long total = 0;
        long[] ends = new long[state.length];
        for (int i = 0; i < state.length; i++) {
            total += state[i].length;
            ends[i] = total;
        }
        long wanted = (long) (total * fraction);
        List<List<Place>> perPartition = new ArrayList<>();
        for (int i = 0; i < state.length; i++) {
            perPartition.add(new ArrayList<>());
        }
        long edited = 0;
        int overwrites = 0;
        int inserts = 0;
        while (edited < wanted) {
            long at = r.nextLong(total);
            int p = partitionOf(ends, at);
            int offset = (int) (at - (ends[p] - state[p].length));
            boolean insert = r.nextInt(INSERT_EVERY) == 0;
            int length = insert ? between(r, minInsert, maxInsert) : between(r, minRun, maxRun);
            length = (int) Math.min(length, wanted - edited);
            if (!insert) {
                length = Math.min(length, state[p].length);
                offset = Math.min(offset, state[p].length - length);
            }
            perPartition.get(p).add(new Place(p, offset, insert, length));
            edited += length;
            if (insert) {
                inserts++;
            } else {
                overwrites++;
            }
        }
        byte[][] out = state.clone();
        int touched = 0;
        for (int p = 0; p < state.length; p++) {
            List<Place> places = perPartition.get(p);
            if (!places.isEmpty()) {
                out[p] = edit(state[p], places, r.split());
                touched++;
            }
        }
        return new Step(out, edited, overwrites, inserts, touched);
    }

    /** One pass over a partition: copies the original between places, writing fresh bytes at each. */
    private static byte[] edit(byte[] original, List<Place> places, SplittableRandom r) {
        places.sort(Comparator.comparingInt(Place::offset));
        long grown = places.stream().filter(Place::insert).mapToLong(Place::length).sum();
        byte[] out = new byte[Math.toIntExact(original.length + grown)];
        int from = 0; // next original byte to copy
        int to = 0;
        for (Place pl : places) {
            int at = Math.max(pl.offset(), from); // an overwrite overlapping the previous one starts where it ended
            System.arraycopy(original, from, out, to, at - from);
            to += at - from;
            from = at;
            int n = pl.insert() ? pl.length() : Math.min(pl.length(), original.length - from);
            fill(r, out, to, n);
            to += n;
            if (!pl.insert()) {
                from += n;
            }
        }
        System.arraycopy(original, from, out, to, original.length - from);
        to += original.length - from;
        return to == out.length ? out : java.util.Arrays.copyOf(out, to);
    }

    private static void fill(SplittableRandom r, byte[] b, int off, int n) {
        for (int i = 0; i < n; i += 8) {
            long v = r.nextLong();
            for (int k = 0; k < 8 && i + k < n; k++) {
                b[off + i + k] = (byte) (v >>> (8 * k));
            }
        }
    }

    private static int between(SplittableRandom r, int min, int max) {
        return min == max ? min : min + r.nextInt(max - min + 1);
    }

    private static int partitionOf(long[] ends, long at) {
        int lo = 0;
        int hi = ends.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (at < ends[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }
}

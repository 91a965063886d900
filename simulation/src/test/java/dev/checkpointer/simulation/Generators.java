package dev.checkpointer.simulation;

import dev.checkpointer.internal.ProtocolRules.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * How schedules are generated: by jqwik for the properties (so that a failure shrinks: fewer and smaller choices,
 * smaller parameters), and from a plain seed for the bounded searches of {@link RuleFlipTest} and
 * {@link DefectSearch}.
 */
final class Generators {
    /** Largest choice value: enough for every decision's range, small enough to shrink fast. */
    static final int MAX_CHOICE = 1023;
    /** Longest choice list: about {@link Simulation#MAX_STEPS} steps of 1 to 3 decisions. */
    static final int MAX_CHOICES = 600;

    private Generators() {}

    /** Parameters, every field shrinking towards its simplest value. */
    static Arbitrary<Schedule.Params> params(Set<Rule> disabled) {
        return params(new int[] {0, 0, 0, 0, 1, 0, 0, 0}, new int[] {2, 2, 2, 2, 2, 1, 3, 63}, chunking(), Schedule.Params.ruleMask(disabled), k -> k);
    }

    /**
     * Which writers chunk (see {@link Schedule.Params#chunking}): none in seven schedules of eight (a chunked
     * schedule costs several times as much: about 16 chunk uploads per large partition, each checked), any mix of
     * chunking writers and codecs in the eighth. {@link ChunkSimulationTest} runs chunking writers in every schedule.
     */
    static Arbitrary<Integer> chunking() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(7, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, CHUNKING_HI)));
    }

    /**
     * Parameters for the chunk schedules: one or two chunking writers of their own epoch (so one passes the other's
     * base), sometimes a shared-epoch writer, pruners, an explicit deleter, retention keepLast(1..3) on any of them,
     * every fault; shrinking towards one chunking writer and nothing else.
     */
    static Arbitrary<Schedule.Params> chunkParams() {
        // Bit 0 always: the first own writer chunks; the others, and the codecs, as drawn.
        return params(new int[] {1, 0, 0, 0, 1, 0, 0, 0}, new int[] {2, 1, 1, 2, 2, 1, 3, 63}, Arbitraries.integers().between(0, CHUNKING_HI / 2), 0,
                k -> 1 | (k << 1));
    }

    /**
     * Parameters from the actors' bounds (8 values, inclusive), every fault, a rule mask and a chunking mask drawn by
     * {@code chunking} and mapped by {@code mask}.
     */
    private static Arbitrary<Schedule.Params> params(int[] lo, int[] hi, Arbitrary<Integer> chunking, int ruleMask,
            java.util.function.IntUnaryOperator mask) {
        Arbitrary<int[]> actors = Combinators.combine(
                Arbitraries.integers().between(lo[0], hi[0]), Arbitraries.integers().between(lo[1], hi[1]),
                Arbitraries.integers().between(lo[2], hi[2]), Arbitraries.integers().between(lo[3], hi[3]),
                Arbitraries.integers().between(lo[4], hi[4]), Arbitraries.integers().between(lo[5], hi[5]),
                Arbitraries.integers().between(lo[6], hi[6]), Arbitraries.integers().between(lo[7], hi[7]))
                .as((a, b, c, d, e, f, g, h) -> new int[] {a, b, c, d, e, f, g, h});
        Arbitrary<int[]> faults = Combinators.combine(
                Arbitraries.integers().between(0, Schedule.Params.GRACE.length - 1),
                Arbitraries.integers().between(0, Schedule.Params.SKEW.length - 1),
                Arbitraries.integers().between(0, Schedule.Params.SKEW.length - 1),
                Arbitraries.integers().between(0, 20), Arbitraries.integers().between(0, 20),
                Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 2), Arbitraries.integers().between(2, 4))
                .as((a, b, c, d, e, f, g, h) -> new int[] {a, b, c, d, e, f, g, h});
        return Combinators.combine(actors, faults, chunking, delays()).as((a, f, k, d) -> {
            int[] v = new int[19];
            System.arraycopy(a, 0, v, 0, 8);
            System.arraycopy(f, 0, v, 8, 8);
            v[16] = ruleMask;
            v[17] = mask.applyAsInt(k);
            v[18] = d;
            return Schedule.Params.of(v);
        });
    }

    /**
     * Requests held in flight ({@link Schedule.Params#delayPct}): none in half the schedules, up to {@link #DELAY_HI}%
     * of resolutions in the other half. A held request lands long after its caller gave up on it and after other
     * writers moved on; without holds, a pending request lands as soon as the scheduler picks it among the others.
     * (The late create of FoundInChunksTest needed a late answer and a starved retry timer; its class was met once in
     * some 300,000 schedules without holds, and 20,000 chunk schedules with them did not meet it either.)
     */
    static Arbitrary<Integer> delays() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, DELAY_HI)));
    }

    /** Largest percentage of resolutions that hold their request in flight. */
    static final int DELAY_HI = 20;

    /**
     * Bounds for {@link #fromSeed} of the chunk schedules (as {@link #chunkParams()}; the 17th is the chunking mask,
     * the 18th the percentage of requests held in flight).
     */
    static final int[] CHUNK_LO = {1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0};
    static final int[] CHUNK_HI = {2, 1, 1, 2, 2, 1, 3, 63, 4, 5, 5, 20, 20, 2, 2, 4, 63, DELAY_HI};

    /** A choice sequence. */
    static Arbitrary<List<Integer>> choices() {
        return Arbitraries.integers().between(0, MAX_CHOICE).list().ofMaxSize(MAX_CHOICES)
                .withSizeDistribution(net.jqwik.api.RandomDistribution.uniform());
    }

    /**
     * A schedule drawn from a seed, within the given bounds per parameter (inclusive). Bounds of 16 values leave
     * chunking off (and draw exactly what they drew before chunking existed); a 17th bound is the chunking mask's, an
     * 18th the held requests' percentage (none without it).
     */
    static Schedule fromSeed(long seed, int[] lo, int[] hi, Set<Rule> disabled) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] v = new int[19];
        for (int i = 0; i < 16; i++) {
            v[i] = lo[i] + r.nextInt(hi[i] - lo[i] + 1);
        }
        v[16] = Schedule.Params.ruleMask(disabled);
        if (lo.length > 16) {
            v[17] = lo[16] + r.nextInt(hi[16] - lo[16] + 1);
        }
        if (lo.length > 17) {
            v[18] = lo[17] + r.nextInt(hi[17] - lo[17] + 1);
        }
        int n = 100 + r.nextInt(MAX_CHOICES - 100);
        List<Integer> cs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            cs.add(r.nextInt(MAX_CHOICE + 1));
        }
        return new Schedule(Schedule.Params.of(v), List.copyOf(cs));
    }

    /** Largest chunking mask: every writer chunks, both kinds compress. */
    static final int CHUNKING_HI = 63;

    /** Bounds that let every parameter take every value (chunking off: see {@link #fromSeed}). */
    static final int[] ALL_LO = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    static final int[] ALL_HI = {2, 2, 2, 2, 2, 1, 3, 63, 4, 5, 5, 20, 20, 2, 2, 4};
}

package dev.checkpointer.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Same-run ratios measured round by round. A paired benchmark method runs the baseline or the subject depending on
 * whose {@link Turn} the iteration is; its iterations run baseline, subject, subject, baseline, ... in one fork, so
 * each pair of consecutive iterations sees the same load of the shared machine (seconds apart, not minutes) and each
 * pair alternates which side goes first. The figure reported is the median of the per-pair ratios, with their min and
 * max. No collection is forced between iterations: a side's garbage is collected when that side allocates (the
 * baselines allocate next to nothing), so the GC a subject causes stays in its own time, as it would in production.
 *
 * <p>Every benchmark compared here is {@code Mode.AverageTime} over the same bytes as its baseline, so the ratio
 * {@code baseline time / subject time} is the subject's throughput as a fraction of the baseline's.
 */
final class Interleaved {
    /** Warm-up iterations, a multiple of four so the measured ones start with a baseline (see {@link Turn}). */
    static final int WARMUPS = 4;

    private Interleaved() {}

    /** One measured iteration: time per op (ms) and GC time during it (ms). */
    record Score(double millisPerOp, double gcMillis) {}

    /** The pairs of one comparison. */
    record Pairs(String benchmark, List<Score> baselines, List<Score> subjects) {
        /** {@code baseline / subject} of each round, in round order. */
        double[] ratios() {
            double[] r = new double[subjects.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = baselines.get(i).millisPerOp() / subjects.get(i).millisPerOp();
            }
            return r;
        }

        double medianRatio() {
            return median(ratios());
        }

        double minRatio() {
            return Arrays.stream(ratios()).min().orElse(Double.NaN);
        }

        double maxRatio() {
            return Arrays.stream(ratios()).max().orElse(Double.NaN);
        }

        double medianBaselineMillis() {
            return median(baselines, Score::millisPerOp);
        }

        double medianSubjectMillis() {
            return median(subjects, Score::millisPerOp);
        }

        double medianSubjectGcMillis() {
            return median(subjects, Score::gcMillis);
        }

        /** "0.91 (0.87-0.95, 5 pairs)". */
        String describe() {
            return String.format(Locale.ROOT, "%.2f (%.2f-%.2f, %d pairs)", medianRatio(), minRatio(), maxRatio(), subjects.size());
        }
    }

    /**
     * Runs the paired benchmark method {@code benchmark} ({@code Class.method}, taking a {@link Turn}) for
     * {@code rounds} pairs of iterations in one fork.
     */
    static Pairs run(String benchmark, int rounds) throws RunnerException {
        RunResult r = whenLockFree(() -> new Runner(new OptionsBuilder()
                .include("\\." + benchmark.replace(".", "\\.") + "$")
                .forks(1)
                .warmupIterations(WARMUPS)
                .measurementIterations(2 * rounds)
                .shouldFailOnError(true)
                .addProfiler(GCProfiler.class)
                .verbosity(VerboseMode.SILENT)
                .build()).runSingle());
        List<IterationResult> its = new ArrayList<>();
        for (BenchmarkResult br : r.getBenchmarkResults()) {
            its.addAll(br.getIterationResults());
        }
        if (its.size() != 2 * rounds) {
            throw new IllegalStateException(benchmark + ": expected " + 2 * rounds + " measured iterations, got " + its.size());
        }
        List<Score> b = new ArrayList<>();
        List<Score> s = new ArrayList<>();
        for (int i = 0; i < its.size(); i++) {
            Result<?> gc = its.get(i).getSecondaryResults().get("gc.time");
            Score score = new Score(its.get(i).getPrimaryResult().getScore(), gc == null ? 0 : gc.getScore());
            (Turn.subjectAt(i) ? s : b).add(score);
        }
        for (int i = 0; i < rounds; i++) {
            System.out.printf(Locale.ROOT, "%s pair %d: baseline %.1f ms, subject %.1f ms, ratio %.3f%n", benchmark, i,
                    b.get(i).millisPerOp(), s.get(i).millisPerOp(), b.get(i).millisPerOp() / s.get(i).millisPerOp());
        }
        return new Pairs(benchmark, b, s);
    }

    /** One benchmark method, one fork, with the iterations its class declares (for figures that are not ratios). */
    static Score once(String benchmark) throws RunnerException {
        RunResult r = whenLockFree(() -> new Runner(new OptionsBuilder()
                .include("\\." + benchmark.replace(".", "\\.") + "$")
                .forks(1)
                .shouldFailOnError(true)
                .addProfiler(GCProfiler.class)
                .verbosity(VerboseMode.SILENT)
                .build()).runSingle());
        Result<?> gc = r.getSecondaryResults().get("gc.time");
        return new Score(r.getPrimaryResult().getScore(), gc == null ? 0 : gc.getScore());
    }

    /** A JMH run. */
    interface Run {
        RunResult run() throws RunnerException;
    }

    /**
     * Runs {@code run}, waiting while another JMH run on this machine holds JMH's lock (another session's benchmarks:
     * running beside them would distort both), for up to 20 minutes.
     */
    static RunResult whenLockFree(Run run) throws RunnerException {
        for (int attempt = 0; ; attempt++) {
            try {
                return run.run();
            } catch (RunnerException e) {
                if (e.getMessage() == null || !e.getMessage().contains("JMH lock") || attempt >= 120) {
                    throw e;
                }
                if (attempt == 0) {
                    System.out.println("another JMH run holds the lock; waiting for it");
                }
                try {
                    Thread.sleep(10_000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static <T> double median(List<T> values, ToDoubleFunction<T> f) {
        return median(values.stream().mapToDouble(f).toArray());
    }
}

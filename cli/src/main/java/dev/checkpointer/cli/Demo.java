package dev.checkpointer.cli;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Chunking;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.SaveOutcome;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The crash-and-recover demo: runs the click-counting {@link Pipeline} with periodic checkpoints, kills it between
 * two checkpoints, restores the latest checkpoint in a new {@link Checkpointer}, replays the source from the saved
 * offsets, and proves that the final counts equal those of an uninterrupted run, computed independently.
 */
final class Demo {
    /** Fingerprints of demo checkpoints start with this; the demo only ever deletes checkpoints that carry it. */
    static final String FINGERPRINT_PREFIX = "checkpointer-demo/";

    /** The demo's settings (validated by {@link DemoCommand}). */
    record Settings(String uri, Map<String, String> options, long events, int partitions, int users, Duration interval,
            int rate, long seed, int crashAfter, Duration timeout, Chunking chunking) {}

    /** Where and when run 1 was killed. */
    private record Crash(long processed, long sinceCheckpoint, Manifest lastCheckpoint) {}

    /** What run 2 restored and ended with. */
    private record Recovery(@Nullable CheckpointId restoredFrom, long replayed, CountState finalState) {}

    private final Settings s;
    private final PrintWriter out;
    private final ClickSource source;
    private final String fingerprint;
    private final Map<String, String> metadata;
    private final String location;
    private final int perTick;
    private final Duration tick;
    private final long crashGap;
    private final Map<Long, Duration> saveTimes = new ConcurrentHashMap<>();
    private final AtomicLong skippedTicks = new AtomicLong();
    private final List<CheckpointId> written = Collections.synchronizedList(new ArrayList<>());
    private final long startNanos = System.nanoTime();

    Demo(Settings settings, PrintWriter out) {
        this.s = settings;
        this.out = out;
        this.source = new ClickSource(s.seed(), s.partitions(), s.users(), s.events());
        this.fingerprint = FINGERPRINT_PREFIX + "v1/partitions=" + s.partitions() + "/users=" + s.users() + "/events=" + s.events() + "/seed=" + s.seed();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("demo.seed", Long.toString(s.seed()));
        meta.put("demo.events", Long.toString(s.events()));
        meta.put("demo.users", Integer.toString(s.users()));
        meta.put("demo.partitions", Integer.toString(s.partitions()));
        this.metadata = Map.copyOf(meta);
        this.location = Format.location(s.uri());
        // Pace: about 100 reads per second per partition, adding up to the requested rate.
        double perPartition = (double) s.rate() / s.partitions();
        this.perTick = (int) Math.max(1, Math.round(perPartition / 100));
        this.tick = Duration.ofNanos(Math.max(1_000_000L, (long) (perTick / perPartition * 1e9)));
        // Crash once half an interval's worth of events has been processed after a checkpoint.
        this.crashGap = Math.max(1, (long) (s.rate() * (s.interval().toNanos() / 1e9) / 2));
    }

    /**
     * Runs the demo.
     *
     * @return 0 when the recovered counts equal the uninterrupted run's and every checkpoint verifies, else 1
     */
    int run() {
        out.println("checkpointer demo: a Reactor pipeline counts clicks per user, crashes, and recovers from its checkpoints");
        out.println("  input        " + s.events() + " click events by " + s.users() + " users in " + s.partitions()
                + " partitions (seed " + s.seed() + "), read at ~" + s.rate() + " events/s");
        out.println("  checkpoints  every " + Durations.human(s.interval()) + " to " + location + " (operator '" + CountState.OPERATOR
                + "', " + s.partitions() + " partitions, offsets of source '" + ClickSource.NAME + "')");
        if (s.chunking().enabled()) {
            out.println("  chunking     " + s.chunking() + " (partitions below the threshold are written whole)");
        }
        removeEarlierRun();
        Crash crash = runUntilCrash();
        Recovery recovery = recoverAndFinish(crash);
        return check(crash, recovery);
    }

    private Checkpointer open() {
        return Checkpointer.builder()
                .location(s.uri(), s.options())
                .expectFingerprint(fingerprint)
                .chunking(s.chunking())
                .listener(new CheckpointListener() {
                    @Override
                    public void onSaveFinished(SaveOutcome outcome) {
                        outcome.committed().ifPresent(m -> saveTimes.put(Objects.requireNonNull(m.id()).value(), outcome.elapsed()));
                    }

                    @Override
                    public void onTickSkipped(long skippedSoFar) {
                        skippedTicks.incrementAndGet();
                    }
                })
                .build();
    }

    /** A demo location is the demo's own: checkpoints of an earlier demo run are removed, anything else is refused. */
    private void removeEarlierRun() {
        try (Checkpointer cp = Checkpointer.open(s.uri(), s.options())) {
            List<Manifest> existing = cp.list().collectList().blockOptional(s.timeout()).orElse(List.of());
            long foreign = existing.stream().filter(m -> m.fingerprint() == null || !m.fingerprint().startsWith(FINGERPRINT_PREFIX)).count();
            if (foreign > 0) {
                throw new InvalidInputException(location + " holds " + foreign + " checkpoint(s) that the demo did not write; "
                        + "give the demo a location of its own, e.g. file:./demo-checkpoints or memory://demo");
            }
            for (Manifest m : existing) {
                cp.delete(Objects.requireNonNull(m.id())).block(s.timeout());
            }
            if (!existing.isEmpty()) {
                out.println("  (removed " + existing.size() + " checkpoint(s) of an earlier demo run)");
            }
        }
        out.flush();
    }

    /** Run 1: the pipeline with periodic checkpoints, killed between two of them. */
    private Crash runUntilCrash() {
        out.println();
        out.println("run 1        pipeline started");
        out.flush();
        CountState state = CountState.fresh(source);
        AtomicInteger committed = new AtomicInteger();
        AtomicReference<@Nullable Manifest> last = new AtomicReference<>();
        AtomicBoolean crashed = new AtomicBoolean();
        Sinks.One<Crash> crash = Sinks.one();
        Sinks.One<Throwable> failure = Sinks.one();
        Disposable.Composite running = Disposables.composite();
        java.util.function.Consumer<Pipeline> crashNow = p -> {
            if (crashed.compareAndSet(false, true)) {
                running.dispose(); // the "process" dies: no more events, ticks or saves
                crash.tryEmitValue(new Crash(p.processed(), p.sinceSnapshot(), Objects.requireNonNull(last.get())));
            }
        };
        Pipeline pipeline = new Pipeline(source, state, fingerprint, metadata, p -> {
            // On the processing path, after each event: crash when enough checkpoints are committed, none is in
            // flight, and enough events have been counted since the last one (so that some must be replayed).
            int c = committed.get();
            if (c == 0 || c != p.snapshotsTaken()) {
                return;
            }
            if ((c >= s.crashAfter() || p.drained()) && (p.sinceSnapshot() >= crashGap || p.drained())) {
                crashNow.accept(p);
            }
        });
        try (Checkpointer cp = open()) {
            running.add(pipeline.start(perTick, tick, e -> failure.tryEmitValue(e)));
            running.add(cp.every(s.interval(), pipeline::snapshot).subscribe(m -> {
                last.set(m);
                written.add(Objects.requireNonNull(m.id()));
                printCommitted(m);
                committed.incrementAndGet(); // last: the crash switch may fire on the next event
                if (pipeline.drained() && committed.get() == pipeline.snapshotsTaken()) {
                    crashNow.accept(pipeline); // input exhausted before the crash point: crash now
                }
            }, e -> failure.tryEmitValue(e)));
            Crash c = Mono.firstWithSignal(crash.asMono(), failure.asMono().flatMap(Mono::<Crash>error))
                    .timeout(s.timeout(), Mono.error(() -> new IllegalStateException("the demo did not reach its crash point within "
                            + Durations.human(s.timeout()) + " (" + committed.get() + " checkpoint(s) committed)")))
                    .doFinally(sig -> running.dispose())
                    .block();
            c = Objects.requireNonNull(c);
            out.println("CRASH        pipeline killed " + c.sinceCheckpoint() + " events after checkpoint " + c.lastCheckpoint().id()
                    + " (" + c.processed() + " events counted in all); in-memory counts and offsets are gone");
            out.flush();
            return c;
        }
    }

    /** Run 2: a new checkpointer and pipeline, restored from latest(), replaying the source until it is drained. */
    private Recovery recoverAndFinish(Crash crash) {
        try (Checkpointer cp = open()) {
            Checkpoint latest = cp.latest().block(s.timeout());
            CountState state;
            if (latest == null) {
                state = CountState.fresh(source);
                out.println("restart      new Checkpointer: no checkpoint found, starting from the beginning");
            } else {
                state = CountState.restore(source, latest, s.timeout());
                Manifest m = latest.manifest();
                out.println("restart      new Checkpointer: latest() is checkpoint " + m.id() + " (epoch " + m.epoch() + ", "
                        + Format.summary(m) + "); manifest and every partition SHA-256 verified");
            }
            long resumeAt = state.position();
            long replayed = crash.processed() - resumeAt;
            out.println("  resume     at offsets " + offsets(state) + " (" + resumeAt + " events done): replaying the " + replayed
                    + " events counted after that checkpoint");
            out.println("run 2        pipeline started");
            out.flush();
            Sinks.One<Throwable> failure = Sinks.one();
            Pipeline pipeline = new Pipeline(source, state, fingerprint, metadata, p -> { });
            Disposable job = pipeline.start(perTick, tick, e -> failure.tryEmitValue(e));
            try {
                Mono<Manifest> lastCheckpoint = cp.every(s.interval(), pipeline::snapshot)
                        .doOnNext(m -> {
                            written.add(Objects.requireNonNull(m.id()));
                            printCommitted(m);
                        })
                        .takeUntil(this::coversAll) // the job ends once a checkpoint covers the whole input
                        .last();
                Manifest fin = Mono.firstWithSignal(lastCheckpoint, failure.asMono().flatMap(Mono::<Manifest>error))
                        .timeout(s.timeout(), Mono.error(() -> new IllegalStateException("run 2 did not finish within "
                                + Durations.human(s.timeout()))))
                        .block();
                out.println("  input drained: checkpoint " + Objects.requireNonNull(fin).id() + " covers all " + s.events() + " events");
                out.flush();
            } finally {
                job.dispose();
            }
            return new Recovery(latest == null ? null : latest.manifest().id(), replayed, state);
        }
    }

    /** The proof: independent expected counts, a restore of the final checkpoint, and a verify of every checkpoint. */
    private int check(Crash crash, Recovery recovery) {
        Map<String, Long> expected = source.countAll();
        Map<String, Long> actual = recovery.finalState().totals();
        boolean sameAsStraightRun = expected.equals(actual);
        boolean finalRestores;
        int verified = 0;
        int partitionsVerified = 0;
        List<String> verifyProblems = new ArrayList<>();
        Manifest finalManifest;
        try (Checkpointer cp = open()) {
            Checkpoint fin = Objects.requireNonNull(cp.latest().block(s.timeout()), "no checkpoint after run 2");
            finalManifest = fin.manifest();
            CountState restored = CountState.restore(source, fin, s.timeout());
            finalRestores = restored.consumedAll() && restored.totals().equals(expected);
            Progress quiet = Progress.start("verify", 0, Progress.Mode.NEVER, out);
            for (CheckpointId id : List.copyOf(written)) {
                VerifyCommand.Result r = VerifyCommand.verify(cp, Objects.requireNonNull(cp.load(id).block(s.timeout())), quiet);
                if (r == null) {
                    verifyProblems.add("checkpoint " + id + " was deleted while it was being verified");
                    continue;
                }
                verified++;
                partitionsVerified += r.partitions();
                r.failures().forEach(f -> verifyProblems.add("checkpoint " + id + " " + f.where() + ": " + f.message()));
            }
        }
        long before = written.stream().filter(id -> id.compareTo(Objects.requireNonNull(crash.lastCheckpoint().id())) <= 0).count();
        long clicks = actual.values().stream().mapToLong(Long::longValue).sum();
        boolean ok = sameAsStraightRun && finalRestores && verifyProblems.isEmpty();

        out.println();
        out.println("result");
        out.println("  checkpoints written   " + written.size() + " (" + before + " before the crash, " + (written.size() - before) + " after)"
                + (skippedTicks.get() > 0 ? "; " + skippedTicks.get() + " tick(s) skipped while a save was running" : ""));
        out.println("  restored after crash  " + (recovery.restoredFrom() == null ? "nothing (no checkpoint)" : "checkpoint " + recovery.restoredFrom())
                + ", " + recovery.replayed() + " events replayed");
        out.println("  final totals          " + clicks + " clicks by " + actual.size() + " users; busiest: " + busiest(actual, 3));
        out.println("  uninterrupted run     " + expected.values().stream().mapToLong(Long::longValue).sum() + " clicks by "
                + expected.size() + " users, computed without Reactor or checkpoints: "
                + (sameAsStraightRun ? "identical for every user" : "DIFFERENT: " + differences(expected, actual)));
        out.println("  final checkpoint " + finalManifest.id() + "    restores to exactly these totals at the end of the input: "
                + (finalRestores ? "yes" : "NO"));
        out.println("  verification          " + verified + " checkpoints, " + partitionsVerified + " partitions re-read, SHA-256 checked: "
                + (verifyProblems.isEmpty() ? "OK" : "FAILED"));
        verifyProblems.forEach(p -> out.println("    " + p));
        out.println();
        String took = Durations.human(Duration.ofNanos(System.nanoTime() - startNanos));
        out.println(ok ? "demo PASSED in " + took + ": after the crash, recovery lost no click and counted none twice"
                : "demo FAILED in " + took + ": the recovered counts are not those of an uninterrupted run");
        if (s.uri().strip().toLowerCase(java.util.Locale.ROOT).startsWith("memory:")) {
            out.println("(memory:// lives in this process only; give the demo a file: URI to look inside afterwards)");
        } else {
            String me = Main.invocation();
            out.println("look inside:  " + Hint.command(me, "list", s.uri(), s.options()));
            out.println("              " + Hint.command(me, "inspect", s.uri(), s.options(), "latest"));
            out.println("              " + Hint.command(me, "verify", s.uri(), s.options(), "all"));
            if (Hint.masksSecrets(s.uri(), s.options())) {
                out.println("              (secret option values are not printed: replace each <name> with its value)");
            }
        }
        out.flush();
        return ok ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
    }

    private void printCommitted(Manifest m) {
        Duration took = saveTimes.get(Objects.requireNonNull(m.id()).value());
        Map<String, String> o = m.offsets().getOrDefault(ClickSource.NAME, Map.of());
        long position = o.values().stream().mapToLong(Long::parseLong).sum();
        out.println("  checkpoint " + m.id() + " committed  epoch " + m.epoch() + ", " + Format.summary(m) + ", offsets "
                + (o.size() <= 8 ? Format.offsets(o) + " " : "") + "(" + position + " events)"
                + (took == null ? "" : ", saved in " + Durations.human(took)));
        out.flush();
    }

    private boolean coversAll(Manifest m) {
        Map<String, String> o = m.offsets().getOrDefault(ClickSource.NAME, Map.of());
        return o.values().stream().mapToLong(Long::parseLong).sum() == s.events();
    }

    private static String offsets(CountState state) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int p = 0; p < state.partitions(); p++) {
            o.put(Integer.toString(p), Long.toString(state.offset(p)));
        }
        return o.size() <= 8 ? Format.offsets(o) : o.size() + " partitions";
    }

    private static String busiest(Map<String, Long> counts, int n) {
        return counts.entrySet().stream()
                .sorted((a, b) -> b.getValue().equals(a.getValue()) ? a.getKey().compareTo(b.getKey()) : Long.compare(b.getValue(), a.getValue()))
                .limit(n)
                .map(e -> e.getKey() + " (" + e.getValue() + ")")
                .collect(Collectors.joining(", "));
    }

    private static String differences(Map<String, Long> expected, Map<String, Long> actual) {
        List<String> diffs = new ArrayList<>();
        java.util.Set<String> users = new java.util.TreeSet<>(expected.keySet());
        users.addAll(actual.keySet());
        for (String u : users) {
            long e = expected.getOrDefault(u, 0L);
            long a = actual.getOrDefault(u, 0L);
            if (e != a) {
                diffs.add(u + " expected " + e + " got " + a);
            }
        }
        return diffs.size() + " user(s) differ, e.g. " + String.join(", ", diffs.subList(0, Math.min(3, diffs.size())));
    }
}

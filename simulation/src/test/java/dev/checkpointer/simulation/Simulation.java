package dev.checkpointer.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Chunking;
import dev.checkpointer.Manifest;
import dev.checkpointer.Retention;
import dev.checkpointer.RetrySettings;
import dev.checkpointer.internal.ProtocolRules;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Runs one {@link Schedule}: the real engine (built with {@link Checkpointer#builder()} inside
 * {@link ProtocolRules#building}) over a {@link SimStore}, on this thread, in virtual time.
 *
 * <p>Each step reads a choice and turns it into one event:
 * <ul>
 *   <li><b>resolve</b> a pending store call (which one, and its {@link SimStore.Fate}; choice 0 = the oldest, OK);</li>
 *   <li><b>start</b> an idle actor's next operation;</li>
 *   <li><b>timer</b>: advance virtual time to the next scheduled task (retry backoff), or <b>span</b>: by a chosen span;</li>
 *   <li><b>stall</b> a busy process (a stalled writer is replaced by a successor and lives on as a zombie) or
 *       <b>resume</b> a stalled one;</li>
 *   <li><b>crash</b> a process;</li>
 *   <li><b>release</b> a request held in flight (a resolution may hold one instead of answering it, see
 *       {@link Schedule.Params#delayPct()}); the run's settling releases the rest;</li>
 *   <li><b>term</b>: the coordinators' shared term moves above every epoch claimed so far.</li>
 * </ul>
 * After every step the {@link Oracle} checks the invariants. After {@link #MAX_STEPS} steps (every decision is 0
 * once the choices run out: the oldest call is answered OK, or the first idle actor starts), the run settles: every process resumes, every pending call is resolved OK in order and
 * every timer runs, until nothing is left; then every operation must have finished, and the final checks run.
 */
final class Simulation {
    /** Steps of one schedule before it settles (once the choices run out, every decision is 0). */
    static final int MAX_STEPS = 200;
    /** Most steps of settling; more means the engine does not come to rest. */
    static final int MAX_SETTLE_STEPS = 4000;
    /** Chunked writers cut partitions of this many bytes or more (well above the inline threshold of 16). */
    static final long CHUNK_THRESHOLD = 256;
    /** Chunked writers' average chunk size (the smallest allowed): a partition of 1 KiB is about 16 chunks. */
    static final int CHUNK_AVERAGE = 64;

    /** Retries without jitter, so that backoff is a pure function of the schedule. */
    static final RetrySettings RETRY = new RetrySettings(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), 4, Duration.ofSeconds(30), 0.0);

    /** What a run found. */
    record Result(Schedule schedule, Oracle.@Nullable Violation violation, int steps, long calls, int saves, int successes,
            int zombies, int crashes, int consumed, int chunksWritten, int chunksReused, @Nullable List<String> log) {
        boolean failed() {
            return violation != null;
        }
    }

    private enum Event { RESOLVE, START, TIMER, SPAN, TERM, STALL, RESUME, CRASH, RELEASE }

    private final Schedule schedule;
    private final Schedule.Params params;
    private final Choices choices;
    private final @Nullable List<String> log;
    private final SimTime time;
    private final SimStore store;
    private final Oracle oracle;
    private final List<Actors.Actor> actors = new ArrayList<>();
    private final List<SimProcess> processes = new ArrayList<>();
    private final List<Event> table = new ArrayList<>();
    private final List<Long> committedIds = new ArrayList<>();
    private final List<Long> begunIds = new ArrayList<>();
    private final List<Actors.Op> running = new ArrayList<>();
    private long term = 1;
    private int zombies;
    private int crashes;
    private int tags;
    private int saves;
    private int step;
    private boolean stopAtViolation = true;

    private Simulation(Schedule schedule, SimTime time, boolean keepLog) {
        this.schedule = schedule;
        this.params = schedule.params();
        this.choices = new Choices(schedule.choices());
        this.log = keepLog ? new ArrayList<>() : null;
        this.time = time;
        this.store = new SimStore(time, params.pageSize(), keepLog ? this::note : null);
        Schedule.Params p = params;
        int k = Math.max(0, Math.min(3, p.keepLast()));
        boolean anyRetention = false;
        for (int i = 0; i < clamp(p.ownWriters(), 0, 2); i++) {
            boolean r = k > 0 && (p.retentionMask() & (1 << i)) != 0;
            anyRetention |= r;
            actors.add(new Actors.Writer("w" + i, false, r ? k : 0, chunking(p, i)));
        }
        for (int i = 0; i < clamp(p.sharedWriters(), 0, 2); i++) {
            boolean r = k > 0 && (p.retentionMask() & (1 << (2 + i))) != 0;
            anyRetention |= r;
            actors.add(new Actors.Writer("e" + i, true, r ? k : 0, chunking(p, 2 + i)));
        }
        for (int i = 0; i < clamp(p.coordinators(), 0, 2); i++) {
            actors.add(new Actors.Coordinator("c" + i));
        }
        for (int i = 0; i < clamp(p.pruners(), 0, 2); i++) {
            boolean r = k > 0 && (p.retentionMask() & (1 << (4 + i))) != 0;
            anyRetention |= r;
            int skew = Math.floorMod(i == 0 ? p.skew0() : p.skew1(), Schedule.Params.SKEW.length);
            int grace = Math.floorMod(p.grace(), Schedule.Params.GRACE.length);
            actors.add(new Actors.Pruner("p" + i, Duration.ofSeconds(Schedule.Params.SKEW[skew]),
                    Duration.ofSeconds(Schedule.Params.GRACE[grace]), r ? k : 0));
        }
        for (int i = 0; i < clamp(p.deleters(), 0, 1); i++) {
            actors.add(new Actors.Deleter("d" + i));
        }
        for (int i = 0; i < clamp(p.readers(), 1, 2); i++) {
            actors.add(new Actors.Reader("r" + i));
        }
        this.oracle = new Oracle(store, anyRetention ? k : 0);
        store.observe(oracle);
        add(Event.RESOLVE, 40);
        add(Event.START, 14);
        add(Event.TIMER, 4);
        add(Event.SPAN, 1);
        add(Event.TERM, p.sharedWriters() > 0 || p.coordinators() > 0 ? 1 : 0);
        add(Event.STALL, clamp(p.stallWeight(), 0, 2));
        add(Event.RESUME, clamp(p.stallWeight(), 0, 2) > 0 ? 2 : 0);
        add(Event.CRASH, clamp(p.crashWeight(), 0, 2));
        // Last, and only with delays: the table of a schedule without them is the one it always was.
        add(Event.RELEASE, p.delayPct() > 0 ? 2 : 0);
    }

    /** The chunking of writer {@code index} (own writers 0-1, shared writers 2-3). */
    private static Chunking chunking(Schedule.Params p, int index) {
        if (!p.chunks(index)) {
            return Chunking.off();
        }
        Chunking c = Chunking.on().withAverageChunkSize(CHUNK_AVERAGE).withThreshold(CHUNK_THRESHOLD);
        return p.zstd(index) ? c.withZstd(3) : c;
    }

    private void add(Event e, int weight) {
        for (int i = 0; i < weight; i++) {
            table.add(e);
        }
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /**
     * A deliberately broken engine, to show that the chunk invariants can fail: the pruners' batched deletes also
     * remove chunks that a correct prune never deletes.
     */
    enum Sabotage {
        /** The engine as it is. */
        NONE,
        /** Prune forgets what the chain references: every chunk at or below the head goes with its deletes (I8). */
        PRUNE_IGNORES_CHUNK_REFERENCES,
        /** Prune sweeps chunks above the head too, where saves that can still publish write (I9). */
        PRUNE_SWEEPS_ABOVE_THE_HEAD
    }

    /** Runs a schedule, stopping at the first violation. */
    static Result run(Schedule schedule, boolean keepLog) {
        return run(schedule, keepLog, true);
    }

    /**
     * Runs a schedule.
     *
     * @param keepLog whether to keep the event log (costs time)
     * @param stopAtViolation whether to stop at the first violation (false runs the whole schedule, e.g. to measure)
     */
    static Result run(Schedule schedule, boolean keepLog, boolean stopAtViolation) {
        return run(schedule, keepLog, stopAtViolation, Sabotage.NONE, null);
    }

    /**
     * Runs a schedule against a deliberately broken engine, judged by some checks only (null: all).
     */
    static Result run(Schedule schedule, boolean keepLog, boolean stopAtViolation, Sabotage sabotage, java.util.@Nullable Set<String> checks) {
        try (SimTime time = SimTime.install()) {
            Simulation sim = new Simulation(schedule, time, keepLog);
            sim.stopAtViolation = stopAtViolation;
            sim.oracle.only(checks);
            if (sabotage != Sabotage.NONE) {
                sim.store.sabotage(p -> sim.sabotaged(p, sabotage));
            }
            return sim.execute();
        }
    }

    /** The chunks a sabotaged pruner's batched delete removes besides what it asked for. */
    private List<String> sabotaged(SimProcess p, Sabotage sabotage) {
        if (!p.name().startsWith("p")) {
            return List.of();
        }
        SimStore.Obj po = store.objects().get(Oracle.LATEST);
        JsonNode root = po == null ? null : oracle.parse(po);
        long head = root == null ? 0 : Oracle.pointerBody(root).path("id").asLong(0);
        List<String> keys = new ArrayList<>();
        for (String key : store.objectsFrom(Chunks.AREA).keySet()) {
            long first = Chunks.firstIdOf(key);
            if (first < 0) {
                break;
            }
            if (sabotage == Sabotage.PRUNE_SWEEPS_ABOVE_THE_HEAD ? first > head : first <= head) {
                keys.add(key);
            }
        }
        if (!keys.isEmpty()) {
            note("sabotage: " + p.name() + " also deletes " + keys.size() + " chunk(s)");
        }
        return keys;
    }

    private Result execute() {
        note("schedule " + schedule.encode());
        try {
            while (step < MAX_STEPS && (oracle.violation() == null || !stopAtViolation)) {
                Event e = table.get(choices.next(table.size()));
                if (!perform(e)) {
                    break; // nothing can happen: settle
                }
                afterStep();
            }
            if (oracle.violation() == null || !stopAtViolation) {
                settle();
            }
            if (oracle.violation() == null) {
                for (Actors.Op op : running) {
                    oracle.fail("LIVE", "operation '" + op.what + "' never finished although every call was answered and every timer ran");
                }
            }
            if (oracle.violation() == null) {
                oracle.finish();
            }
        } catch (Oracle.Violation v) {
            oracle.fail(v.check, v.getMessage());
        } catch (RuntimeException | Error e) {
            oracle.fail("CRASH", "the simulation itself failed: " + e);
            note(stackTrace(e));
        }
        if (oracle.violation() != null) {
            note("VIOLATION " + oracle.violation().getMessage());
        }
        int ok = oracle.successes().size();
        return new Result(schedule, oracle.violation(), step, store.callsIssued(), saves, ok, zombies, crashes, choices.position(),
                oracle.chunksWritten(), oracle.chunksReused(), log);
    }

    private static String stackTrace(Throwable e) {
        java.io.StringWriter w = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    private void afterStep() {
        step++;
        oracle.afterStep(step);
    }

    /** Performs an event, falling back to a possible one; false when nothing at all can happen. */
    private boolean perform(Event first) {
        Event e = first;
        for (int attempt = 0; attempt < 8; attempt++) {
            if (tryPerform(e)) {
                return true;
            }
            e = switch (e) {
                case RESOLVE -> Event.START;
                case START -> Event.TIMER;
                case TIMER -> Event.RESUME;
                case RESUME -> Event.RESOLVE;
                default -> Event.RESOLVE;
            };
        }
        return false;
    }

    private boolean tryPerform(Event e) {
        switch (e) {
            case RESOLVE -> {
                List<SimStore.PendingCall> calls = store.resolvable();
                if (calls.isEmpty()) {
                    return false;
                }
                SimStore.PendingCall call = calls.get(choices.next(calls.size()));
                int f = choices.next(100);
                SimStore.Fate fate = SimStore.Fate.OK;
                if (f >= 100 - params.lostPct()) {
                    fate = SimStore.Fate.LOST;
                } else if (f >= 100 - params.lostPct() - params.transientPct()) {
                    fate = SimStore.Fate.TRANSIENT;
                } else if (f >= 100 - params.lostPct() - params.transientPct() - params.delayPct()) {
                    store.hold(call);
                    note("hold " + call + " in flight");
                    return true;
                }
                store.resolve(call, fate);
                return true;
            }
            case RELEASE -> {
                List<SimStore.PendingCall> held = store.held();
                if (held.isEmpty()) {
                    return false;
                }
                SimStore.PendingCall call = held.get(choices.next(held.size()));
                store.release(call);
                note("release " + call);
                return true;
            }
            case START -> {
                List<Actors.Actor> idle = new ArrayList<>();
                for (Actors.Actor a : actors) {
                    if (a.canStart()) {
                        idle.add(a);
                    }
                }
                if (idle.isEmpty()) {
                    return false;
                }
                idle.get(choices.next(idle.size())).start(this, choices);
                return true;
            }
            case TIMER -> {
                long before = time.nowMillis();
                if (!time.advanceToNextTimer()) {
                    return false;
                }
                note("time +" + (time.nowMillis() - before) + "ms (next timer)");
                return true;
            }
            case SPAN -> {
                long[] spans = {1, 30, 600, 7200};
                long s = spans[choices.next(spans.length)];
                time.advance(Duration.ofSeconds(s));
                note("time +" + s + "s");
                return true;
            }
            case TERM -> {
                long highest = term;
                SimStore.Obj p = store.objects().get(Oracle.LATEST);
                JsonNode root = p == null ? null : oracle.parse(p);
                if (root != null) {
                    highest = Math.max(highest, root.path("epoch").asLong(0));
                }
                term = highest + 1;
                note("term " + term);
                return true;
            }
            case STALL -> {
                List<SimProcess> candidates = new ArrayList<>();
                for (SimProcess p : processes) {
                    if (p.busy() && !p.stalled() && !p.crashed()) {
                        candidates.add(p);
                    }
                }
                if (candidates.isEmpty()) {
                    return false;
                }
                SimProcess p = candidates.get(choices.next(candidates.size()));
                p.stalled(true);
                note("stall " + p.name());
                for (Actors.Actor a : actors) {
                    if (a.process == p && a.replacedWhenStalled()) {
                        a.lost(p); // the job is restarted elsewhere; this process lives on as a zombie
                        zombies++;
                        note(p.name() + " is now a zombie");
                    }
                }
                return true;
            }
            case RESUME -> {
                List<SimProcess> stalled = new ArrayList<>();
                for (SimProcess p : processes) {
                    if (p.stalled()) {
                        stalled.add(p);
                    }
                }
                if (stalled.isEmpty()) {
                    return false;
                }
                SimProcess p = stalled.get(choices.next(stalled.size()));
                p.stalled(false);
                note("resume " + p.name());
                return true;
            }
            case CRASH -> {
                List<SimProcess> live = new ArrayList<>();
                for (SimProcess p : processes) {
                    if (!p.crashed()) {
                        live.add(p);
                    }
                }
                if (live.isEmpty()) {
                    return false;
                }
                crash(live.get(choices.next(live.size())));
                return true;
            }
            default -> throw new IllegalStateException(e.name());
        }
    }

    private void crash(SimProcess p) {
        crashes++;
        note("crash " + p.name());
        p.crash();
        for (Actors.Op op : new ArrayList<>(running)) {
            if (op.uses.contains(p)) {
                finish(op);
                if (op.subscription != null) {
                    op.subscription.dispose();
                }
                note("  dropped: " + op.what);
                op.onCrash.run();
            }
        }
        for (Actors.Actor a : actors) {
            a.lost(p);
        }
    }

    /** Lets everything finish: resume all, answer every call OK in order, run every timer. */
    private void settle() {
        note("settle");
        for (SimProcess p : processes) {
            p.stalled(false);
        }
        for (SimStore.PendingCall c : store.held()) {
            store.release(c);
        }
        for (int i = 0; i < MAX_SETTLE_STEPS && (oracle.violation() == null || !stopAtViolation); i++) {
            List<SimStore.PendingCall> calls = store.resolvable();
            if (!calls.isEmpty()) {
                store.resolve(calls.get(0), SimStore.Fate.OK);
            } else if (!time.advanceToNextTimer()) {
                return;
            }
            afterStep();
        }
        oracle.fail("LIVE", "the engine did not come to rest within " + MAX_SETTLE_STEPS + " settling steps");
    }

    // --------------------------------------------------------------------------------------------- for actors

    /** Starts a process for an actor: a new checkpointer (the real engine) over a new store handle. */
    SimProcess newProcess(String name, Duration skew, Retention retention, Duration grace, Chunking chunking) {
        SimProcess p = new SimProcess(name, skew);
        processes.add(p);
        SimStore.Handle handle = store.handle(p);
        SplittableRandom tokens = new SplittableRandom(0x5EED0000L + processes.size());
        Checkpointer cp = ProtocolRules.building(params.disabled(), tokens, () -> Checkpointer.builder()
                .store(handle)
                .writerId(name)
                .clock(time.clock(skew))
                .retry(RETRY)
                .inlineThreshold(16)
                .maxInlineBytes(20)
                .maxConcurrentUploads(2)
                .retention(retention)
                .orphanGracePeriod(grace)
                .chunking(chunking)
                .build());
        p.checkpointer(cp);
        note("start process " + name + (skew.isZero() ? "" : " skew " + skew) + (retention.isActive() ? " " + retention : "")
                + (chunking.enabled() ? " " + chunking : ""));
        return p;
    }

    /**
     * Runs one operation: subscribes now and reports its end. {@code onCrash} runs instead when a process it uses
     * crashes first (the operation is then dropped, its outcome unknown).
     */
    void run(String what, List<SimProcess> uses, Mono<?> mono, Consumer<Object> onSuccess, Consumer<Throwable> onError, Runnable onCrash) {
        Actors.Op op = new Actors.Op(what, uses, onCrash);
        note("begin " + what);
        running.add(op);
        for (SimProcess p : uses) {
            p.ops.add(op);
        }
        Disposable d = mono.subscribe(
                v -> {
                    if (!op.done) {
                        finish(op);
                        if (log != null) {
                            note("end " + what + ": " + summary(v));
                        }
                        onSuccess.accept(v);
                    }
                },
                e -> {
                    if (!op.done) {
                        finish(op);
                        if (log != null) {
                            note("end " + what + ": " + e);
                        }
                        onError.accept(e);
                    }
                },
                () -> {
                    if (!op.done) {
                        finish(op);
                        note("end " + what + ": done");
                    }
                });
        if (!op.done) {
            op.subscription = d;
        }
    }

    private static String summary(Object v) {
        if (v instanceof Manifest m) {
            return "checkpoint " + m.id() + " epoch " + m.epoch();
        }
        return String.valueOf(v);
    }

    private void finish(Actors.Op op) {
        op.done = true;
        running.remove(op);
        for (SimProcess p : op.uses) {
            p.ops.remove(op);
        }
    }

    void committed(String tag, Manifest m, String by) {
        committedIds.add(m.id().value());
        oracle.succeeded(tag, m, by);
    }

    void saveFailed(String tag, Throwable e, String by) {
        oracle.failed(tag, e);
    }

    void begun(long id) {
        begunIds.add(id);
    }

    /** One of the last four ids that reported success ({@code back} 0 = the newest), or null. */
    @Nullable Long recentCommitted(int back) {
        return committedIds.isEmpty() ? null : committedIds.get(Math.max(0, committedIds.size() - 1 - back));
    }

    /** One of the last ids begun by coordinators, or null. */
    @Nullable Long recentBegun(int back) {
        return begunIds.isEmpty() ? null : begunIds.get(Math.max(0, begunIds.size() - 1 - back));
    }

    String newTag() {
        saves++;
        return "s" + (++tags);
    }

    long term() {
        return term;
    }

    int step() {
        return step;
    }

    Oracle oracle() {
        return oracle;
    }

    boolean logging() {
        return log != null;
    }

    void note(String line) {
        if (log != null) {
            log.add(step + " t=" + time.nowMillis() + " " + line);
        }
    }
}

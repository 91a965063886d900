package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * R3: two and four writers of one job (one shared epoch, as an external coordinator assigns) save into one prefix at
 * the same moment, round after round, half the rounds all asking for the same id; every {@value #GENERATION} rounds a
 * new generation of writers takes over with a higher epoch, and the previous generation's first writer stays on as a
 * zombie that keeps saving with its stale epoch (and its stale cached view of the location) in every round.
 */
@Requirement("R3")
class R3RaceTest {
    /** The concurrent pruner's orphan grace period in the shared-epoch test. */
    private static final Duration PRUNER_GRACE = Duration.ofMillis(20);
    private static final int GENERATION = 25;
    /** Rounds per store and writer count: the memory and file-system stores, and the stores on emulators (bounded run). */
    private static final int ROUNDS = 200;
    private static final int EMULATOR_ROUNDS = 30;

    /** Rounds per generation: {@value #GENERATION}, or fewer in a short run, so that a zombie still saves in most rounds. */
    private static int generation(int rounds) {
        return Math.max(5, Math.min(GENERATION, rounds / 3));
    }

    static Stream<Arguments> targetsAndWriters() {
        return Stores.all().flatMap(t -> Stream.of(Arguments.of(t, 2), Arguments.of(t, 4)));
    }

    private record Outcome(String writer, Object result) {}

    private static byte[] state(String writer, int round) {
        return Workload.bytes(2000, writer.hashCode() * 7919L + round);
    }

    private static Snapshot snapshot(String writer, int round, long epoch, CheckpointId id) {
        Snapshot.Builder b = Snapshot.builder().epoch(epoch)
                .partition("state", 0, Payload.of(state(writer, round)))
                .partition("small", 0, Payload.of(Arrays.copyOf(state(writer, round), 100)))
                .offsets("src", Map.of("0", Integer.toString(round)))
                .metadata("by", writer).metadata("round", Integer.toString(round));
        return id == null ? b.build() : b.id(id).build();
    }

    private static Mono<Outcome> attempt(String writer, Checkpointer cp, Snapshot s) {
        return cp.save(s).subscribeOn(Schedulers.parallel()).map(m -> new Outcome(writer, m)).onErrorResume(e -> Mono.just(new Outcome(writer, e)));
    }

    /** What G1 was, how it is fixed, and its strict tests (for the results). */
    static final String G1 = "**A GCS read of an object replaced meanwhile reported `STORE_NOT_FOUND`** (store-gcs, `GcsObjectStore.get`). "
            + "The store reads the metadata, then downloads the body pinned to that generation; when the object was replaced in "
            + "between (as `_latest` is by every publish) the pinned download got 404, and racing saves on GCS failed with "
            + "`CorruptMetadataException` (a lost pointer), `load()` reported committed checkpoints missing, a concurrent `prune()` "
            + "failed; R3 had to read again on GCS. Fixed: such a read fails with a transient `StoreException` (\"replaced while it "
            + "was read\"), which the engine retries, never with not-found. Strict tests: "
            + "`GcsReadWhileReplacedTest.g1AReadOfAnObjectReplacedMeanwhileIsNeverNotFound`, R3 on GCS with plain store handles.";

    /** How often the suite's own raw read of `_latest` is made at most: a transient store error is read again, as the engine does. */
    private static final int RAW_READS = 5;

    /**
     * `_latest` as Jackson reads it (format 2: `pointer.id`, `pointer.epoch`, `pointer.floor`): the suite never uses the
     * engine's decoder. A transient store error is read again (at most {@value #RAW_READS} reads) and counted: the SPI
     * allows one while the object is being replaced (GCS reports a read of a generation replaced meanwhile so), and
     * the engine retries it the same way.
     */
    private static StoredJson.PointerFields pointer(ObjectStore store, AtomicLong retried) {
        for (int attempt = 1;; attempt++) {
            try {
                return StoredJson.pointer(store);
            } catch (StoreException e) {
                if (!e.isTransient() || attempt >= RAW_READS) {
                    throw e;
                }
                retried.incrementAndGet();
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1} writers")
    @MethodSource("targetsAndWriters")
    void racingWritersNeverCommitTwiceAStaleEpochIsAlwaysFencedAndLatestNeverMovesBack(StoreTarget target, int writers) {
        target.assumeAvailable("R3");
        Report.storeCovered(target.name());
        int rounds = Scale.count(target, ROUNDS, EMULATOR_ROUNDS);
        int generationRounds = generation(rounds);
        Section section = Report.section("R3").describe("""
                %d rounds per store and writer count (S3 on S3Mock, Azure on Azurite and GCS on FakeGcsServer: %d). In each round every \
                writer of the current generation saves at once (on the parallel scheduler), each through its own store \
                handle and checkpointer, with the generation's shared epoch; even rounds all request the same id (the \
                pointer's + 1), odd rounds let the engine allocate. A new generation with epoch + 1 takes over every \
                %d rounds (%d with S3's, Azure's and GCS's rounds; its first writer saves alone first, as a coordinator \
                would); the previous generation's first writer stays on as a zombie and saves in every round with its \
                stale epoch and its stale cached view. After every round: each committed manifest is loaded by an \
                independent reader and must be exactly what its writer returned, carrying that writer's own bytes; no \
                id may be committed twice; the zombie must be refused; `_latest` (read with Jackson from its format-2 \
                envelope: `pointer.id`, `pointer.epoch`, `pointer.floor`; the engine's decoder is not public) must \
                not have moved back in id, epoch or floor, must name the highest committed id, and `latest()` must \
                return it. Meanwhile a watcher on its own store handle reads `_latest` over and over (every 2 ms on \
                the in-JVM stores, 25 ms on the emulators) and flags any read whose id, epoch or floor is below the \
                previous one. At the end `list()` must be exactly the committed checkpoints, none written by a \
                zombie. Protocol v2: a writer that loses keeps its prepared manifest (nothing is ever withdrawn) and \
                `latest()` never returns it (it is not reachable from `_latest`); a writer whose id is still above \
                the new head rebases its manifest and commits, so in engine-allocated rounds most writers commit. \
                A contested round can still end with no winner: when the zombie, trusting its stale cached view, \
                creates the contested manifest first, the live writers lose that id and the zombie is then fenced at \
                the pointer (its epoch is below the pointer's); its manifest stays, dead, and is never published or \
                rolled forward (a roll-forward needs an epoch at least the pointer's). Every checkpointer uses a \
                plain store handle on every target, GCS included (a read of an object replaced while it is read is a \
                transient error there, which the engine retries; never not-found); the suite's own raw reads of \
                `_latest` read again after a transient error, as the engine does, and count it."""
                .formatted(Scale.count(ROUNDS), Scale.count(EMULATOR_ROUNDS), generation(Scale.count(ROUNDS)),
                        generation(Scale.count(EMULATOR_ROUNDS))));

        AtomicLong rawRetries = new AtomicLong();
        Report.foundAndFixed("G1", G1);
        try (Location loc = target.create("r3-" + writers);
                PointerWatch watch = new PointerWatch(loc.open(), Duration.ofMillis(target.emulator() ? 25 : 2))) {
            ObjectStore readerStore = loc.open();
            Checkpointer reader = Workload.builder(readerStore).build();
            Map<Long, Manifest> committed = new HashMap<>();
            List<String> problems = new ArrayList<>();
            List<Checkpointer> generation = List.of();
            Checkpointer zombie = null;
            String zombieName = null;
            long epoch = 0;
            StoredJson.PointerFields lastPointer = null;
            // Each zombie, with the highest id committed when it became one: anything of its on the chain above that is a zombie commit.
            Map<String, Long> zombieSince = new HashMap<>();
            long failedOtherwise = 0;
            long attempts = 0;
            long lostRaces = 0;
            long zombieAttempts = 0;
            long zombieFenced = 0;
            long zombieLostRace = 0;
            long zombieCommits = 0;
            long doubleCommits = 0;
            long foreign = 0;
            long backwards = 0;
            long contested = 0;
            long contestedOneWinner = 0;
            long roundsWithoutWinner = 0;
            long pointerBehind = 0;
            long zombieBlocked = 0;

            for (int round = 1; round <= rounds; round++) {
                if ((round - 1) % generationRounds == 0) {
                    epoch++;
                    if (!generation.isEmpty()) {
                        zombie = generation.get(0);
                        zombieName = "g" + (epoch - 1) + "-w0";
                        zombieSince.put(zombieName, committed.keySet().stream().mapToLong(Long::longValue).max().orElse(0));
                    }
                    List<Checkpointer> next = new ArrayList<>();
                    for (int w = 0; w < writers; w++) {
                        next.add(Workload.builder(loc.open()).writerId("g" + epoch + "-w" + w).build());
                    }
                    generation = next;
                    // The new generation starts: its first save fences the previous one.
                    String name = "g" + epoch + "-w0";
                    Manifest m = generation.get(0).save(snapshot(name, round, epoch, null)).block(Workload.TIMEOUT);
                    committed.put(m.id().value(), m);
                }
                boolean same = round % 2 == 0;
                CheckpointId id = same ? CheckpointId.of(pointer(readerStore, rawRetries).id() + 1) : null;
                List<Mono<Outcome>> saves = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    String name = "g" + epoch + "-w" + w;
                    saves.add(attempt(name, generation.get(w), snapshot(name, round, epoch, id)));
                }
                if (zombie != null) {
                    saves.add(attempt(zombieName, zombie, snapshot(zombieName, round, epoch - 1, id)));
                }
                List<Outcome> outcomes = Flux.merge(saves).collectList().block(Workload.TIMEOUT);

                int winners = 0;
                for (Outcome o : outcomes) {
                    boolean isZombie = o.writer.equals(zombieName);
                    if (!isZombie) {
                        attempts++;
                    } else {
                        zombieAttempts++;
                    }
                    if (o.result instanceof Manifest m) {
                        winners += isZombie ? 0 : 1;
                        if (isZombie) {
                            zombieCommits++;
                            problems.add("round " + round + ": zombie " + zombieName + " with stale epoch " + (epoch - 1) + " committed " + m.id());
                        }
                        if (committed.putIfAbsent(m.id().value(), m) != null) {
                            doubleCommits++;
                            problems.add("round " + round + ": id " + m.id() + " committed twice");
                        }
                        Checkpoint c = reader.load(m.id()).block(Workload.TIMEOUT);
                        boolean own = c.manifest().equals(m) && o.writer.equals(m.metadata().get("by")) && o.writer.equals(m.writerId())
                                && Arrays.equals(Buffers.toArray(c.read("state", 0).block(Workload.TIMEOUT)), state(o.writer, round))
                                && Arrays.equals(Buffers.toArray(c.read("small", 0).block(Workload.TIMEOUT)), Arrays.copyOf(state(o.writer, round), 100));
                        if (!own) {
                            foreign++;
                            problems.add("round " + round + ": manifest " + m.id() + " returned to " + o.writer + " is not its own");
                        }
                    } else if (o.result instanceof ConcurrentCheckpointException ce) {
                        if (isZombie) {
                            if (ce.fenced()) {
                                zombieFenced++;
                            } else {
                                zombieLostRace++;
                            }
                        } else {
                            lostRaces++;
                        }
                    } else {
                        failedOtherwise++;
                        problems.add("round " + round + ": " + o.writer + " failed with " + o.result);
                    }
                }
                String zombieNow = zombieName;
                if (same && winners == 0 && outcomes.stream().anyMatch(o -> o.writer.equals(zombieNow)
                        && o.result instanceof ConcurrentCheckpointException ce && ce.fenced())) {
                    zombieBlocked++;
                }
                if (same) {
                    contested++;
                    contestedOneWinner += winners == 1 ? 1 : 0;
                    if (winners > 1) {
                        problems.add("round " + round + ": " + winners + " writers committed id " + id);
                    }
                }
                roundsWithoutWinner += winners == 0 ? 1 : 0;

                StoredJson.PointerFields p = pointer(readerStore, rawRetries);
                if (lastPointer != null && !lastPointer.noneBehind(p)) {
                    backwards++;
                    problems.add("round " + round + ": _latest moved back from " + lastPointer + " to " + p);
                }
                if (lastPointer == null || lastPointer.noneBehind(p)) {
                    lastPointer = p;
                }
                long highest = committed.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
                Checkpoint latest = reader.latest().block(Workload.TIMEOUT);
                if (p.id() != highest || latest == null || latest.manifest().id().value() != highest) {
                    pointerBehind++;
                    problems.add("round " + round + ": _latest is " + p.id() + ", latest() " + (latest == null ? null : latest.manifest().id())
                            + ", highest committed " + highest);
                }
            }
            List<Manifest> chain = reader.list().collectList().block(Workload.TIMEOUT);
            List<Long> listed = chain.stream().map(m -> m.id().value()).toList();
            boolean listExact = new TreeSet<>(listed).equals(new TreeSet<>(committed.keySet())) && listed.size() == committed.size();
            if (!listExact) {
                problems.add("list() " + listed.size() + " checkpoints differs from the " + committed.size() + " committed");
            }
            List<Long> byZombies = chain.stream().filter(m -> zombieSince.containsKey(m.writerId()) && m.id().value() > zombieSince.get(m.writerId()))
                    .map(m -> m.id().value()).toList();
            for (Manifest m : chain) {
                if (!m.equals(committed.get(m.id().value()))) {
                    foreign++;
                    problems.add("list(): checkpoint " + m.id() + " is not what its writer got back");
                }
            }
            if (!byZombies.isEmpty()) {
                zombieCommits += byZombies.size();
                problems.add("checkpoints on the chain written by a zombie: " + byZombies);
            }
            watch.stop();
            List<String> watchedBack = watch.backwards();
            if (!watchedBack.isEmpty()) {
                backwards += watchedBack.size();
                problems.add("the watcher saw _latest move back: " + watchedBack);
            }
            if (!watch.twoDigests().isEmpty()) {
                doubleCommits += watch.twoDigests().size();
                problems.add("the watcher saw an id named as head with two manifest digests: " + watch.twoDigests());
            }

            String where = target.name() + ", " + writers + " writers";
            section.table("Rounds", "store", "writers", "rounds", "saves", "committed", "lost races", "contested-id rounds with one winner",
                            "rounds without a winner (of which the fenced zombie took the id first)", "zombie saves", "zombie refused: fenced / lost race", "zombie commits", "double commits",
                            "foreign manifests", "_latest moved back (id, epoch or floor; after rounds and watcher reads)", "_latest behind")
                    .row(target.name(), writers, rounds, attempts, committed.size(), lostRaces, contestedOneWinner + "/" + contested,
                            roundsWithoutWinner + " (" + zombieBlocked + ")", zombieAttempts, zombieFenced + " / " + zombieLostRace, zombieCommits, doubleCommits, foreign,
                            backwards + " (" + String.format("%,d", watch.reads()) + " watcher reads)", pointerBehind);
            section.check("0 double commits, every manifest its writer's own [" + where + "]", doubleCommits == 0 && foreign == 0 && listExact,
                    committed.size() + " committed ids, all distinct, each loaded and compared; list() matches: " + listExact
                            + "; no id named as head with two digests in " + String.format("%,d", watch.reads()) + " watcher reads");
            section.check("every racing save commits or is refused with ConcurrentCheckpointException [" + where + "]", failedOtherwise == 0,
                    attempts + zombieAttempts + " saves, " + failedOtherwise + " failed otherwise; " + rawRetries.get()
                            + " of the suite's own raw reads of _latest read again after a transient store error");
            section.check("a stale epoch is always fenced [" + where + "]", zombieCommits == 0 && zombieFenced + zombieLostRace == zombieAttempts,
                    Report.rate(zombieFenced + zombieLostRace, zombieAttempts) + " zombie saves refused (" + zombieFenced + " fenced, "
                            + zombieLostRace + " lost the id race first), " + zombieCommits + " committed or on the chain");
            section.check("_latest never moves backwards [" + where + "]", backwards == 0 && pointerBehind == 0,
                    rounds + " rounds and " + String.format("%,d", watch.reads()) + " watcher reads checked: " + backwards
                            + " backward moves (id, epoch or floor), " + pointerBehind + " rounds where it was not the highest committed id");
            section.headline(where, String.format("%,d rounds, %,d commits, %d double commits, zombie refused %s, _latest moved back %d times",
                    rounds, committed.size(), doubleCommits, Report.rate(zombieFenced + zombieLostRace, zombieAttempts), backwards));
            assertThat(problems).isEmpty();
        }
    }

    /** Rounds of the shared-epoch test: the memory and file-system stores, and the stores on emulators (bounded run). */
    private static final int SHARED_ROUNDS = 80;
    private static final int SHARED_EMULATOR_ROUNDS = 12;
    private static final int SHARED_WRITERS = 4;
    private static final long SHARED_EPOCH = 3;
    /** How many rounds behind the laggard's id is. */
    private static final int LAG = 3;

    /**
     * Protocol v1's defect: writers sharing one explicit epoch, with {@code keepLast(3)} retention, committed some ids
     * twice (an id deleted by retention was created again by a writer with a stale view and published over it). Under
     * v2 retention raises a floor in the pointer before deleting, and an id at or below the head can never be
     * published again. A pruner runs all the while with a small grace period.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.checkpointer.reliability.Stores#all")
    void writersSharingOneEpochWithRetentionAndAConcurrentPrunerNeverCommitAnIdTwice(StoreTarget target) {
        target.assumeAvailable("R3");
        Report.storeCovered(target.name());
        int rounds = Scale.count(target, SHARED_ROUNDS, SHARED_EMULATOR_ROUNDS);
        Section section = Report.section("R3").describe("""
                **Shared epoch, retention and a concurrent pruner** (protocol v1 committed ids twice here). %d rounds \
                (S3, Azure and GCS: %d): %d writers, all with the same explicit epoch %d and `keepLast(3)` retention, save \
                at once, even rounds all requesting the pointer's id + 1, odd rounds engine-allocated ids; a fifth, \
                laggard writer (same epoch, same retention) asks in every round for the id that was the pointer's + 1 \
                %d rounds earlier, i.e. an id already committed and soon expired by retention: it must always be \
                refused with `ConcurrentCheckpointException`. All the while a pruner (its own checkpointer, \
                `keepLast(3)`, orphan grace period 20 ms) calls `prune()` back to back, and the `_latest` watcher runs. \
                After every round: no id committed twice (every success across all writers has its own id); every \
                committed checkpoint loads exactly as returned with its writer's bytes, or is refused with \
                `CheckpointNotFoundException` because retention expired it (its id is below the pointer's floor); \
                `_latest` names the highest committed id and `latest()` returns it, verified; `list()` holds only \
                committed checkpoints and always the newest three. At the end, with the pruner stopped, one more \
                `prune()` must leave exactly the newest three checkpoints and what they reference."""
                .formatted(Scale.count(SHARED_ROUNDS), Scale.count(SHARED_EMULATOR_ROUNDS), SHARED_WRITERS, SHARED_EPOCH, LAG));
        List<String> problems = new ArrayList<>();
        AtomicLong rawRetries = new AtomicLong();
        try (Location loc = target.create("r3-shared");
                PointerWatch watch = new PointerWatch(loc.open(), Duration.ofMillis(target.emulator() ? 25 : 2))) {
            ObjectStore readerStore = loc.open();
            Checkpointer reader = Workload.builder(readerStore).build();
            List<Checkpointer> writers = new ArrayList<>();
            for (int w = 0; w < SHARED_WRITERS; w++) {
                writers.add(Workload.builder(loc.open()).writerId("s-w" + w).retention(dev.checkpointer.Retention.keepLast(3)).build());
            }
            Checkpointer laggard = Workload.builder(loc.open()).writerId("s-laggard").retention(dev.checkpointer.Retention.keepLast(3)).build();
            Checkpointer pruner = Workload.builder(loc.open()).writerId("s-pruner").retention(dev.checkpointer.Retention.keepLast(3))
                    .orphanGracePeriod(PRUNER_GRACE).build();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicLong prunes = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicLong swept = new java.util.concurrent.atomic.AtomicLong();
            AtomicLong pruneFailures = new AtomicLong();
            List<String> pruneErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread pruning = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        dev.checkpointer.PruneReport r = pruner.prune().block(Workload.TIMEOUT);
                        prunes.incrementAndGet();
                        swept.addAndGet(r.deletedOrphans().size() + r.deletedCheckpoints().size());
                    } catch (RuntimeException e) {
                        pruneFailures.incrementAndGet();
                        if (pruneErrors.size() < 10) {
                            pruneErrors.add(e.toString());
                        }
                    }
                }
            }, "r3-pruner");
            pruning.setDaemon(true);

            Map<Long, Manifest> committed = new HashMap<>();
            Map<Long, String> committedBy = new HashMap<>();
            Map<Integer, Long> requested = new HashMap<>();
            long attempts = 0;
            long lost = 0;
            long doubleCommits = 0;
            long foreign = 0;
            long expiredAtCheck = 0;
            long laggardAttempts = 0;
            long laggardRefused = 0;
            long unknown = 0;
            long failedOtherwise = 0;
            long pointerBehind = 0;
            long listShort = 0;
            // The first checkpoint, so that every round has a pointer to read.
            Manifest first = writers.get(0).save(snapshot("s-w0", 0, SHARED_EPOCH, null)).block(Workload.TIMEOUT);
            committed.put(first.id().value(), first);
            committedBy.put(first.id().value(), "s-w0");
            pruning.start();
            try {
                for (int round = 1; round <= rounds; round++) {
                    boolean same = round % 2 == 0;
                    long next = pointer(readerStore, rawRetries).id() + 1;
                    requested.put(round, next);
                    CheckpointId id = same ? CheckpointId.of(next) : null;
                    List<Mono<Outcome>> saves = new ArrayList<>();
                    for (int w = 0; w < SHARED_WRITERS; w++) {
                        String name = "s-w" + w;
                        saves.add(attempt(name, writers.get(w), snapshot(name, round, SHARED_EPOCH, id)));
                    }
                    Long stale = requested.get(round - LAG);
                    if (stale != null) {
                        saves.add(attempt("s-laggard", laggard, snapshot("s-laggard", round, SHARED_EPOCH, CheckpointId.of(stale))));
                    }
                    List<Outcome> outcomes = Flux.merge(saves).collectList().block(Workload.TIMEOUT);
                    for (Outcome o : outcomes) {
                        boolean isLaggard = o.writer.equals("s-laggard");
                        if (isLaggard) {
                            laggardAttempts++;
                        } else {
                            attempts++;
                        }
                        if (o.result instanceof Manifest m) {
                            if (isLaggard) {
                                problems.add("round " + round + ": the laggard committed " + m.id() + " (it asked for an id already committed)");
                            }
                            if (committed.putIfAbsent(m.id().value(), m) != null) {
                                doubleCommits++;
                                problems.add("round " + round + ": id " + m.id() + " committed twice (by " + committedBy.get(m.id().value())
                                        + " and " + o.writer + ")");
                            } else {
                                committedBy.put(m.id().value(), o.writer);
                            }
                            try {
                                Checkpoint c = reader.load(m.id()).block(Workload.TIMEOUT);
                                if (!own(c, m, o.writer, round)) {
                                    foreign++;
                                    problems.add("round " + round + ": manifest " + m.id() + " returned to " + o.writer + " is not its own");
                                }
                            } catch (dev.checkpointer.CheckpointNotFoundException e) {
                                long floor = pointer(readerStore, rawRetries).floor();
                                if (m.id().value() < floor) {
                                    expiredAtCheck++;
                                } else {
                                    problems.add("round " + round + ": committed " + m.id() + " not found although the floor is " + floor + ": " + e);
                                }
                            }
                        } else if (o.result instanceof ConcurrentCheckpointException) {
                            if (isLaggard) {
                                laggardRefused++;
                            } else {
                                lost++;
                            }
                        } else if (o.result instanceof dev.checkpointer.CheckpointException ce && ce.code() == dev.checkpointer.ErrorCode.OUTCOME_UNKNOWN
                                && String.valueOf(ce.getMessage()).contains("lies below the floor")) {
                            // Its manifest was created under an id that retention had already expired (or that expired
                            // before its writer could look): the chain below the floor cannot be followed to tell. It is
                            // never on the chain (checked below, and by the watcher's one-digest-per-id check).
                            unknown++;
                            laggardRefused += isLaggard ? 1 : 0;
                        } else {
                            failedOtherwise++;
                            problems.add("round " + round + ": " + o.writer + " failed with " + o.result);
                        }
                    }
                    StoredJson.PointerFields p = pointer(readerStore, rawRetries);
                    long highest = committed.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
                    Checkpoint latest = reader.latest().block(Workload.TIMEOUT);
                    if (p.id() != highest || latest == null || latest.manifest().id().value() != highest
                            || !own(latest, committed.get(highest), committedBy.get(highest), -1)) {
                        pointerBehind++;
                        problems.add("round " + round + ": _latest is " + p + ", latest() " + (latest == null ? null : latest.manifest().id())
                                + ", highest committed " + highest);
                    }
                    List<Manifest> chain = reader.list().collectList().block(Workload.TIMEOUT);
                    List<Long> listed = chain.stream().map(m -> m.id().value()).toList();
                    List<Long> newest = committed.keySet().stream().sorted(java.util.Comparator.reverseOrder()).limit(3).toList();
                    for (Manifest m : chain) {
                        if (!m.equals(committed.get(m.id().value()))) {
                            foreign++;
                            problems.add("round " + round + ": list() holds checkpoint " + m.id() + " by " + m.writerId() + ", not what its writer got back");
                        }
                    }
                    if (!committed.keySet().containsAll(listed)) {
                        problems.add("round " + round + ": list() holds checkpoints no writer committed: " + listed);
                    }
                    if (!listed.containsAll(newest)) {
                        listShort++;
                        problems.add("round " + round + ": list() " + listed + " lacks one of the newest three " + newest);
                    }
                }
            } finally {
                stop.set(true);
                try {
                    pruning.join(Workload.TIMEOUT.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            pruner.prune().block(Workload.TIMEOUT);
            List<Long> listed = reader.list().map(m -> m.id().value()).collectList().block(Workload.TIMEOUT);
            List<Long> newest = committed.keySet().stream().sorted().skip(Math.max(0, committed.size() - 3)).toList();
            boolean finalExact = listed.equals(newest);
            if (!finalExact) {
                problems.add("after the last prune list() is " + listed + ", expected the newest three " + newest);
            }
            java.util.Set<String> expected = Workload.referencedKeys(reader, readerStore);
            java.util.Set<String> keys = new TreeSet<>(loc.keys());
            // Prune measures its grace period on the store's clock, the newest last-modified time under checkpoints/:
            // once the writers stop, that clock stops too, so garbage written within the grace period of the last
            // write stays until something newer is written (docs/PROTOCOL.md, "Sweep"). Such keys are not a defect.
            List<dev.checkpointer.spi.ObjectInfo> listing = readerStore.list("checkpoints/").collectList().block(Workload.TIMEOUT);
            java.time.Instant storeNow = listing.stream().map(dev.checkpointer.spi.ObjectInfo::lastModified)
                    .max(java.util.Comparator.naturalOrder()).orElse(java.time.Instant.EPOCH);
            java.util.Set<String> young = new TreeSet<>();
            for (dev.checkpointer.spi.ObjectInfo i : listing) {
                if (i.lastModified().isAfter(storeNow.minus(PRUNER_GRACE))) {
                    young.add(i.key());
                }
            }
            java.util.Set<String> extraKeys = new TreeSet<>(keys);
            extraKeys.removeAll(expected);
            boolean keysExact = young.containsAll(extraKeys) && keys.containsAll(expected);
            if (!keysExact) {
                java.util.Set<String> extra = new TreeSet<>(extraKeys);
                extra.removeAll(young);
                java.util.Set<String> missing = new TreeSet<>(expected);
                missing.removeAll(keys);
                problems.add("after the last prune the location holds " + extra.size() + " unreferenced keys " + extra.stream().limit(5).toList()
                        + " and lacks " + missing.size() + " referenced ones " + missing.stream().limit(5).toList());
            }
            for (Manifest m : reader.list().collectList().block(Workload.TIMEOUT)) {
                if (!own(reader.load(m.id()).block(Workload.TIMEOUT), committed.get(m.id().value()), committedBy.get(m.id().value()), -1)) {
                    foreign++;
                    problems.add("after the run, checkpoint " + m.id() + " is not what its writer returned");
                }
            }
            watch.stop();
            List<String> back = watch.backwards();
            if (!back.isEmpty()) {
                problems.add("the watcher saw _latest move back: " + back);
            }
            if (!watch.twoDigests().isEmpty()) {
                doubleCommits += watch.twoDigests().size();
                problems.add("the watcher saw an id named as head with two manifest digests: " + watch.twoDigests());
            }
            if (!pruneErrors.isEmpty()) {
                problems.add("prune() failed: " + pruneErrors);
            }

            String where = target.name() + ", shared epoch, keepLast(3), pruner";
            section.table("Shared epoch with retention and a concurrent pruner", "store", "rounds", "saves", "committed", "lost races",
                            "outcome unknown (manifest created below the floor)", "laggard refused", "double commits", "foreign manifests", "expired by retention before the check", "prunes (objects swept)",
                            "watcher reads / moved back", "_latest behind", "list() lacking one of the newest three", "after the last prune: exactly the newest 3 and their objects")
                    .row(target.name(), rounds, attempts, committed.size(), lost, unknown, Report.rate(laggardRefused, laggardAttempts), doubleCommits, foreign,
                            expiredAtCheck, String.format("%,d (%,d)", prunes.get(), swept.get()), String.format("%,d / %d", watch.reads(), back.size()),
                            pointerBehind, listShort, finalExact && keysExact);
            section.check("0 double commits with a shared epoch, retention and a concurrent pruner [" + target.name() + "]",
                    doubleCommits == 0 && foreign == 0 && laggardRefused == laggardAttempts,
                    committed.size() + " committed ids, all distinct; the laggard refused " + Report.rate(laggardRefused, laggardAttempts));
            section.check("retention and a concurrent pruner never touch the chain's newest checkpoints, _latest never moves back [" + target.name() + "]",
                    pointerBehind == 0 && listShort == 0 && back.isEmpty() && finalExact && keysExact && pruneErrors.isEmpty(),
                    String.format("%,d prunes during %d rounds; %d rounds where _latest/latest() was not the highest commit; %d backward moves "
                            + "in %,d watcher reads; final list %s", prunes.get(), rounds, pointerBehind, back.size(), watch.reads(), listed));
            section.check("every racing save and prune ends as the protocol says [" + target.name() + ", shared epoch]",
                    failedOtherwise == 0 && pruneErrors.isEmpty(),
                    String.format("%,d saves: committed, lost the race, or (created below the floor) outcome unknown; %d failed otherwise; "
                            + "%,d prunes, %d failed; %d of the suite's own raw reads of _latest read again after a transient store error",
                            attempts + laggardAttempts, failedOtherwise, prunes.get() + pruneFailures.get(), pruneFailures.get(), rawRetries.get()));
            section.headline(where, String.format("%d rounds, %,d commits, %d double commits, %,d concurrent prunes, laggard refused %s",
                    rounds, committed.size(), doubleCommits, prunes.get(), Report.rate(laggardRefused, laggardAttempts)));
        }
        assertThat(problems).isEmpty();
    }

    /** Whether a loaded checkpoint is exactly the manifest a writer got back, with that writer's bytes of that round. */
    private static boolean own(Checkpoint c, Manifest m, String writer, int round) {
        if (c == null || m == null || !c.manifest().equals(m) || !writer.equals(m.metadata().get("by")) || !writer.equals(m.writerId())) {
            return false;
        }
        int r = round >= 0 ? round : Integer.parseInt(m.metadata().get("round"));
        return Arrays.equals(Buffers.toArray(c.read("state", 0).block(Workload.TIMEOUT)), state(writer, r))
                && Arrays.equals(Buffers.toArray(c.read("small", 0).block(Workload.TIMEOUT)), Arrays.copyOf(state(writer, r), 100));
    }
}

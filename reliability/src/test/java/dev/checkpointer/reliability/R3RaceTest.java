package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.internal.Pointer;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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

    private static Pointer pointer(ObjectStore store) {
        byte[] raw = store.get("_latest", ByteRange.ALL).flatMap(c -> Buffers.join(c.body())).block(Workload.TIMEOUT);
        return Pointer.decode("_latest", raw);
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
                id may be committed twice; the zombie must be refused; `_latest` (decoded with `Pointer.decode`) must \
                not have moved back in id or epoch, must name the highest committed id, and `latest()` must return it. \
                At the end `list()` must be exactly the committed checkpoints. (A round can end with no winner: when \
                the zombie, trusting its stale cached view, creates the contested manifest first, the live writers \
                lose that id and the zombie is then fenced at the pointer and withdraws its manifest; nothing is \
                committed twice or by the zombie, and the next round goes on.)"""
                .formatted(Scale.count(ROUNDS), Scale.count(EMULATOR_ROUNDS), generation(Scale.count(ROUNDS)),
                        generation(Scale.count(EMULATOR_ROUNDS))));

        try (Location loc = target.create("r3-" + writers)) {
            ObjectStore readerStore = loc.open();
            Checkpointer reader = Workload.builder(readerStore).build();
            Map<Long, Manifest> committed = new HashMap<>();
            List<String> problems = new ArrayList<>();
            List<Checkpointer> generation = List.of();
            Checkpointer zombie = null;
            String zombieName = null;
            long epoch = 0;
            long lastPointerId = 0;
            long lastPointerEpoch = 0;
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
                CheckpointId id = same ? CheckpointId.of(pointer(readerStore).id() + 1) : null;
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

                Pointer p = pointer(readerStore);
                if (p.id() < lastPointerId || p.epoch() < lastPointerEpoch) {
                    backwards++;
                    problems.add("round " + round + ": _latest moved back from " + lastPointerId + "/" + lastPointerEpoch + " to " + p.id() + "/" + p.epoch());
                }
                lastPointerId = Math.max(lastPointerId, p.id());
                lastPointerEpoch = Math.max(lastPointerEpoch, p.epoch());
                long highest = committed.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
                Checkpoint latest = reader.latest().block(Workload.TIMEOUT);
                if (p.id() != highest || latest == null || latest.manifest().id().value() != highest) {
                    pointerBehind++;
                    problems.add("round " + round + ": _latest is " + p.id() + ", latest() " + (latest == null ? null : latest.manifest().id())
                            + ", highest committed " + highest);
                }
            }
            List<Long> listed = reader.list().map(m -> m.id().value()).collectList().block(Workload.TIMEOUT);
            boolean listExact = new TreeSet<>(listed).equals(new TreeSet<>(committed.keySet())) && listed.size() == committed.size();
            if (!listExact) {
                problems.add("list() " + listed.size() + " checkpoints differs from the " + committed.size() + " committed");
            }

            String where = target.name() + ", " + writers + " writers";
            section.table("Rounds", "store", "writers", "rounds", "saves", "committed", "lost races", "contested-id rounds with one winner",
                            "rounds without a winner (of which the fenced zombie took the id first)", "zombie saves", "zombie refused: fenced / lost race", "zombie commits", "double commits",
                            "foreign manifests", "_latest moved back", "_latest behind")
                    .row(target.name(), writers, rounds, attempts, committed.size(), lostRaces, contestedOneWinner + "/" + contested,
                            roundsWithoutWinner + " (" + zombieBlocked + ")", zombieAttempts, zombieFenced + " / " + zombieLostRace, zombieCommits, doubleCommits, foreign,
                            backwards, pointerBehind);
            section.check("0 double commits, every manifest its writer's own [" + where + "]", doubleCommits == 0 && foreign == 0 && listExact,
                    committed.size() + " committed ids, all distinct, each loaded and compared; list() matches: " + listExact);
            section.check("a stale epoch is always fenced [" + where + "]", zombieCommits == 0 && zombieFenced + zombieLostRace == zombieAttempts,
                    Report.rate(zombieFenced + zombieLostRace, zombieAttempts) + " zombie saves refused (" + zombieFenced + " fenced, "
                            + zombieLostRace + " lost the id race first), " + zombieCommits + " committed");
            section.check("_latest never moves backwards [" + where + "]", backwards == 0 && pointerBehind == 0,
                    rounds + " rounds checked: " + backwards + " backward moves, " + pointerBehind + " rounds where it was not the highest committed id");
            section.headline(where, String.format("%,d rounds, %,d commits, %d double commits, zombie refused %s, _latest moved back %d times",
                    rounds, committed.size(), doubleCommits, Report.rate(zombieFenced + zombieLostRace, zombieAttempts), backwards));
            assertThat(problems).isEmpty();
        }
    }
}

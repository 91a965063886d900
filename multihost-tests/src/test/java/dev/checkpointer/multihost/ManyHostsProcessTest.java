package dev.checkpointer.multihost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Snapshot;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The many-hosts protocol with real processes: every worker, coordinator and verifier is its own JVM with its own
 * {@link Checkpointer} on one store URI; they share nothing but the store and the JSON lines this test relays
 * (workers' stdout to the coordinator's stdin), so the test is the transport, not a participant. Every wait is on a
 * process's output line or exit, bounded; nothing sleeps.
 *
 * <p>Each test starts with a baseline checkpoint saved in this JVM, so "latest() is unchanged" means something.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@org.junit.jupiter.api.extension.ExtendWith(dev.checkpointer.store.s3.S3MockServer.Extension.class)
class ManyHostsProcessTest {
    private static final int WORKERS = 4;
    private static final Duration T = Duration.ofSeconds(30);
    private static final Pattern STORED_KEY = Pattern.compile("checkpoints/(\\d{20})/" + Content.LARGE_OP + "/(\\d+)\\.([0-9a-z]+)\\.snapshot");

    /** Kept when a test fails: logs/ holds every process's stderr. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    private final List<Proc> procs = new ArrayList<>();

    static Stream<StoreUnderTest> stores() {
        return StoreUnderTest.all();
    }

    @AfterEach
    void stopAll() {
        procs.forEach(Proc::close);
    }

    // ------------------------------------------------------------------------------------------------ the proof

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void workersStageConcurrentlyTheCoordinatorCommitsAFreshProcessRestoresEveryPartition(StoreUnderTest s) {
        StoreUnderTest.Location loc = s.locate().apply(dir);
        long seed = 11;
        Manifest base = baseline(loc);

        Proc coordinator = coordinator(loc, "A", seed);
        CheckpointId id = begun(coordinator);
        assertThat(id).isEqualTo(base.id().next());

        List<Proc> workers = workers(loc, id, seed, -1);
        List<PartitionEntry> entries = new ArrayList<>();
        for (Proc w : workers) {
            entries.addAll(entriesOf(w));
        }
        assertThat(entries).hasSize(2 * WORKERS);
        // Small partitions travel inside the entry; large ones were uploaded, each under a token of its own call.
        assertThat(entries.stream().filter(PartitionEntry::isInline).map(PartitionEntry::name))
                .containsExactlyInAnyOrder(names(Content.SMALL_OP));
        List<PartitionEntry> stored = entries.stream().filter(e -> !e.isInline()).toList();
        assertThat(stored).extracting(PartitionEntry::name).containsExactlyInAnyOrder(names(Content.LARGE_OP));
        Set<String> tokens = stored.stream().map(e -> {
            Matcher m = STORED_KEY.matcher(e.key());
            assertThat(m.matches()).as("key %s", e.key()).isTrue();
            assertThat(m.group(1)).isEqualTo(id.padded());
            assertThat(Integer.parseInt(m.group(2))).isEqualTo(e.partition());
            return m.group(3);
        }).collect(Collectors.toSet());
        assertThat(tokens).hasSize(WORKERS);

        entries.forEach(e -> coordinator.send(Wire.entryLine(e)));
        coordinator.send("COMMIT");
        assertThat(coordinator.await("COMMITTED ")).startsWith("COMMITTED " + id + " ");
        assertThat(coordinator.awaitExit()).as(coordinator.describe()).isEqualTo(Wire.EXIT_OK);

        assertThat(verify(loc, seed)).startsWith("LATEST id=" + id + " ").contains("coordinator=A", "partitions=" + 2 * WORKERS);
        assertThat(keys(loc)).as("the reservation is gone once committed").noneMatch(k -> k.endsWith("/_begin"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aWorkerKilledMidUploadLeavesLatestUnchangedItsArtifactIsRefusedAndPruneSweepsTheDebris(StoreUnderTest s) throws IOException {
        StoreUnderTest.Location loc = s.locate().apply(dir);
        long seed = 22;
        int dead = WORKERS - 1;
        Manifest base = baseline(loc);

        Proc coordinator = coordinator(loc, "A", seed);
        CheckpointId id = begun(coordinator);
        List<Proc> workers = workers(loc, id, seed, dead);
        List<PartitionEntry> received = new ArrayList<>();
        for (int w = 0; w < dead; w++) {
            received.addAll(entriesOf(workers.get(w)));
        }
        // The dead worker sent its small entry, announced its upload, streamed half of it... and is killed there.
        Proc victim = workers.get(dead);
        victim.send("GO");
        List<String> last = victim.collectUntil("MIDSTREAM ");
        last.stream().filter(l -> l.startsWith("ENTRY ")).map(Wire::parseEntry).forEach(received::add);
        String neverFinished = last.stream().filter(l -> l.startsWith("PUT ")).map(l -> l.substring(4))
                .filter(k -> STORED_KEY.matcher(k).matches()).findFirst()
                .orElseThrow(() -> new AssertionError("no upload announced\n" + victim.describe()));
        int killed = victim.kill();
        assertThat(victim.isAlive()).isFalse();
        assertThat(killed).as("exit of a SIGKILLed JVM").isNotZero();
        if (!System.getProperty("os.name").startsWith("Windows")) {
            assertThat(killed).isEqualTo(128 + 9);
        }
        assertThat(received).extracting(PartitionEntry::name).doesNotContain(Content.LARGE_OP + "/" + dead).hasSize(2 * WORKERS - 1);

        Map<String, String> before = etags(loc);
        received.forEach(e -> coordinator.send(Wire.entryLine(e)));
        coordinator.send("COMMIT");
        assertThat(coordinator.await("REFUSED ")).isEqualTo("REFUSED missing [" + Content.LARGE_OP + "/" + dead + "]");
        assertThat(coordinator.isAlive()).isTrue();
        assertUnchanged(loc, base, id, before);

        // Told the dead worker's artifact exists (key of its upload, size and digest its bytes would have had),
        // the coordinator's own check passes, and the library refuses: that object was never written.
        byte[] wouldHave = Content.large(seed, dead);
        coordinator.send(Wire.entryLine(PartitionEntry.stored(Content.LARGE_OP, dead, PartitionKind.SNAPSHOT, neverFinished, 0,
                wouldHave.length, Content.sha256(wouldHave))));
        coordinator.send("COMMIT");
        assertThat(coordinator.await("INVALID ")).contains(neverFinished, "never staged", "checkpoint " + id);
        assertThat(coordinator.awaitExit()).as(coordinator.describe()).isEqualTo(Wire.EXIT_INVALID);
        assertUnchanged(loc, base, id, before);

        // Debris of the never-committed checkpoint: the live workers' uploads and the reservation. Its id is above
        // the head, so a commit may still come however late: prune() keeps it, whatever the grace period.
        List<String> debris = keys(loc).stream().filter(k -> k.startsWith("checkpoints/" + id.padded() + "/")).toList();
        assertThat(debris).hasSize(dead + 1).contains("checkpoints/" + id.padded() + "/_begin");
        try (Checkpointer now = Checkpointer.builder().location(loc.uri()).orphanGracePeriod(Duration.ZERO).build()) {
            PruneReport early = now.prune().block(T);
            assertThat(early.deletedOrphans()).isEmpty();
            assertThat(early.deletedCheckpoints()).isEmpty();
        }
        assertThat(keys(loc)).containsAll(debris);
        // Once a later checkpoint is committed above it, nothing can ever commit it, and prune removes it.
        PruneReport report;
        try (Checkpointer cp = Checkpointer.builder().location(loc.uri()).orphanGracePeriod(Duration.ZERO).build()) {
            Manifest later = cp.save(dev.checkpointer.Snapshot.builder().id(id.next())
                    .partition(Content.LARGE_OP, 0, Payload.of(baselineBytes())).build()).block(T);
            report = cp.prune().block(T);
            System.out.println("prune once the head passed the debris: " + report);
            assertThat(report.deletedOrphans()).containsExactlyInAnyOrderElementsOf(debris);
            assertThat(report.deletedCheckpoints()).isEmpty();
            Checkpoint latest = cp.latest().block(T);
            assertThat(latest.manifest()).isEqualTo(later);
            assertThat(latest.read(Content.LARGE_OP, 0).map(Buffers::toArray).block(T)).isEqualTo(baselineBytes());
            assertThat(cp.load(base.id()).block(T).manifest()).isEqualTo(base);
        }
        assertThat(keys(loc)).noneMatch(k -> k.startsWith("checkpoints/" + id.padded() + "/"));
        if (loc.root().isPresent()) {
            // The killed upload was half written: its temp file was there until prune's cleanupIncomplete.
            assertThat(report.cleanedIncomplete()).singleElement().asString()
                    .contains("checkpoints/" + id.padded() + "/" + Content.LARGE_OP + "/", "(" + wouldHave.length / 2 + " bytes");
            // Nothing on disk either: the killed upload's temp file went with cleanupIncomplete.
            Path cpDir = loc.root().get().resolve("checkpoints").resolve(id.padded());
            try (Stream<Path> files = Files.exists(cpDir) ? Files.walk(cpDir) : Stream.empty()) {
                assertThat(files.filter(Files::isRegularFile)).isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aCoordinatorKilledBetweenManifestAndPointerIsRecoveredByAFreshProcess(StoreUnderTest s) throws IOException {
        StoreUnderTest.Location loc = s.locate().apply(dir);
        long seed = 33;
        Manifest base = baseline(loc);

        Proc coordinator = coordinator(loc, "A", seed, "--halt-before-pointer");
        CheckpointId id = begun(coordinator);
        List<PartitionEntry> entries = new ArrayList<>();
        for (Proc w : workers(loc, id, seed, -1)) {
            entries.addAll(entriesOf(w));
        }
        entries.forEach(e -> coordinator.send(Wire.entryLine(e)));
        coordinator.send("COMMIT");
        assertThat(coordinator.await("HALT ")).contains("checkpoints/" + id.padded() + "/manifest.json");
        assertThat(coordinator.awaitExit()).as(coordinator.describe()).isEqualTo(Wire.EXIT_HALTED);

        // The crash point really was between the two: the manifest exists, the pointer still names the baseline.
        try (ObjectStore store = Stores.open(loc.uri())) {
            assertThat(store.head("checkpoints/" + id.padded() + "/manifest.json").block(T)).isNotNull();
            JsonNode pointer = Wire.JSON.readTree(store.readAll(Stores.LATEST).block(T));
            JsonNode body = pointer.has("pointer") ? pointer.get("pointer") : pointer;
            assertThat(body.get("id").asLong()).as("pointer %s", pointer).isEqualTo(base.id().value());
        }
        assertThat(verify(loc, seed)).startsWith("LATEST id=" + id + " ").contains("coordinator=A");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void twoCoordinatorsRacingBeginAndCommitExactlyOneWins(StoreUnderTest s) {
        StoreUnderTest.Location loc = s.locate().apply(dir);
        long seed = 44;
        Manifest base = baseline(loc);

        // Two coordinators, each with the term an election gave it as writer epoch; both wait at the gate so that
        // their begin() calls race for the same id. (With epochs each Checkpointer claims for itself, the commit
        // race below can end with no winner, or with a winner whose artifacts are gone: CommitTakeoverRaceTest.)
        Proc a = coordinator(loc, "A", seed, "--gate", "--takeover", "--epoch", Long.toString(base.epoch() + 1));
        Proc b = coordinator(loc, "B", seed, "--gate", "--takeover", "--epoch", Long.toString(base.epoch() + 2));
        a.await("READY");
        b.await("READY");
        a.send("GO");
        b.send("GO");
        String ra = a.await("BEGUN ", "BEGIN-LOST ");
        String rb = b.await("BEGUN ", "BEGIN-LOST ");
        assertThat(List.of(ra, rb)).as("%s / %s", ra, rb).filteredOn(l -> l.startsWith("BEGUN ")).hasSize(1);
        assertThat(List.of(ra, rb)).filteredOn(l -> l.startsWith("BEGIN-LOST ")).singleElement().asString().contains("begun by another coordinator");
        Proc begun = ra.startsWith("BEGUN ") ? a : b;
        Proc lost = begun == a ? b : a;
        CheckpointId id = CheckpointId.parse((begun == a ? ra : rb).substring("BEGUN ".length()));
        assertThat(id).isEqualTo(base.id().next());

        // Split brain: the loser takes the same checkpoint over; both get every entry and commit at once.
        lost.send("ID " + id);
        assertThat(lost.await("TAKEN-OVER ")).isEqualTo("TAKEN-OVER " + id);
        List<PartitionEntry> entries = new ArrayList<>();
        for (Proc w : workers(loc, id, seed, -1)) {
            entries.addAll(entriesOf(w));
        }
        for (Proc c : List.of(a, b)) {
            entries.forEach(e -> c.send(Wire.entryLine(e)));
        }
        a.send("COMMIT");
        b.send("COMMIT");
        int ea = a.awaitExit();
        int eb = b.awaitExit();
        assertThat(List.of(ea, eb)).as("exit codes\n%s\n%s", a.describe(), b.describe()).containsExactlyInAnyOrder(Wire.EXIT_OK, Wire.EXIT_CONFLICT);
        Proc winner = ea == Wire.EXIT_OK ? a : b;
        Proc loser = winner == a ? b : a;
        assertThat(winner.transcript()).anyMatch(l -> l.startsWith("COMMITTED " + id + " "));
        assertThat(loser.transcript()).anyMatch(l -> l.startsWith("CONFLICT "));
        System.out.println("race: " + begun + " began " + id + ", " + winner + " committed it; " + loser + ": "
                + loser.transcript().get(loser.transcript().size() - 1));

        assertThat(verify(loc, seed)).startsWith("LATEST id=" + id + " ").contains("coordinator=" + winner.name.substring("coordinator-".length()));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String[] names(String operator) {
        String[] n = new String[WORKERS];
        for (int w = 0; w < WORKERS; w++) {
            n[w] = operator + "/" + w;
        }
        return n;
    }

    private Proc start(String name, Class<?> main, List<String> args) {
        Proc p = Proc.start(dir.resolve("logs"), name, main, args);
        procs.add(p);
        return p;
    }

    private Proc coordinator(StoreUnderTest.Location loc, String name, long seed, String... flags) {
        List<String> args = new ArrayList<>(List.of(loc.uri(), name, Integer.toString(WORKERS), Long.toString(seed)));
        args.addAll(List.of(flags));
        return start("coordinator-" + name, CoordinatorMain.class, args);
    }

    private static CheckpointId begun(Proc coordinator) {
        String line = coordinator.await("BEGUN ");
        return CheckpointId.parse(line.substring("BEGUN ".length()));
    }

    /**
     * Starts one process per worker with the checkpoint id on its command line, waits until every one is ready,
     * then releases them together so they stage at the same time.
     */
    private List<Proc> workers(StoreUnderTest.Location loc, CheckpointId id, long seed, int stalling) {
        List<Proc> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
            List<String> args = new ArrayList<>(List.of(loc.uri(), id.toString(), Integer.toString(w), Long.toString(seed)));
            if (w == stalling) {
                args.add("--stall-midstream");
            }
            workers.add(start("worker-" + w, WorkerMain.class, args));
        }
        workers.forEach(w -> w.await("READY"));
        // The stalling worker starts when its caller says GO: S3Mock serves one request at a time, so an upload stalled
        // midstream holds it, and a live worker's request queued behind it would fail at its operation deadline.
        for (int w = 0; w < WORKERS; w++) {
            if (w != stalling) {
                workers.get(w).send("GO");
            }
        }
        return workers;
    }

    /** The entries a worker printed; its JSON must survive a round trip unchanged. */
    private static List<PartitionEntry> entriesOf(Proc worker) {
        List<String> lines = worker.collectUntil("DONE");
        assertThat(worker.awaitExit()).as(worker.describe()).isEqualTo(Wire.EXIT_OK);
        List<PartitionEntry> entries = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("ENTRY ")) {
                PartitionEntry e = Wire.parseEntry(line);
                assertThat(Wire.entryLine(e)).as("JSON round trip").isEqualTo(line);
                entries.add(e);
            }
        }
        assertThat(entries).as(worker.describe()).hasSize(2);
        return entries;
    }

    /** Runs the verifier process; it must exit 0 (every partition's bytes as recomputed from the seed). */
    private String verify(StoreUnderTest.Location loc, long seed) {
        Proc v = start("verifier", VerifierMain.class, List.of(loc.uri(), Integer.toString(WORKERS), Long.toString(seed)));
        int code = v.awaitExit();
        assertThat(code).as(v.describe()).isEqualTo(Wire.EXIT_OK);
        assertThat(v.transcript()).as(v.describe()).filteredOn(l -> l.startsWith("OK ")).hasSize(2 * WORKERS);
        return v.transcript().get(0);
    }

    private static byte[] baselineBytes() {
        return Content.bytes(-1, Content.LARGE_OP, 0, 100_000);
    }

    /** A checkpoint saved in this JVM before any process starts. */
    private static Manifest baseline(StoreUnderTest.Location loc) {
        try (Checkpointer cp = Checkpointer.open(loc.uri())) {
            return cp.save(Snapshot.builder()
                    .partition(Content.LARGE_OP, 0, Payload.of(baselineBytes()))
                    .partition(Content.SMALL_OP, 0, Payload.of(Content.utf8("baseline")))
                    .metadata("coordinator", "baseline")
                    .build()).block(T);
        }
    }

    private static List<String> keys(StoreUnderTest.Location loc) {
        return new ArrayList<>(etags(loc).keySet());
    }

    /** Every key with its ETag: equal maps mean nothing was written, overwritten or deleted. */
    private static Map<String, String> etags(StoreUnderTest.Location loc) {
        try (ObjectStore store = Stores.open(loc.uri())) {
            Map<String, String> m = new TreeMap<>();
            for (ObjectInfo info : store.list("").collectList().block(T)) {
                m.put(info.key(), String.valueOf(info.etag()));
            }
            return m;
        }
    }

    /** Nothing written since {@code before}, no manifest for {@code id}, and latest() is still the baseline. */
    private static void assertUnchanged(StoreUnderTest.Location loc, Manifest base, CheckpointId id, Map<String, String> before) {
        assertThat(etags(loc)).isEqualTo(before);
        try (ObjectStore store = Stores.open(loc.uri())) {
            assertThat(store.head("checkpoints/" + id.padded() + "/manifest.json")
                    .map(i -> "present").onErrorResume(e -> e instanceof StoreException se && se.isNotFound(), e -> reactor.core.publisher.Mono.just("absent"))
                    .block(T)).isEqualTo("absent");
        }
        try (Checkpointer cp = Checkpointer.open(loc.uri())) {
            assertThat(cp.latest().block(T).manifest()).isEqualTo(base);
        }
    }
}

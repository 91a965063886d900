package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Mono;

/**
 * R2: the process dies at every store call of a save, a delete and a prune, with the dying call taking effect or
 * not; a new process opens the location and must find the previous or the new checkpoint, whole, then clean up and
 * go on. Every store, the memory store included, crashes through {@link FaultInjectingStore}.
 */
@Requirement("R2")
class R2CrashTest {
    /** Crash indices per operation and mode on the emulator targets (bounded run); the in-JVM stores cover every index. */
    private static final int EMULATOR_POINTS_PER_OP = 3;

    /** What the dying process was doing. */
    enum Op {
        SAVE("save of checkpoint 2 over checkpoint 1 (fresh process: pointer read, epoch claim, uploads, manifest, pointer)"),
        DELETE("delete of checkpoint 2, the newest, of 2"),
        PRUNE("prune with keepLast(1) of checkpoints 1-3, plus an orphan artifact, a loser's artifact and an abandoned multipart upload");

        final String description;

        Op(String description) {
            this.description = description;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.checkpointer.reliability.Stores#all")
    void aCrashAtAnyCallLeavesThePreviousOrTheNewCheckpointWhole(StoreTarget target) {
        target.assumeAvailable("R2");
        Report.storeCovered(target.name());
        Section section = Report.section("R2").describe("""
                For each operation and each store call index k of it (counted on a probe run from a fresh process), a \
                fresh location is set up, a new process runs the operation and dies at call k: every call from k on \
                fails (with "after effect", call k's write lands first, as when the process dies after the request \
                reached the store). Then another new process opens the location: `latest()` must be the previous or \
                the new checkpoint and verify byte for byte; which one is fixed by what the crash left at checkpoint \
                2's manifest key (read with Jackson first): for the save, a manifest means the new one (if `_latest` \
                still named checkpoint 1, this `latest()` must roll it forward and publish it: v2 never withdraws a \
                prepared manifest), an abort marker or nothing the previous one; for the delete, a tombstone means the \
                previous one, the manifest the new one, and nothing is not allowed (v2's delete leaves a tombstone) (`read` and `stream` of every partition), every listed \
                checkpoint must verify (no half checkpoint), and `prune()` must leave exactly the chain (live \
                members' manifests and artifacts, tombstones of deleted members, `_latest`) plus whatever lies under \
                ids above the head, untouched (protocol v2: a save crashed above the head may still commit, so its \
                debris stays until a later checkpoint's id passes it; a save prepared but not published is rolled \
                forward by the next `latest()`, never withdrawn; `delete` leaves a tombstone). A next save must \
                commit; then saves go on until the head passes the highest id holding debris or an abandoned \
                multipart upload, and `prune()` must now leave exactly the chain and no pending multipart upload \
                (v2 measures the grace period on the store's clock, the newest last-modified time it lists; the \
                emulators' are whole seconds, so when an upload is pending there the suite lets that second pass \
                before those saves). Every call index is covered on the memory and \
                file-system stores; on S3 (S3Mock), Azure (Azurite) and GCS (FakeGcsServer) %d indices per \
                operation and mode, spread evenly over its calls (the first and the last included), every one once the \
                count reaches the number of calls. A new process there is a new store with its own HTTP client on the \
                same emulator. GCS has no multipart uploads (its store writes through resumable sessions), so its \
                prune set-up has no abandoned upload."""
                .formatted(Scale.count(EMULATOR_POINTS_PER_OP)));
        Table table = section.table("Crash points", "store", "operation", "calls per operation", "points covered",
                "recovered to previous", "recovered to new (of which a prepared manifest rolled forward by latest())", "recovery verified", "debris kept above the head, removed once the head passed it", "next save committed");
        int totalPoints = 0;
        int totalOk = 0;
        List<String> problems = new ArrayList<>();
        // Crash points are independent (each has its own location): run them a few at a time.
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
        try {
            for (Op op : Op.values()) {
                long calls = probe(target, op);
                List<Future<Result>> futures = new ArrayList<>();
                List<String> labels = new ArrayList<>();
                long[] indices = target.emulator()
                        ? java.util.Arrays.stream(R4CorruptionTest.positions((int) calls, Scale.count(target, 0, EMULATOR_POINTS_PER_OP))).asLongStream().toArray()
                        : java.util.stream.LongStream.range(0, calls).toArray();
                for (boolean afterEffect : new boolean[] {false, true}) {
                    for (long k : indices) {
                        long at = k;
                        futures.add(pool.submit(() -> crashAt(target, op, at, afterEffect)));
                        labels.add(op + " k=" + k + (afterEffect ? " after effect" : ""));
                    }
                }
                int points = futures.size();
                int previous = 0;
                int next = 0;
                int verified = 0;
                int cleaned = 0;
                int writable = 0;
                int rolled = 0;
                for (int i = 0; i < points; i++) {
                    Result r = futures.get(i).get(Workload.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                    String label = labels.get(i);
                    if (r.problem != null) {
                        problems.add(label + ": " + r.problem);
                        continue;
                    }
                    if (r.version == allowed(op).first()) {
                        previous++;
                    } else {
                        next++;
                    }
                    verified++;
                    rolled += r.rolledForward ? 1 : 0;
                    cleaned += r.cleaned ? 1 : 0;
                    writable += r.writable ? 1 : 0;
                    if (!r.cleaned) {
                        problems.add(label + ": prune left debris");
                    }
                    if (!r.writable) {
                        problems.add(label + ": the next save failed");
                    }
                }
                table.row(target.name(), op.description, calls, points, previous, op == Op.SAVE ? next + " (" + rolled + ")" : next, Report.rate(verified, points),
                        Report.rate(cleaned, points), Report.rate(writable, points));
                totalPoints += points;
                totalOk += Math.min(verified, Math.min(cleaned, writable));
            }
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError("a crash point did not finish", e);
        } finally {
            pool.shutdownNow();
        }
        boolean ok = problems.isEmpty();
        section.check("after a crash at any call, latest() is the previous or the new checkpoint, fully verified [" + target.name() + "]",
                ok, totalPoints + " crash points (save, delete, prune; before and after effect), " + problems.size() + " problems"
                        + (ok ? "" : ": " + problems.subList(0, Math.min(3, problems.size()))));
        section.headline(target.name(), String.format("%,d crash points covered, %,d recovered whole", totalPoints, totalOk));
        assertThat(problems).isEmpty();
    }

    private static TreeSet<Long> allowed(Op op) {
        return switch (op) {
            case SAVE, DELETE -> new TreeSet<>(Set.of(1L, 2L));
            case PRUNE -> new TreeSet<>(Set.of(3L));
        };
    }

    /** Prepares the location as the operation expects it. */
    private static void setUp(Location loc, Op op) {
        ObjectStore s = loc.open();
        Checkpointer cp = Workload.builder(s).build();
        int n = op == Op.SAVE ? 1 : op == Op.DELETE ? 2 : 3;
        for (int v = 1; v <= n; v++) {
            cp.save(Workload.snapshot(v)).block(Workload.TIMEOUT);
        }
        if (op == Op.PRUNE) {
            byte[] junk = Workload.bytes(3000, 99);
            s.put("checkpoints/" + CheckpointId.of(4).padded() + "/multi/0.dead.snapshot", Payload.of(junk), PutOptions.none()).block(Workload.TIMEOUT);
            s.put("checkpoints/" + CheckpointId.of(3).padded() + "/single/0.loser.snapshot", Payload.of(junk), PutOptions.none()).block(Workload.TIMEOUT);
            if (s.capabilities().multipart()) { // not GCS: its store writes through resumable sessions, not multipart uploads
                s.startMultipart("checkpoints/" + CheckpointId.of(5).padded() + "/multi/0.abandoned.snapshot", PutOptions.none())
                        .flatMap(u -> u.uploadPart(1, Payload.of(junk))).block(Workload.TIMEOUT);
            }
        }
    }

    private static Mono<?> act(Checkpointer cp, Op op) {
        return switch (op) {
            case SAVE -> cp.save(Workload.snapshot(2));
            case DELETE -> cp.delete(CheckpointId.of(2));
            case PRUNE -> cp.prune();
        };
    }

    private static Checkpointer dyingProcess(ObjectStore store, Op op) {
        return Workload.builder(store).retention(op == Op.PRUNE ? Retention.keepLast(1) : Retention.keepAll()).build();
    }

    /** Calls the operation makes from a fresh process, on a fresh location. */
    private static long probe(StoreTarget target, Op op) {
        try (Location loc = target.create("r2-probe")) {
            setUp(loc, op);
            ObjectStore raw = loc.open();
            FaultInjectingStore counting = new FaultInjectingStore(raw);
            act(dyingProcess(counting, op), op).block(Workload.TIMEOUT);
            return counting.callCount();
        }
    }

    /** The id of the abandoned multipart upload the prune set-up leaves (not a key until completed), or 0. */
    private static long pendingUploadId(Op op) {
        return op == Op.PRUNE ? 5 : 0;
    }

    private static String diff(java.util.Collection<String> expected, java.util.Collection<String> actual) {
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        return "unexpected " + extra + ", missing " + missing;
    }

    private record Result(long version, boolean cleaned, boolean writable, boolean rolledForward, String problem) {
        static Result problem(String text) {
            return new Result(-1, false, false, false, text);
        }
    }

    private static Result crashAt(StoreTarget target, Op op, long k, boolean afterEffect) {
        try (Location loc = target.create("r2")) {
            setUp(loc, op);
            ObjectStore raw = loc.open();
            ObjectStore dying = new FaultInjectingStore(raw).crashAfter(k, afterEffect);
            Object outcome = act(dyingProcess(dying, op), op).map(x -> (Object) x).onErrorResume(e -> Mono.just(e))
                    .defaultIfEmpty("completed").block(Workload.TIMEOUT);
            if (outcome instanceof Throwable t && !(t instanceof CheckpointException)) {
                return Result.problem("the dying operation failed with " + t);
            }

            // What the crash left at checkpoint 2's manifest key, read with Jackson before anyone recovers.
            ObjectStore look = loc.open();
            long headBefore = StoredJson.pointer(look).id();
            String at2 = StoredJson.readIfPresent(look, StoredJson.manifestKey(2)).map(b -> StoredJson.format(b).orElse("unreadable")).orElse("nothing");
            Checkpointer recovered = Workload.builder(loc.open()).build();
            Checkpoint latest = recovered.latest().block(Workload.TIMEOUT);
            if (latest == null) {
                return Result.problem("no checkpoint after the crash");
            }
            long version = Workload.verify(latest);
            if (!allowed(op).contains(version)) {
                return Result.problem("latest() is version " + version + ", expected one of " + allowed(op));
            }
            // Protocol v2: a manifest prepared on the head is rolled forward by the next latest(), never withdrawn; an
            // abort marker (the save settled an unknown create) means it never commits; a delete leaves a tombstone.
            boolean rolledForward = false;
            if (op == Op.SAVE) {
                long expected = at2.equals(StoredJson.MANIFEST) ? 2 : 1;
                if (version != expected) {
                    return Result.problem("checkpoint 2's manifest key held " + at2 + " (head " + headBefore + "), yet latest() is version " + version);
                }
                rolledForward = at2.equals(StoredJson.MANIFEST) && headBefore == 1;
                if (rolledForward && StoredJson.pointer(look).id() != 2) {
                    return Result.problem("latest() returned the prepared checkpoint 2 but did not publish it: _latest is " + StoredJson.pointer(look));
                }
            } else if (op == Op.DELETE) {
                long expected = at2.equals(StoredJson.TOMBSTONE) ? 1 : at2.equals(StoredJson.MANIFEST) ? 2 : -1;
                if (version != expected) {
                    return Result.problem("checkpoint 2's manifest key held " + at2 + " after the crashed delete, yet latest() is version " + version);
                }
            }
            for (Manifest m : recovered.list().collectList().block(Workload.TIMEOUT)) {
                Workload.verify(recovered.load(m.id()).block(Workload.TIMEOUT)); // no half checkpoint anywhere
            }
            // Protocol v2: prune deletes garbage at or below the head only. Debris of a save that crashed above the head
            // stays (that save could still commit), until a later checkpoint's id passes it.
            long head = StoredJson.pointer(look).id();
            List<String> aboveBefore = loc.keys().stream().filter(key -> Workload.idOf(key) > head).toList();
            recovered.prune().block(Workload.TIMEOUT);
            Set<String> expectedNow = new TreeSet<>(Workload.referencedKeys(recovered, look));
            expectedNow.addAll(aboveBefore);
            boolean keptAbove = new TreeSet<>(loc.keys()).equals(expectedNow);
            if (!keptAbove) {
                return Result.problem("the first prune did not leave exactly the chain plus the debris above the head " + head + ": "
                        + diff(expectedNow, loc.keys()));
            }
            Workload.letTheStoreSecondPass(target, loc);
            Manifest next = recovered.save(Workload.snapshot(10)).block(Workload.TIMEOUT);
            boolean writable = Workload.verify(recovered.latest().block(Workload.TIMEOUT)) == 10
                    && recovered.latest().block(Workload.TIMEOUT).manifest().id().equals(next.id());
            // Pass the highest id that holds debris (or a pending upload), then prune: now it all goes.
            long debris = Math.max(Workload.highestId(loc.keys()), pendingUploadId(op));
            for (long v = 11; StoredJson.pointer(look).id() < debris && v < 20; v++) {
                recovered.save(Workload.snapshot(v)).block(Workload.TIMEOUT);
            }
            recovered.prune().block(Workload.TIMEOUT);
            boolean cleaned = new TreeSet<>(loc.keys()).equals(new TreeSet<>(Workload.referencedKeys(recovered, look)))
                    && loc.pendingUploads().orElse(0) == 0;
            if (!cleaned) {
                return Result.problem("prune after the head passed id " + debris + " left debris: "
                        + diff(Workload.referencedKeys(recovered, look), loc.keys()) + ", pending uploads " + loc.pendingUploads());
            }
            return new Result(version, cleaned, writable, rolledForward, null);
        } catch (AssertionError | RuntimeException e) {
            return Result.problem(e.toString());
        }
    }
}

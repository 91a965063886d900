package dev.checkpointer.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.spi.ObjectStore;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code verify URI [ID|latest|all]}: re-reads and hashes every artifact, and checks the chain and the pointer. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Re-read and SHA-256 check every artifact of checkpoints; check the chain and _latest.",
        description = {
            "Re-reads every partition of the checkpoint(s) and checks its size and SHA-256 against the manifest "
                    + "(whose own digest is checked first). Reports every problem, naming the partition, and exits 1 if "
                    + "there is any.",
            "With 'all' (the default), every committed checkpoint is verified: every member of the chain that _latest "
                    + "reaches by parent links, down to the oldest retained one. A chain member whose manifest is "
                    + "missing, unreadable or does not match the digest its child links it by is a failure, and so is "
                    + "an artifact that is missing or does not match. Beyond the chain, every file at a manifest key under "
                    + "checkpoints/ is read (the store is listed): manifests, tombstones and abort markers are told apart, "
                    + "and any that is none of these, or whose body SHA-256 does not hold (a flipped byte), fails verify "
                    + "(CORRUPT_METADATA, naming the key), even when the chain does not reach it.",
            "The pointer is checked too, whatever is verified: when _latest is missing or corrupt while checkpoints "
                    + "exist (reads then fall back to the newest chain that verifies, and saves are refused), verify "
                    + "fails (exit 1) and says so; 'checkpointer repair' fixes the pointer (stop every writer first). "
                    + "A location whose _latest is missing while checkpoint manifests exist is such a failure, not "
                    + "'nothing to verify'.",
            "Chunked partitions (incremental checkpoints) are verified chunk by chunk: every chunk object a verified "
                    + "checkpoint references is read and checked (stored size, then size and SHA-256 of its decompressed "
                    + "bytes), each object once however many checkpoints share it, and every missing or corrupt chunk is "
                    + "reported by its key (CHUNK_MISSING, CHUNK_CORRUPT; exit 1)."
        })
final class VerifyCommand implements Callable<Integer> {
    private static final int PARTITION_CONCURRENCY = 4;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location.")
    String uri = "";

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID|latest|all", defaultValue = "all",
            description = "What to verify (default: ${DEFAULT-VALUE}).")
    String target = "all";

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "Print JSON: {\"ok\", \"problems\": [{\"code\", \"message\"}], \"checkpoints\": [{\"id\", \"ok\", "
            + "\"partitions\", \"bytes\", \"failures\": [{\"operator\", \"partition\", \"code\", \"message\", \"chunk\"}]}], \"bytesVerified\"}; "
            + "\"chunk\" (the chunk's key) is present for the codes CHUNK_MISSING and CHUNK_CORRUPT; "
            + "\"problems\" are the location's own (codes POINTER_RECOVERED, POINTER_MISSING, POINTER_CORRUPT, CHAIN_BROKEN, "
            + "CORRUPT_METADATA); with 'all', \"stored\": {\"manifests\", \"tombstones\", \"aborts\", \"corrupt\"} counts the files at manifest keys.")
    boolean json;

    @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
            description = "Show progress on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, i.e. only on a terminal).")
    Progress.Mode progress = Progress.Mode.AUTO;

    /** Codes of failures that mean the data or metadata is bad (exit 1), as opposed to the store failing (exit 4). */
    static final Set<String> VERIFICATION_CODES = Set.of(Chunks.MISSING, Chunks.CORRUPT, "INTEGRITY", "CORRUPT_METADATA", "INCOMPATIBLE", "STORE_NOT_FOUND", "MANIFEST_MISSING");

    /** One failure; {@code operator} and {@code partition} are absent when the manifest itself failed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Failure(@Nullable String operator, @Nullable Integer partition, String code, String message,
            @Nullable String chunk) {
        Failure(@Nullable String operator, @Nullable Integer partition, String code, String message) {
            this(operator, partition, code, message, null);
        }

        static Failure of(@Nullable PartitionEntry e, Throwable error) {
            Throwable t = ExitCodes.unwrap(error);
            String code = t instanceof CheckpointException ce ? ce.code().name() : t.getClass().getSimpleName();
            return new Failure(e == null ? null : e.operator(), e == null ? null : e.partition(), code, ExitCodes.describe(t));
        }

        /** A chain member the library reported unreadable: a verification failure whatever the cause. */
        static Failure unreadable(CheckpointException error) {
            if (error.code() == ErrorCode.CHECKPOINT_NOT_FOUND) {
                return new Failure(null, null, "MANIFEST_MISSING", ExitCodes.describe(error));
            }
            return of(null, error);
        }

        boolean verification() {
            return VERIFICATION_CODES.contains(code);
        }

        String where() {
            return operator == null ? "manifest" : operator + "/" + partition;
        }
    }

    /** The outcome for one checkpoint. */
    record Result(long id, boolean ok, int partitions, long bytes, List<Failure> failures) {}

    /**
     * A problem of the location itself rather than of one checkpoint.
     *
     * @param code {@code POINTER_RECOVERED} (reads had to recover a missing or corrupt {@code _latest}),
     *     {@code POINTER_MISSING} ({@code _latest} is missing while checkpoint manifests exist, and reads see none),
     *     {@code POINTER_CORRUPT} ({@code _latest} as stored is not a pointer or its digest does not hold),
     *     {@code CHAIN_BROKEN} (the chain cannot be followed below two consecutive unreadable members), or
     *     {@code CORRUPT_METADATA} (a file at a manifest key that no verified checkpoint accounts for is corrupt; the
     *     message names its key)
     * @param message what it means
     */
    record Problem(String code, String message) {}

    /**
     * What the files at manifest keys are (with {@code all}).
     *
     * @param manifests manifests, committed or not
     * @param tombstones tombstones
     * @param aborts abort markers
     * @param corrupt files that are none of these or do not verify
     */
    record Stored(int manifests, int tombstones, int aborts, int corrupt) {}

    /** The JSON document; {@code stored} is absent unless 'all' was verified. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Report(boolean ok, List<Problem> problems, List<Result> checkpoints, long bytesVerified, @Nullable Stored stored) {}

    @Override
    public Integer call() {
        Target t = Target.parse(target, true);
        PrintWriter out = spec.commandLine().getOut();
        ChainWatch watch = new ChainWatch();
        List<Result> results = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        long verifiedBytes;
        Stored stored = null;
        try (Location location = store.location(uri); Checkpointer cp = location.builder().listener(watch).build()) {
            Map<Long, Result> unreadable = new TreeMap<>();
            List<Checkpoint> checkpoints = new ArrayList<>();
            List<Long> listedIds = new ArrayList<>();
            List<CheckpointId> notLoaded = new ArrayList<>();
            CheckpointException notFound = null;
            if (t.all()) {
                for (Manifest m : cp.list().collectList().blockOptional().orElse(List.of())) {
                    CheckpointId id = Objects.requireNonNull(m.id());
                    listedIds.add(id.value());
                    try {
                        checkpoints.add(Objects.requireNonNull(cp.load(id).block()));
                    } catch (RuntimeException e) {
                        if (ExitCodes.of(e) == ExitCodes.NOT_FOUND) {
                            notLoaded.add(id); // deleted since it was listed, or (below) the pointer is lost
                        } else {
                            unreadable.put(id.value(), failed(id, e));
                        }
                    }
                }
            } else {
                try {
                    checkpoints.add(t.load(cp, uri));
                } catch (CheckpointException e) {
                    if (e.code() != ErrorCode.CHECKPOINT_NOT_FOUND) {
                        throw e;
                    }
                    if (t.id() != null) {
                        notLoaded.add(t.id());
                    }
                    notFound = e; // exit 3, unless the pointer explains it (below)
                }
            }
            problems.addAll(pointerProblems(location, cp, watch));
            if (!problems.isEmpty() && !notLoaded.isEmpty()) {
                // With _latest lost, load(id) may not find what list() recovered: verify what latest() returns, and
                // say which checkpoints could not be verified.
                Checkpoint newest = cp.latest().onErrorResume(e -> Mono.empty()).block();
                for (CheckpointId id : notLoaded) {
                    if (newest != null && id.equals(newest.manifest().id())) {
                        checkpoints.add(newest);
                    } else {
                        unreadable.put(id.value(), new Result(id.value(), false, 0, 0, List.of(new Failure(null, null, "NOT_VERIFIED",
                                "checkpoint " + id + " cannot be loaded while " + Location.POINTER + " is lost (see above): not verified"))));
                    }
                }
            } else if (notFound != null && problems.isEmpty()) {
                throw notFound;
            }
            long total = checkpoints.stream().mapToLong(c -> c.manifest().totalBytes()).sum();
            Progress bar = Progress.start("verify", total, progress, spec.commandLine().getErr());
            ChunkChecks chunkChecks = new ChunkChecks(location.store());
            for (Checkpoint c : checkpoints) {
                Result r = verify(cp, c, bar, chunkChecks);
                if (r != null) {
                    results.add(r);
                }
            }
            bar.finish();
            verifiedBytes = bar.done();
            watch.corrupt().forEach((id, e) -> unreadable.putIfAbsent(id.value(), new Result(id.value(), false, 0, 0, List.of(Failure.unreadable(e)))));
            if (t.all()) {
                chainBreak(location, listedIds, watch).ifPresent(problems::add);
            }
            results.addAll(unreadable.values());
            Set<Long> failing = results.stream().filter(r -> !r.ok()).map(Result::id).collect(Collectors.toSet());
            if (t.all()) {
                Location.Scan scan = location.scanManifests();
                stored = new Stored(scan.manifests(), scan.tombstones(), scan.aborts(), scan.corrupt().size());
                scan.corrupt().stream().filter(c -> !failing.contains(c.id()))
                        .forEach(c -> problems.add(new Problem("CORRUPT_METADATA", c.key() + ": " + c.reason())));
            }
            if (problems.stream().noneMatch(p -> p.code().startsWith("POINTER_"))) {
                location.pointerCorruption().ifPresent(c -> problems.add(new Problem("POINTER_CORRUPT", c.key() + ": " + c.reason())));
            }
        }
        results.sort((a, b) -> Long.compare(a.id(), b.id()));
        boolean ok = problems.isEmpty() && results.stream().allMatch(Result::ok);
        if (json) {
            Json.print(out, new Report(ok, problems, results, verifiedBytes, stored));
        } else {
            print(out, problems, results, verifiedBytes, stored);
        }
        if (ok) {
            return ExitCodes.OK;
        }
        boolean verificationFailure = !problems.isEmpty()
                || results.stream().flatMap(r -> r.failures().stream()).anyMatch(Failure::verification);
        return verificationFailure ? ExitCodes.VERIFICATION_FAILED : ExitCodes.STORE_OR_OTHER;
    }

    /**
     * What is wrong with {@code _latest}: a recovery the library reported while reading, or (which the library does
     * not report when no manifest names a parent) a pointer that is missing while checkpoint manifests exist.
     */
    static List<Problem> pointerProblems(Location location, Checkpointer cp, ChainWatch watch) {
        if (watch.recovery() == null && location.read(Location.POINTER).isEmpty()) {
            // Not every read recovers a missing pointer (load(id) does not); list() does, and says so.
            cp.list().then().onErrorResume(e -> Mono.empty()).block();
        }
        ChainWatch.Recovery recovery = watch.recovery();
        if (recovery != null) {
            return List.of(new Problem("POINTER_RECOVERED", ChainWatch.describe(recovery)));
        }
        List<CheckpointId> orphaned = location.manifestsWithoutPointer();
        if (!orphaned.isEmpty()) {
            return List.of(new Problem("POINTER_MISSING", Location.POINTER + " is missing but " + orphaned.size()
                    + (orphaned.size() == 1 ? " checkpoint manifest exists" : " checkpoint manifests exist") + " (" + ids(orphaned)
                    + "): reads see no checkpoint at all, and the next save starts a new chain that leaves them behind. "
                    + "Either the pointer was lost, or the location's first save crashed before it committed; inspect the "
                    + "files before saving here again"));
        }
        return List.of();
    }

    /**
     * The chain steps over one unreadable member (through the grandparent link its child carries), not two: when
     * the walk ended at an unreadable member while manifests exist below it (at or above the pointer's floor), the
     * members down there could not be verified, nor even told committed.
     */
    private static Optional<Problem> chainBreak(Location location, List<Long> listedIds, ChainWatch watch) {
        if (watch.corrupt().isEmpty()) {
            return Optional.empty();
        }
        long lowestCorrupt = watch.corrupt().keySet().iterator().next().value();
        long lowestListed = listedIds.stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        if (lowestListed < lowestCorrupt) {
            return Optional.empty();
        }
        long floor = Math.max(1, location.pointerFloor().orElse(1L));
        List<CheckpointId> below = location.manifestIds().stream()
                .filter(id -> id.value() >= floor && id.value() < lowestCorrupt)
                .toList();
        if (below.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Problem("CHAIN_BROKEN", "the chain cannot be followed below checkpoint " + lowestCorrupt
                + " (unreadable): " + below.size() + (below.size() == 1 ? " manifest" : " manifests") + " below it (" + ids(below)
                + ") cannot be reached from " + Location.POINTER + ", so none of them was verified"));
    }

    private static String ids(List<CheckpointId> ids) {
        int shown = Math.min(ids.size(), 10);
        String list = ids.subList(0, shown).stream().map(String::valueOf).collect(Collectors.joining(", "));
        return (ids.size() == 1 ? "id " : "ids ") + list + (shown < ids.size() ? ", … " + ids.get(ids.size() - 1) : "");
    }

    /**
     * Streams every partition through the library (each verified at its end); see
     * {@link #verify(Checkpointer, Checkpoint, Progress, ChunkChecks)}.
     */
    static @Nullable Result verify(Checkpointer cp, Checkpoint c, Progress bar) {
        return verify(cp, c, bar, null);
    }

    /**
     * Verifies every partition and collects every failure. Partitions that are not chunked are streamed through the
     * library (verified at their end). A chunked partition is verified chunk by chunk ({@code chunks}, when given):
     * every chunk object is read and checked against its reference (stored size, then size and SHA-256 of its
     * decoded bytes), each distinct object once per run however many checkpoints share it, and every bad chunk is
     * reported by its key; the library checked, when it loaded the manifest, that the partition's SHA-256 is the digest
     * of its chunks' digests, so verified chunks make a verified partition. An artifact or chunk that is gone is a
     * failure while the checkpoint is still committed; when the checkpoint itself was deleted meanwhile (the library
     * says so the same way), it is no longer verified: null.
     */
    static @Nullable Result verify(Checkpointer cp, Checkpoint c, Progress bar, @Nullable ChunkChecks chunks) {
        Manifest m = c.manifest();
        CheckpointId id = Objects.requireNonNull(m.id());
        List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
        Flux.fromIterable(m.partitions())
                .flatMap(e -> chunks != null && e.isChunked() ? chunks.verify(e, failures, bar)
                        : c.stream(e.operator(), e.partition())
                        .doOnNext(b -> bar.add(b.remaining()))
                        .then()
                        .onErrorResume(err -> {
                            failures.add(Failure.of(e, err));
                            return Mono.empty();
                        }), PARTITION_CONCURRENCY)
                .blockLast();
        List<Failure> sorted = new ArrayList<>();
        boolean stillCommitted = true;
        for (Failure f : failures) {
            boolean missing = f.code().equals(ErrorCode.CHECKPOINT_NOT_FOUND.name()) || f.code().equals(Chunks.MISSING);
            if (!missing) {
                sorted.add(f);
                continue;
            }
            stillCommitted = stillCommitted && isCommitted(cp, id);
            if (stillCommitted && f.chunk() != null) {
                sorted.add(new Failure(f.operator(), f.partition(), f.code(), f.message() + ", yet checkpoint " + id + " is still committed", f.chunk()));
            } else if (stillCommitted) {
                String key = m.partition(Objects.requireNonNull(f.operator()), Objects.requireNonNull(f.partition()))
                        .map(PartitionEntry::key).orElse("?");
                sorted.add(new Failure(f.operator(), f.partition(), ErrorCode.STORE_NOT_FOUND.name(),
                        "artifact '" + key + "' is missing, yet checkpoint " + id + " is still committed"));
            }
        }
        if (!stillCommitted) {
            return null;
        }
        sorted.sort(java.util.Comparator.comparing(Failure::where).thenComparing(f -> String.valueOf(f.chunk())));
        return new Result(id.value(), sorted.isEmpty(), m.partitions().size(), m.totalBytes(), List.copyOf(sorted));
    }

    /**
     * Chunk checks of one verify run: each distinct chunk object is read and checked once, whichever checkpoints and
     * partitions reference it.
     */
    static final class ChunkChecks {
        private static final int CONCURRENCY = 8;
        private final ObjectStore store;
        private final Map<String, Mono<Chunks.Problem>> done = new java.util.concurrent.ConcurrentHashMap<>();

        ChunkChecks(ObjectStore store) {
            this.store = store;
        }

        /** Checks every chunk of a chunked entry, adding a failure per bad chunk (once per distinct key). */
        Mono<Void> verify(PartitionEntry e, List<Failure> failures, Progress bar) {
            return Flux.fromIterable(Chunks.distinct(e.chunks()))
                    .flatMap(ref -> done.computeIfAbsent(ref.key() + "|" + ref.size() + "|" + ref.storedSize() + "|" + ref.codec() + "|" + ref.sha256(),
                                    k -> Chunks.check(store, ref).cache())
                            .doOnNext(p -> {
                                bar.add(ref.size());
                                if (!p.ok()) {
                                    failures.add(new Failure(e.operator(), e.partition(), p.code(), p.message(), p.key()));
                                }
                            })
                            .onErrorResume(err -> {
                                failures.add(Failure.of(e, err));
                                return Mono.empty();
                            }), CONCURRENCY)
                    .then();
        }
    }

    private static boolean isCommitted(Checkpointer cp, CheckpointId id) {
        try {
            cp.load(id).block();
            return true;
        } catch (RuntimeException e) {
            if (ExitCodes.of(e) == ExitCodes.NOT_FOUND) {
                return false;
            }
            return true; // unreadable now: still a chain member, reported as such
        }
    }

    private static Result failed(CheckpointId id, Throwable e) {
        Throwable t = ExitCodes.unwrap(e);
        Failure f = t instanceof CheckpointException ce ? Failure.unreadable(ce) : Failure.of(null, t);
        return new Result(id.value(), false, 0, 0, List.of(f));
    }

    private void print(PrintWriter out, List<Problem> problems, List<Result> results, long verifiedBytes, @Nullable Stored stored) {
        for (Problem p : problems) {
            out.println("location " + Format.location(uri) + "  FAILED  " + p.code() + ": " + p.message());
        }
        if (stored != null) {
            out.println("files at manifest keys: " + stored.manifests() + " manifest(s), " + stored.tombstones() + " tombstone(s), "
                    + stored.aborts() + " abort marker(s), " + stored.corrupt() + " corrupt");
        }
        if (results.isEmpty()) {
            out.println(problems.isEmpty() ? "no checkpoints at " + Format.location(uri) + ": nothing to verify"
                    : "no checkpoint could be verified at " + Format.location(uri) + ": FAILED");
            out.flush();
            return;
        }
        int partitions = 0;
        int failed = 0;
        for (Result r : results) {
            partitions += r.partitions();
            if (r.ok()) {
                out.println("checkpoint " + r.id() + "  OK      " + r.partitions() + (r.partitions() == 1 ? " partition, " : " partitions, ")
                        + Format.bytes(r.bytes()));
            } else {
                failed++;
                out.println("checkpoint " + r.id() + "  FAILED  " + r.failures().size() + (r.failures().size() == 1 ? " problem" : " problems"));
                for (Failure f : r.failures()) {
                    out.println("  " + f.where() + ": " + f.message());
                }
            }
        }
        String verdict = failed == 0 && problems.isEmpty() ? "all OK"
                : (failed == 0 ? "checkpoints OK" : failed + " FAILED") + (problems.isEmpty() ? "" : ", location FAILED (see above)");
        out.println("verified " + results.size() + (results.size() == 1 ? " checkpoint, " : " checkpoints, ") + partitions + " partitions, "
                + Format.bytes(verifiedBytes) + " read: " + verdict);
        out.flush();
    }
}

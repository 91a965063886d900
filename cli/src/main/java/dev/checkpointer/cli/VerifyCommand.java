package dev.checkpointer.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code verify URI [ID|latest|all]}: re-reads and hashes every artifact. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Re-read and SHA-256 check every artifact of checkpoints.",
        description = {
            "Re-reads every partition of the checkpoint(s) and checks its size and SHA-256 against the manifest "
                    + "(whose own digest is checked first). Reports every failure, naming the partition, and exits 1 if "
                    + "there is any.",
            "With 'all', manifests that cannot be read are reported too (between the oldest and the newest checkpoint, "
                    + "and the newest itself)."
        })
final class VerifyCommand implements Callable<Integer> {
    /** Gaps in the id sequence longer than this are not probed for unreadable manifests. */
    static final int MAX_GAP_PROBES = 10_000;
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

    @Option(names = "--json", description = "Print JSON: {\"ok\", \"checkpoints\": [{\"id\", \"ok\", \"partitions\", \"bytes\", \"failures\": [{\"operator\", \"partition\", \"code\", \"message\"}]}], \"bytesVerified\"}.")
    boolean json;

    @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
            description = "Show progress on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, i.e. only on a terminal).")
    Progress.Mode progress = Progress.Mode.AUTO;

    /** One failure; {@code operator} and {@code partition} are absent when the manifest itself failed. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Failure(@Nullable String operator, @Nullable Integer partition, String code, String message) {
        static Failure of(@Nullable PartitionEntry e, Throwable error) {
            Throwable t = ExitCodes.unwrap(error);
            String code = t instanceof CheckpointException ce ? ce.code().name() : t.getClass().getSimpleName();
            return new Failure(e == null ? null : e.operator(), e == null ? null : e.partition(), code, ExitCodes.describe(t));
        }

        boolean verification() {
            return switch (code) {
                case "INTEGRITY", "CORRUPT_METADATA", "INCOMPATIBLE", "STORE_NOT_FOUND" -> true;
                default -> false;
            };
        }

        String where() {
            return operator == null ? "manifest" : operator + "/" + partition;
        }
    }

    /** The outcome for one checkpoint. */
    record Result(long id, boolean ok, int partitions, long bytes, List<Failure> failures) {}

    /** The JSON document. */
    record Report(boolean ok, List<Result> checkpoints, long bytesVerified) {}

    @Override
    public Integer call() {
        Target t = Target.parse(target, true);
        PrintWriter out = spec.commandLine().getOut();
        Map<CheckpointId, CheckpointException> corrupt = new ConcurrentHashMap<>();
        CheckpointListener passedOver = new CheckpointListener() {
            @Override
            public void onCorruptCheckpoint(CheckpointId id, CheckpointException error) {
                corrupt.putIfAbsent(id, error);
            }
        };
        List<Result> results = new ArrayList<>();
        long verifiedBytes;
        try (Checkpointer cp = store.builder(uri).listener(passedOver).build()) {
            Map<Long, Result> unreadable = new TreeMap<>();
            List<Checkpoint> checkpoints = new ArrayList<>();
            if (t.all()) {
                List<Manifest> listed = cp.list().collectList().blockOptional().orElse(List.of());
                for (Manifest m : listed) {
                    try {
                        checkpoints.add(Objects.requireNonNull(cp.load(Objects.requireNonNull(m.id())).block()));
                    } catch (RuntimeException e) {
                        if (ExitCodes.of(e) != ExitCodes.NOT_FOUND) { // else deleted since it was listed
                            unreadable.put(Objects.requireNonNull(m.id()).value(), failed(Objects.requireNonNull(m.id()), e));
                        }
                    }
                }
                probeGaps(cp, listed, unreadable);
                // latest() reports a newest checkpoint that cannot be trusted to the listener, which list() skips.
                cp.latest().onErrorResume(e -> Mono.empty()).block();
                corrupt.forEach((id, e) -> unreadable.putIfAbsent(id.value(), failed(id, e)));
            } else {
                checkpoints.add(t.load(cp, uri));
            }
            long total = checkpoints.stream().mapToLong(c -> c.manifest().totalBytes()).sum();
            Progress bar = Progress.start("verify", total, progress, spec.commandLine().getErr());
            for (Checkpoint c : checkpoints) {
                results.add(verify(c, bar));
            }
            bar.finish();
            verifiedBytes = bar.done();
            results.addAll(unreadable.values());
        }
        results.sort((a, b) -> Long.compare(a.id(), b.id()));
        boolean ok = results.stream().allMatch(Result::ok);
        if (json) {
            Json.print(out, new Report(ok, results, verifiedBytes));
        } else {
            print(out, results, verifiedBytes);
        }
        if (ok) {
            return ExitCodes.OK;
        }
        boolean verificationFailure = results.stream().flatMap(r -> r.failures().stream()).anyMatch(Failure::verification);
        return verificationFailure ? ExitCodes.VERIFICATION_FAILED : ExitCodes.STORE_OR_OTHER;
    }

    /** Streams every partition (each verified by the library at its end) and collects every failure. */
    static Result verify(Checkpoint c, Progress bar) {
        Manifest m = c.manifest();
        List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
        Flux.fromIterable(m.partitions())
                .flatMap(e -> c.stream(e.operator(), e.partition())
                        .doOnNext(b -> bar.add(b.remaining()))
                        .then()
                        .onErrorResume(err -> {
                            failures.add(Failure.of(e, err));
                            return Mono.empty();
                        }), PARTITION_CONCURRENCY)
                .blockLast();
        List<Failure> sorted = new ArrayList<>(failures);
        sorted.sort((a, b) -> a.where().compareTo(b.where()));
        return new Result(Objects.requireNonNull(m.id()).value(), sorted.isEmpty(), m.partitions().size(), m.totalBytes(), List.copyOf(sorted));
    }

    private static Result failed(CheckpointId id, Throwable e) {
        return new Result(id.value(), false, 0, 0, List.of(Failure.of(null, e)));
    }

    /** Ids missing from the listing between two listed ones: deleted (fine) or unreadable (reported). */
    private static void probeGaps(Checkpointer cp, List<Manifest> listed, Map<Long, Result> unreadable) {
        int probes = 0;
        for (int i = 1; i < listed.size(); i++) {
            long from = Objects.requireNonNull(listed.get(i - 1).id()).value() + 1;
            long to = Objects.requireNonNull(listed.get(i).id()).value();
            for (long id = from; id < to && probes < MAX_GAP_PROBES; id++, probes++) {
                CheckpointId cid = CheckpointId.of(id);
                try {
                    cp.load(cid).block();
                } catch (RuntimeException e) {
                    if (ExitCodes.of(e) != ExitCodes.NOT_FOUND) {
                        unreadable.put(id, failed(cid, e));
                    }
                }
            }
        }
    }

    private void print(PrintWriter out, List<Result> results, long verifiedBytes) {
        if (results.isEmpty()) {
            out.println("no checkpoints at " + Format.location(uri) + ": nothing to verify");
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
        out.println("verified " + results.size() + (results.size() == 1 ? " checkpoint, " : " checkpoints, ") + partitions + " partitions, "
                + Format.bytes(verifiedBytes) + " read: " + (failed == 0 ? "all OK" : failed + " FAILED"));
        out.flush();
    }
}

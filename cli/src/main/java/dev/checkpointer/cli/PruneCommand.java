package dev.checkpointer.cli;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Retention;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code prune URI --keep N [--grace D]}: retention plus the orphan sweep. */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Keep the newest N checkpoints and sweep debris.",
        description = {
            "Deletes all but the newest N checkpoints (--keep), then sweeps garbage older than the grace period: "
                    + "everything under ids below the oldest retained checkpoint, and everything under ids up to the "
                    + "newest checkpoint that no committed checkpoint references (debris of saves that lost, crashed or "
                    + "were aborted, abort markers, reservations), plus store-level debris there such as temp files and "
                    + "incomplete multipart uploads.",
            "Debris above the newest checkpoint is kept: a save still in progress may need it. It is swept by a later "
                    + "prune, once a later checkpoint has passed its id.",
            "Without --keep, only garbage is removed. The newest checkpoint is always kept.",
            "With --dry-run, the same prune runs against a copy-on-write view of the store: it prints what would be "
                    + "deleted (checkpoints, orphaned objects, bytes) and changes nothing. Temp files and incomplete "
                    + "uploads are not previewed.",
            "Chunks of incremental checkpoints (chunks/...) are garbage-collected by reachability: retention deletes the "
                    + "chunks only the deleted checkpoints referenced, and the sweep deletes any chunk no remaining checkpoint "
                    + "references, never one written above the newest checkpoint. Both are listed (with --dry-run, every key)."
        })
final class PruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location.")
    String uri = "";

    @Option(names = "--keep", paramLabel = "N", description = "Keep the newest N checkpoints (N >= 1) and delete the older ones.")
    @Nullable Integer keep;

    @Option(names = "--grace", paramLabel = "DURATION",
            description = "Only sweep garbage older than this (e.g. 30m, 2h, 0; default 1h), measured on the store's clock. "
                    + "It only delays sweeping, for inspection: what a save in progress needs lies above the newest "
                    + "checkpoint, where prune never deletes.")
    @Nullable Duration grace;

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "Print JSON: {\"deletedCheckpoints\": [ids, ascending], \"deletedOrphans\": [keys], \"deletedChunks\": [keys], "
            + "\"cleanedIncomplete\": [keys], \"bytesFreed\", \"dryRun\"}; \"deletedChunks\" are the chunk objects (chunks/...) gone, "
            + "whether retention or the sweep removed them.")
    boolean json;

    @Option(names = "--dry-run", description = "Print what would be deleted; delete nothing.")
    boolean dryRun;

    /**
     * The JSON document.
     *
     * @param deletedCheckpoints checkpoints deleted by retention, ascending
     * @param deletedOrphans keys of garbage swept
     * @param deletedChunks keys of chunk objects removed ({@code chunks/...}): those only deleted checkpoints
     *     referenced, and chunk garbage the sweep found, ascending
     * @param cleanedIncomplete store-level debris cleaned (temp files, incomplete multipart uploads)
     * @param bytesFreed bytes removed
     * @param dryRun true when nothing was deleted: the lists say what would have been
     */
    record Pruned(List<Long> deletedCheckpoints, List<String> deletedOrphans, List<String> deletedChunks, List<String> cleanedIncomplete,
            long bytesFreed, boolean dryRun) {
        static Pruned of(PruneReport r, Collection<String> chunksGone, long bytesFreed, boolean dryRun) {
            Set<String> chunks = new TreeSet<>(chunksGone);
            r.deletedOrphans().stream().filter(k -> k.startsWith(ChunkRef.AREA)).forEach(chunks::add);
            return new Pruned(r.deletedCheckpoints().stream().map(CheckpointId::value).sorted().toList(),
                    r.deletedOrphans().stream().sorted().toList(), List.copyOf(chunks), r.cleanedIncomplete().stream().sorted().toList(),
                    bytesFreed, dryRun);
        }
    }

    @Override
    public Integer call() {
        if (keep != null && keep < 1) {
            throw new InvalidInputException("--keep must be at least 1 (the newest checkpoint is always kept), got " + keep);
        }
        PruneReport report;
        long freed;
        List<String> chunksGone;
        try (Location location = store.location(uri)) {
            DryRunStore view = dryRun ? new DryRunStore(location.store()) : null;
            CheckpointerBuilder b = view == null ? location.builder() : Checkpointer.builder().store(view);
            if (keep != null) {
                b.retention(Retention.keepLast(keep));
            }
            if (grace != null) {
                b.orphanGracePeriod(grace);
            }
            try (Checkpointer cp = b.build()) {
                // The bytes freed are measured on the store (what was listed before and is gone after): the library's
                // own figure leaves out what retention deleted.
                Map<String, Long> before = new LinkedHashMap<>(location.sizes());
                before.putAll(location.sizes(ChunkRef.AREA));
                report = Objects.requireNonNull(cp.prune().block());
                long gone;
                Set<String> goneKeys;
                if (view == null) {
                    Map<String, Long> after = new LinkedHashMap<>(location.sizes());
                    after.putAll(location.sizes(ChunkRef.AREA));
                    goneKeys = before.keySet().stream().filter(k -> !after.containsKey(k)).collect(Collectors.toSet());
                } else {
                    goneKeys = Set.copyOf(view.deletedKeys());
                }
                gone = goneKeys.stream().mapToLong(k -> before.getOrDefault(k, 0L)).sum();
                chunksGone = goneKeys.stream().filter(k -> k.startsWith(ChunkRef.AREA)).toList();
                freed = Math.max(report.bytesFreed(), gone);
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        Pruned pruned = Pruned.of(report, chunksGone, freed, dryRun);
        if (json) {
            Json.print(out, pruned);
            return ExitCodes.OK;
        }
        int n = pruned.deletedCheckpoints().size();
        String would = dryRun ? "would have " : "";
        if (dryRun) {
            out.println("dry run: nothing is deleted; this is what prune would do");
        }
        out.println(would + "deleted " + n + (n == 1 ? " checkpoint" : " checkpoints")
                + (n == 0 ? "" : " (" + pruned.deletedCheckpoints().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")"));
        out.println(would + "swept " + pruned.deletedOrphans().size() + " orphaned artifact(s) and " + pruned.cleanedIncomplete().size()
                + " incomplete upload(s) or temp file(s)");
        if (dryRun) {
            pruned.deletedOrphans().stream().filter(k -> !k.startsWith(ChunkRef.AREA)).forEach(k -> out.println("  orphan " + k));
        }
        if (!pruned.deletedChunks().isEmpty() || dryRun) {
            out.println(would + "deleted " + pruned.deletedChunks().size() + " chunk object(s) no remaining checkpoint references");
        }
        if (dryRun) {
            pruned.deletedChunks().forEach(k -> out.println("  chunk " + k));
        }
        out.println(would + "freed " + Format.bytes(pruned.bytesFreed()) + " at " + Format.location(uri));
        out.flush();
        return ExitCodes.OK;
    }
}

package dev.checkpointer.cli;

import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Retention;
import java.io.PrintWriter;
import java.time.Duration;
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
            "Deletes all but the newest N checkpoints (--keep), then sweeps artifacts that no manifest references "
                    + "and that are older than the grace period (debris of crashed or aborted saves), and store-level "
                    + "debris such as temp files and incomplete multipart uploads.",
            "Without --keep, only debris is removed. The newest checkpoint is always kept."
        })
final class PruneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location.")
    String uri = "";

    @Option(names = "--keep", paramLabel = "N", description = "Keep the newest N checkpoints (N >= 1) and delete the older ones.")
    @Nullable Integer keep;

    @Option(names = "--grace", paramLabel = "DURATION",
            description = "Only sweep unreferenced artifacts older than this (e.g. 30m, 2h, 0; default 1h). Keep it longer "
                    + "than your slowest save so that a save in progress elsewhere is never swept.")
    @Nullable Duration grace;

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "Print JSON: {\"deletedCheckpoints\", \"deletedOrphans\", \"cleanedIncomplete\", \"bytesFreed\"}.")
    boolean json;

    @Override
    public Integer call() {
        CheckpointerBuilder b = store.builder(uri);
        if (keep != null) {
            if (keep < 1) {
                throw new InvalidInputException("--keep must be at least 1 (the newest checkpoint is always kept), got " + keep);
            }
            b.retention(Retention.keepLast(keep));
        }
        if (grace != null) {
            b.orphanGracePeriod(grace);
        }
        PruneReport report;
        try (Checkpointer cp = b.build()) {
            report = Objects.requireNonNull(cp.prune().block());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Json.print(out, report);
            return ExitCodes.OK;
        }
        int n = report.deletedCheckpoints().size();
        out.println("deleted " + n + (n == 1 ? " checkpoint" : " checkpoints")
                + (n == 0 ? "" : " (" + report.deletedCheckpoints().stream().map(String::valueOf).collect(Collectors.joining(", ")) + ")"));
        out.println("swept " + report.deletedOrphans().size() + " orphaned artifact(s) and " + report.cleanedIncomplete().size()
                + " incomplete upload(s) or temp file(s)");
        out.println("freed " + Format.bytes(report.bytesFreed()) + " at " + Format.location(uri));
        out.flush();
        return ExitCodes.OK;
    }
}

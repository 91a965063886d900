package dev.checkpointer.cli;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Mono;

/** {@code delete URI ID|latest [--dry-run]}: removes one checkpoint. */
@Command(name = "delete", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Delete one checkpoint.",
        description = {
            "Deletes one committed checkpoint: its manifest is replaced by a tombstone (so the chain of committed "
                    + "checkpoints stays whole and the id can never be committed again), then its artifacts are removed. "
                    + "A checkpoint whose manifest is corrupt is deleted too. Exits 3, deleting nothing, when there is "
                    + "no such checkpoint.",
            "Deleting the newest checkpoint makes 'latest' resolve to the one before it; the pointer _latest itself "
                    + "never moves back (it keeps naming the deleted id, and the next save continues above it).",
            "With --dry-run, prints the checkpoint and the objects that would be deleted, and changes nothing."
        })
final class DeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location.")
    String uri = "";

    @Parameters(index = "1", paramLabel = "ID|latest", description = "The checkpoint id, or 'latest' for the newest.")
    String target = "";

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--dry-run", description = "Print what would be deleted; delete nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        Target t = Target.parse(target, false);
        PrintWriter out = spec.commandLine().getOut();
        try (Location location = store.location(uri); Checkpointer cp = location.builder().build()) {
            CheckpointId id = t.latest() ? Objects.requireNonNull(t.load(cp, uri).manifest().id()) : Objects.requireNonNull(t.id());
            // A corrupt manifest still marks a checkpoint that exists (and should be deletable).
            boolean exists = Boolean.TRUE.equals(cp.load(id).map(c -> true)
                    .onErrorResume(e -> ExitCodes.of(e) == ExitCodes.VERIFICATION_FAILED, e -> Mono.just(true))
                    .onErrorResume(e -> ExitCodes.unwrap(e) instanceof CheckpointException ce && ce.code() == ErrorCode.CHECKPOINT_NOT_FOUND,
                            e -> Mono.just(false))
                    .block());
            if (!exists) {
                throw new CheckpointException(ErrorCode.CHECKPOINT_NOT_FOUND,
                        "no checkpoint " + id + " at " + Format.location(uri) + "; nothing deleted");
            }
            if (dryRun) {
                Map<String, Long> objects = location.sizes(Location.CHECKPOINTS + id.padded() + "/");
                long bytes = objects.values().stream().mapToLong(Long::longValue).sum();
                out.println("dry run: would delete checkpoint " + id + " from " + Format.location(uri) + ": its manifest becomes a "
                        + "tombstone and " + (objects.size() - 1) + " other object(s) (" + Format.bytes(bytes) + " in all) are removed:");
                objects.keySet().forEach(k -> out.println("  " + k));
                out.println("nothing was deleted (--dry-run)");
                out.flush();
                return ExitCodes.OK;
            }
            cp.delete(id).block();
            out.println("deleted checkpoint " + id + " from " + Format.location(uri));
            Checkpoint now = cp.latest().block();
            CheckpointId latest = now == null ? null : now.manifest().id();
            if (latest == null || latest.compareTo(id) < 0) {
                // It was the newest: reads go back to the one before it, the pointer does not.
                out.println("checkpoint " + id + " was the newest: 'latest' now resolves to "
                        + (latest == null ? "no checkpoint (none remains)" : "checkpoint " + latest + ", the one before it")
                        + ". The pointer never moves back: " + Location.POINTER + " still names " + id
                        + " as its head, and the next save gets a higher id.");
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}

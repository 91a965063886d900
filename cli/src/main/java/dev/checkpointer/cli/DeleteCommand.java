package dev.checkpointer.cli;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Mono;

/** {@code delete URI ID}: removes one checkpoint. */
@Command(name = "delete", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Delete one checkpoint.",
        description = "Deletes one checkpoint: its manifest first (so it stops being committed), then its artifacts. "
                + "A checkpoint whose manifest is corrupt is deleted too. Exits 3, deleting nothing, when there is no "
                + "such checkpoint. Deleting the newest checkpoint makes the one before it the latest.")
final class DeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location.")
    String uri = "";

    @Parameters(index = "1", paramLabel = "ID", description = "The checkpoint id.")
    CheckpointId id = CheckpointId.of(1);

    @Mixin
    StoreOptions store = new StoreOptions();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (Checkpointer cp = store.open(uri)) {
            // A corrupt manifest still marks a checkpoint that exists (and should be deletable).
            boolean exists = Boolean.TRUE.equals(cp.load(id).map(c -> true)
                    .onErrorResume(e -> ExitCodes.of(e) == ExitCodes.VERIFICATION_FAILED, e -> Mono.just(true))
                    .onErrorResume(e -> ExitCodes.of(e) == ExitCodes.NOT_FOUND, e -> Mono.just(false))
                    .block());
            if (!exists) {
                throw new CheckpointException(ErrorCode.CHECKPOINT_NOT_FOUND,
                        "no checkpoint " + id + " at " + Format.location(uri) + "; nothing deleted");
            }
            cp.delete(id).block();
        }
        out.println("deleted checkpoint " + id + " from " + Format.location(uri));
        out.flush();
        return ExitCodes.OK;
    }
}

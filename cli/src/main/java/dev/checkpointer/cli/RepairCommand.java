package dev.checkpointer.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Mono;

/** {@code repair URI}: rewrites a missing or corrupt {@code _latest} from the manifests. */
@Command(name = "repair", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Repair a missing or corrupt _latest pointer. Stop every writer first.",
        description = {
            "Repairs the pointer _latest when it is missing or corrupt while checkpoints exist. Until then reads fall "
                    + "back to the chain recovered from the manifests (and 'verify' fails), and every save is refused. "
                    + "The repair runs Checkpointer.repairPointer(): the newest checkpoint of the highest epoch whose "
                    + "parent chain verifies and whose objects all exist becomes the head again, the epoch becomes the "
                    + "highest any manifest carries, and the floor the oldest member of that chain. A sound pointer is "
                    + "left alone.",
            "WARNING: stop every writer of the location first (and keep them stopped until this returns). A writer "
                    + "running during the repair races it, and a lost pointer may have held a newer writer epoch than any "
                    + "manifest records: a writer that had already been fenced could otherwise publish again.",
            "Prints what it did: the head, epoch and floor written, or that the pointer is sound. Exits 0 when the "
                    + "pointer is sound afterwards (or the location holds nothing), 1 when the manifests present cannot "
                    + "make a head (none verifies, or none can be told committed), 4 when the store fails or a writer "
                    + "changed the pointer meanwhile."
        })
final class RepairCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location.")
    String uri = "";

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "Print JSON: {\"outcome\": \"sound\"|\"repaired\"|\"empty\"|\"unrepairable\", \"problem\", "
            + "\"head\", \"epoch\", \"floor\", \"latest\"}.")
    boolean json;

    /**
     * The JSON document.
     *
     * @param outcome {@code sound} (nothing to do), {@code repaired}, {@code empty} (no pointer, no checkpoint), or
     *     {@code unrepairable}
     * @param problem what was wrong with the pointer, when it was
     * @param head the head id the pointer names afterwards (0: none)
     * @param epoch the pointer's epoch afterwards
     * @param floor the pointer's floor afterwards
     * @param latest the checkpoint {@code latest} resolves to afterwards
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Repair(String outcome, @Nullable String problem, @Nullable Long head, @Nullable Long epoch, @Nullable Long floor, @Nullable Long latest) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ChainWatch watch = new ChainWatch();
        Repair result;
        try (Location location = store.location(uri); Checkpointer cp = location.builder().listener(watch).build()) {
            Optional<byte[]> before = location.read(Location.POINTER);
            // A read that has to recover the pointer says why (and only then); list() recovers a missing pointer as
            // well as a corrupt one, and never writes.
            cp.list().then().onErrorResume(e -> Mono.empty()).block();
            ChainWatch.Recovery recovery = watch.recovery();
            List<CheckpointId> orphaned = before.isEmpty() && recovery == null ? location.manifestsWithoutPointer() : List.of();
            if (!orphaned.isEmpty()) {
                result = new Repair("unrepairable", Location.POINTER + " is missing and none of the " + orphaned.size() + " manifest(s) present ("
                        + orphaned.stream().map(String::valueOf).collect(Collectors.joining(", ")) + ") names a parent, so none can be "
                        + "told a committed checkpoint from a first save that crashed before it committed; nothing was written", null, null, null, null);
                return report(out, result, ExitCodes.VERIFICATION_FAILED);
            }
            Manifest newest = cp.repairPointer().block();
            Optional<byte[]> after = location.read(Location.POINTER);
            if (after.isEmpty()) {
                result = new Repair("empty", null, null, null, null, null);
                return report(out, result, ExitCodes.OK);
            }
            StoredFile pointer = StoredFile.parse(after.get());
            if (pointer == null || !pointer.digestOk()) {
                throw new CheckpointException(ErrorCode.CORRUPT_METADATA, Location.POINTER + " is still unreadable after the repair");
            }
            long head = pointer.id();
            Long latest = newest == null || newest.id() == null ? null : newest.id().value();
            boolean changed = !Arrays.equals(before.orElse(null), after.get());
            String problem = recovery != null ? recovery.reason() : before.isEmpty() ? "it was missing" : null;
            if (problem == null || !changed) {
                result = new Repair("sound", null, head, pointer.number("epoch", 0), pointer.number("floor", 0), latest);
                return report(out, result, ExitCodes.OK);
            }
            result = new Repair(head == 0 ? "unrepairable" : "repaired", problem, head, pointer.number("epoch", 0), pointer.number("floor", 0), latest);
            return report(out, result, head == 0 ? ExitCodes.VERIFICATION_FAILED : ExitCodes.OK);
        }
    }

    private int report(PrintWriter out, Repair r, int exit) {
        if (json) {
            Json.print(out, r);
            return exit;
        }
        String at = " at " + Format.location(uri);
        switch (r.outcome()) {
            case "empty" -> out.println("no pointer and no checkpoint" + at + ": nothing to repair");
            case "sound" -> out.println("pointer is sound" + at + ": head " + r.head() + ", epoch " + r.epoch() + ", floor " + r.floor()
                    + "; nothing to repair");
            case "repaired" -> {
                out.println("repaired " + Location.POINTER + at + " (" + r.problem() + ")");
                out.println("  head   " + r.head());
                out.println("  epoch  " + r.epoch());
                out.println("  floor  " + r.floor());
                out.println("'latest' resolves to " + (r.latest() == null ? "no checkpoint" : "checkpoint " + r.latest())
                        + "; saves are accepted again");
            }
            default -> {
                if (r.head() == null) {
                    out.println("cannot repair " + Location.POINTER + at + ": " + r.problem());
                } else {
                    out.println("rewrote " + Location.POINTER + at + " (" + r.problem() + "), but no checkpoint's chain verifies: "
                            + "it names no head (epoch " + r.epoch() + "), and 'latest' finds nothing; see 'verify' and 'inspect'");
                }
            }
        }
        out.flush();
        return exit;
    }
}

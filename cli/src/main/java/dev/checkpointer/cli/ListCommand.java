package dev.checkpointer.cli;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
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

/** {@code list URI}: the committed checkpoints, oldest first. */
@Command(name = "list", mixinStandardHelpOptions = true, sortOptions = false,
        header = "List the committed checkpoints at a location.",
        description = {"Lists the committed checkpoints at a location, oldest first (the chain that _latest reaches by "
                + "parent links): id, epoch, creation time, partitions and bytes.",
            "Every file at a manifest key is read as well (the store is listed): one that cannot be trusted (not a "
                + "manifest, tombstone or abort marker, or its body SHA-256 does not hold) is shown as a CORRUPT row with "
                + "its key and the reason, and so is a corrupt _latest; the listing is then still printed, and the exit "
                + "code is 1. A missing _latest is a warning on stderr (the listing is of the chain recovered from the "
                + "manifests); see 'verify' and 'repair'."})
final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location, e.g. file:./checkpoints or memory://name.")
    String uri = "";

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "Print JSON: {\"checkpoints\": [{\"id\", \"epoch\", \"createdAt\", \"partitions\", \"bytes\", \"writerId\"}], "
            + "\"corrupt\": [{\"key\", \"id\", \"reason\"}]}.")
    boolean json;

    /** One line of the listing. */
    record Entry(long id, long epoch, @Nullable Instant createdAt, int partitions, long bytes, @Nullable String writerId) {
        static Entry of(Manifest m) {
            return new Entry(Objects.requireNonNull(m.id()).value(), m.epoch(), m.createdAt(), m.partitions().size(), m.totalBytes(), m.writerId());
        }
    }

    /** The JSON document: the committed checkpoints, and the metadata files that cannot be trusted. */
    record Listing(List<Entry> checkpoints, List<Location.Corrupt> corrupt) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ChainWatch watch = new ChainWatch(warning -> {
            err.println("checkpointer list: warning: " + warning);
            err.flush();
        });
        List<Entry> entries;
        List<Location.Corrupt> corrupt = new java.util.ArrayList<>();
        try (Location location = store.location(uri); Checkpointer cp = location.builder().listener(watch).build()) {
            entries = cp.list().map(Entry::of).collectList().blockOptional().orElse(List.of());
            if (entries.isEmpty() && watch.recovery() == null) {
                List<CheckpointId> orphaned = location.manifestsWithoutPointer();
                if (!orphaned.isEmpty()) {
                    err.println("checkpointer list: warning: " + Location.POINTER + " is missing but " + orphaned.size()
                            + " checkpoint manifest(s) exist (" + orphaned.stream().map(String::valueOf).collect(Collectors.joining(", "))
                            + "), which reads do not see; see 'verify'");
                    err.flush();
                }
            }
            location.pointerCorruption().ifPresent(corrupt::add);
            corrupt.addAll(location.scanManifests().corrupt());
        }
        int exit = corrupt.isEmpty() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
        if (json) {
            Json.print(out, new Listing(entries, corrupt));
            return exit;
        }
        for (Location.Corrupt c : corrupt) {
            out.println("CORRUPT  " + c.key() + ": " + c.reason());
        }
        if (entries.isEmpty()) {
            out.println("no checkpoints at " + Format.location(uri) + (corrupt.isEmpty() ? "" : " that can be read"));
            out.flush();
            return exit;
        }
        Format.Table t = new Format.Table("ID", "EPOCH", "CREATED", "PARTITIONS", "BYTES");
        long total = 0;
        for (Entry e : entries) {
            t.row(e.id(), e.epoch(), e.createdAt() == null ? "-" : e.createdAt(), e.partitions(), Format.bytes(e.bytes()));
            total += e.bytes();
        }
        t.lines("").forEach(out::println);
        out.println(entries.size() + (entries.size() == 1 ? " checkpoint, " : " checkpoints, ") + Format.bytes(total)
                + " of state at " + Format.location(uri) + (corrupt.isEmpty() ? "" : "; " + corrupt.size() + " corrupt file(s) listed above (exit 1)"));
        out.flush();
        return exit;
    }
}

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
        description = "Lists the committed checkpoints at a location, oldest first (the chain that _latest reaches by "
                + "parent links): id, epoch, creation time, partitions and bytes. Checkpoints whose manifest cannot be "
                + "read are left out with a warning on stderr, and so is a missing or corrupt _latest (the listing is "
                + "then of the chain recovered from the manifests); see 'verify' and 'repair'.")
final class ListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location, e.g. file:./checkpoints or memory://name.")
    String uri = "";

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "Print JSON: {\"checkpoints\": [{\"id\", \"epoch\", \"createdAt\", \"partitions\", \"bytes\", \"writerId\"}]}.")
    boolean json;

    /** One line of the listing. */
    record Entry(long id, long epoch, @Nullable Instant createdAt, int partitions, long bytes, @Nullable String writerId) {
        static Entry of(Manifest m) {
            return new Entry(Objects.requireNonNull(m.id()).value(), m.epoch(), m.createdAt(), m.partitions().size(), m.totalBytes(), m.writerId());
        }
    }

    /** The JSON document. */
    record Listing(List<Entry> checkpoints) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ChainWatch watch = new ChainWatch(warning -> {
            err.println("checkpointer list: warning: " + warning);
            err.flush();
        });
        List<Entry> entries;
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
        }
        if (json) {
            Json.print(out, new Listing(entries));
            return ExitCodes.OK;
        }
        if (entries.isEmpty()) {
            out.println("no checkpoints at " + Format.location(uri));
            out.flush();
            return ExitCodes.OK;
        }
        Format.Table t = new Format.Table("ID", "EPOCH", "CREATED", "PARTITIONS", "BYTES");
        long total = 0;
        for (Entry e : entries) {
            t.row(e.id(), e.epoch(), e.createdAt() == null ? "-" : e.createdAt(), e.partitions(), Format.bytes(e.bytes()));
            total += e.bytes();
        }
        t.lines("").forEach(out::println);
        out.println(entries.size() + (entries.size() == 1 ? " checkpoint, " : " checkpoints, ") + Format.bytes(total)
                + " of state at " + Format.location(uri));
        out.flush();
        return ExitCodes.OK;
    }
}

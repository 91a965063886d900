package dev.checkpointer.cli;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code inspect URI [ID|latest]}: one manifest, readable. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Show one checkpoint's manifest, readable.",
        description = "Shows one checkpoint's manifest: epoch, time, writer, fingerprint, every partition (kind, size, "
                + "where it is stored, SHA-256), source offsets, sink epochs, watermarks and metadata. The manifest is "
                + "verified against its digest first; partition bytes are not read (see 'verify').")
final class InspectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "URI", description = "The store location.")
    String uri = "";

    @Parameters(index = "1", arity = "0..1", paramLabel = "ID|latest", defaultValue = "latest",
            description = "The checkpoint (default: ${DEFAULT-VALUE}).")
    String target = "latest";

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--json", description = "Print the manifest as stored (JSON; inline partitions keep their base64 bytes).")
    boolean json;

    @Override
    public Integer call() {
        Target t = Target.parse(target, false);
        PrintWriter out = spec.commandLine().getOut();
        Manifest m;
        try (Checkpointer cp = store.open(uri)) {
            Checkpoint c = t.load(cp, uri);
            m = c.manifest();
        }
        if (json) {
            Json.print(out, m);
        } else {
            print(out, m);
        }
        return ExitCodes.OK;
    }

    static void print(PrintWriter out, Manifest m) {
        long inline = m.partitions().stream().filter(PartitionEntry::isInline).count();
        out.println("checkpoint " + m.id());
        Format.Table head = new Format.Table("", "");
        head.row("format", m.formatVersion());
        head.row("epoch", m.epoch());
        head.row("created", m.createdAt());
        head.row("writer", m.writerId());
        head.row("fingerprint", m.fingerprint() == null ? "-" : m.fingerprint());
        head.row("state", Format.summary(m) + " (" + inline + " inline in the manifest, " + (m.partitions().size() - inline) + " stored)");
        head.lines("  ").stream().skip(1).forEach(out::println);

        out.println();
        out.println("partitions");
        if (m.partitions().isEmpty()) {
            out.println("  (none)");
        } else {
            Format.Table p = new Format.Table("OPERATOR", "PARTITION", "KIND", "SIZE", "STORED AS", "SHA-256");
            for (PartitionEntry e : m.partitions()) {
                p.row(e.operator(), e.partition(), e.kind(), Format.bytes(e.size()), Format.storedAs(e), e.sha256());
            }
            p.lines("  ").forEach(out::println);
        }
        section(out, "offsets", m.offsets().isEmpty(), () -> m.offsets().forEach((source, o) -> out.println("  " + source + ": " + Format.offsets(o))));
        section(out, "sink epochs", m.sinkEpochs().isEmpty(), () -> m.sinkEpochs().forEach((k, v) -> out.println("  " + k + ": " + v)));
        section(out, "watermarks", m.watermarks().isEmpty(), () -> m.watermarks().forEach((k, v) -> out.println("  " + k + ": " + v)));
        section(out, "metadata", m.metadata().isEmpty(), () -> new java.util.TreeMap<>(m.metadata()).forEach((k, v) -> out.println("  " + k + " = " + v)));
        out.flush();
    }

    private static void section(PrintWriter out, String title, boolean empty, Runnable body) {
        out.println();
        out.println(title);
        if (empty) {
            out.println("  (none)");
        } else {
            body.run();
        }
    }
}

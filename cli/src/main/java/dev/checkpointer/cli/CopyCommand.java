package dev.checkpointer.cli;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.SinkState;
import dev.checkpointer.SinkStatus;
import dev.checkpointer.Snapshot;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** {@code copy SRC DST [--id ID | --all]}: re-saves checkpoints in another store, verified on both sides. */
@Command(name = "copy", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Copy checkpoints to another location, verified on both sides.",
        description = {
            "Copies checkpoints between locations, across providers (e.g. memory or local disk to S3). Each checkpoint "
                    + "is read from the source and verified (SHA-256 of every partition), saved in the destination with "
                    + "the same id, epoch, creation time, writer id, partitions, offsets, sink epochs, watermarks, "
                    + "fingerprint and metadata (so age-based retention in the destination counts from the original), "
                    + "plus two metadata entries that record the copy: copiedFrom (the source location, without its query "
                    + "or credentials) and copiedAt (when it was copied); then it is loaded back from the destination and "
                    + "verified again.",
            "Copies the latest checkpoint unless --id (an id or 'latest') or --all is given. A checkpoint that already exists in the "
                    + "destination with the same partitions is skipped; with different content it is an error (exit 4). "
                    + "A destination whose writers have claimed a higher epoch refuses older checkpoints (fencing)."
        })
final class CopyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SRC_URI", description = "Where to copy from.")
    String source = "";

    @Parameters(index = "1", paramLabel = "DST_URI", description = "Where to copy to.")
    String destination = "";

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    @Nullable Which which;

    /** Which checkpoints: one id, or all. */
    static final class Which {
        @Option(names = "--id", paramLabel = "ID|latest", description = "Copy this checkpoint ('latest': the newest).")
        @Nullable String id;

        @Option(names = "--all", description = "Copy every checkpoint, oldest first.")
        boolean all;
    }

    @Option(names = "--src-option", paramLabel = "KEY=VALUE", description = "A store option for SRC_URI (repeatable); never printed.")
    Map<String, String> sourceOptions = new LinkedHashMap<>();

    @Option(names = "--dst-option", paramLabel = "KEY=VALUE", description = "A store option for DST_URI (repeatable); never printed.")
    Map<String, String> destinationOptions = new LinkedHashMap<>();

    @Option(names = "--json", description = "Print JSON: {\"checkpoints\": [{\"id\", \"status\": \"copied\"|\"skipped\", \"partitions\", \"bytes\"}], \"bytesCopied\"}.")
    boolean json;

    @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
            description = "Show progress on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, i.e. only on a terminal).")
    Progress.Mode progress = Progress.Mode.AUTO;

    /** The outcome for one checkpoint. */
    record Copied(long id, String status, int partitions, long bytes) {}

    /** The JSON document. */
    record Report(List<Copied> checkpoints, long bytesCopied) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Copied> done = new ArrayList<>();
        try (Checkpointer src = StoreOptions.builder(source, Location.mustExist(source, sourceOptions)).build();
                Checkpointer dst = StoreOptions.builder(destination, destinationOptions).build()) {
            List<Checkpoint> selected = select(src);
            long total = 2 * selected.stream().mapToLong(c -> c.manifest().totalBytes()).sum();
            Progress bar = Progress.start("copy", total, progress, spec.commandLine().getErr());
            try {
                for (Checkpoint c : selected) {
                    Copied r = copy(src, c, dst, bar, Format.location(source));
                    done.add(r);
                    if (!json) {
                        bar.pauseLine();
                        out.println((r.status().equals("copied") ? "copied  " : "skipped ") + "checkpoint " + r.id() + " ("
                                + Format.summary(c.manifest()) + ")" + (r.status().equals("copied") ? ", verified in the destination"
                                        : ": already in the destination with the same partitions"));
                        out.flush();
                    }
                }
            } finally {
                bar.finish();
            }
        }
        long bytes = done.stream().filter(c -> c.status().equals("copied")).mapToLong(Copied::bytes).sum();
        if (json) {
            Json.print(out, new Report(done, bytes));
        } else {
            long copied = done.stream().filter(c -> c.status().equals("copied")).count();
            out.println(done.isEmpty() ? "nothing to copy: no checkpoints at " + Format.location(source)
                    : "copied " + copied + " of " + done.size() + (done.size() == 1 ? " checkpoint" : " checkpoints") + " ("
                            + Format.bytes(bytes) + ") from " + Format.location(source) + " to " + Format.location(destination));
            out.flush();
        }
        return ExitCodes.OK;
    }

    private List<Checkpoint> select(Checkpointer src) {
        if (which != null && which.all) {
            List<Checkpoint> all = new ArrayList<>();
            for (Manifest m : src.list().collectList().blockOptional().orElse(List.of())) {
                all.add(Objects.requireNonNull(src.load(Objects.requireNonNull(m.id())).block()));
            }
            return all;
        }
        Target t = which != null && which.id != null ? Target.parse(which.id, false) : new Target(null, true, false);
        return List.of(t.load(src, source));
    }

    /** Metadata key: the location a copy was made from (no query, no credentials). */
    static final String COPIED_FROM = "copiedFrom";
    /** Metadata key: when the copy was made (ISO-8601). */
    static final String COPIED_AT = "copiedAt";

    /**
     * Copies one checkpoint: verified read, save under the same id (keeping its creation time and writer id, its
     * sinks' prepared data, statuses and topology, and recording the copy in its metadata), verified read-back.
     */
    static Copied copy(Checkpointer src, Checkpoint from, Checkpointer dst, Progress bar, String sourceLocation) {
        Manifest m = from.manifest();
        CheckpointId id = Objects.requireNonNull(m.id());
        Manifest existing = dst.load(id).map(Checkpoint::manifest)
                .onErrorResume(e -> ExitCodes.of(e) == ExitCodes.NOT_FOUND, e -> Mono.empty())
                .block();
        if (existing != null) {
            if (samePartitions(m, existing)) {
                bar.add(2 * m.totalBytes());
                return new Copied(id.value(), "skipped", m.partitions().size(), m.totalBytes());
            }
            throw new CheckpointException(ErrorCode.CONCURRENT_CHECKPOINT, "checkpoint " + id
                    + " already exists in the destination with different content; delete it there first or copy another id");
        }
        Snapshot.Builder b = Snapshot.builder().id(id).epoch(m.epoch());
        for (PartitionEntry e : m.partitions()) {
            // Replayable: a retried upload re-reads (and re-verifies) the source. The stream fails at its end on a
            // digest mismatch, which fails the save before anything is committed.
            b.partition(e.operator(), e.partition(), e.kind(),
                    Payload.of(() -> from.stream(e.operator(), e.partition()).doOnNext(buf -> bar.add(buf.remaining())), e.size()));
        }
        m.offsets().forEach(b::offsets);
        m.sinkEpochs().forEach(b::sinkEpoch);
        m.sinkPrepared().forEach(b::sinkPrepared);
        m.topology().ifPresent(b::topology);
        m.watermarks().forEach(b::watermark);
        if (m.fingerprint() != null) {
            b.fingerprint(m.fingerprint());
        }
        m.metadata().forEach(b::metadata);
        b.metadata(COPIED_FROM, sourceLocation).metadata(COPIED_AT, java.time.Instant.now().toString());
        if (m.createdAt() != null) {
            b.createdAt(m.createdAt());
        }
        if (m.writerId() != null) {
            b.writerId(m.writerId());
        }
        Manifest saved = Objects.requireNonNull(dst.save(b.build()).block());
        if (!samePartitions(m, saved)) {
            throw new CheckpointException(ErrorCode.INTEGRITY, "checkpoint " + id + " was saved in the destination with other partition digests than the source's");
        }
        // Sink statuses live beside the manifest (checkpoints/{id}/_sinks): a sink already committed or failed in the
        // source must not look pending in the copy, or a job resuming from it would commit that sink's epoch again.
        for (SinkStatus s : Objects.requireNonNull(src.sinkStatuses(id).block())) {
            if (s.state() != SinkState.PENDING) {
                dst.markSink(id, s.sink(), s.state(), s.detail()).block();
            }
        }
        Checkpoint back = Objects.requireNonNull(dst.load(id).block());
        Flux.fromIterable(back.manifest().partitions())
                .concatMap(e -> back.stream(e.operator(), e.partition()).doOnNext(buf -> bar.add(buf.remaining())).then())
                .blockLast();
        return new Copied(id.value(), "copied", m.partitions().size(), m.totalBytes());
    }

    /** Same partitions: names, kinds, sizes and SHA-256 (where the bytes are stored may differ). */
    static boolean samePartitions(Manifest a, Manifest b) {
        return digestOf(a).equals(digestOf(b));
    }

    private static Map<String, String> digestOf(Manifest m) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (PartitionEntry e : m.partitions()) {
            out.put(e.operator() + "/" + e.partition(), e.kind() + ":" + e.size() + ":" + e.sha256());
        }
        return out;
    }
}

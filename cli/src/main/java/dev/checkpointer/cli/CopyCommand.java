package dev.checkpointer.cli;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Chunking;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.SinkState;
import dev.checkpointer.SinkStatus;
import dev.checkpointer.Snapshot;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
                    + "A destination whose writers have claimed a higher epoch refuses older checkpoints (fencing).",
            "Incremental checkpoints (chunked partitions) stay incremental: the destination saves with chunking like the "
                    + "source's (same average chunk size, inferred from the chunks; zstd when the source compresses) unless "
                    + "--chunking/--zstd say otherwise, so each copied partition is cut into the source's chunks, and a chunk "
                    + "the destination's newest checkpoint already has is referenced, not written again. Copying a chain "
                    + "oldest first (--all) writes each shared chunk once; copying it again writes nothing. The copies are "
                    + "compared with the source byte for byte (SHA-256 of every partition's bytes, read back from the "
                    + "destination), whatever the chunking. Chunk objects get the destination's own keys "
                    + "(chunks/{id}/{sha256}.{token}, written by the copy's save), never the source's."
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

    @Option(names = "--json", description = "Print JSON: {\"checkpoints\": [{\"id\", \"status\": \"copied\"|\"skipped\", \"partitions\", \"bytes\", "
            + "\"chunks\", \"chunksCopied\", \"bytesUploaded\"}], \"bytesCopied\", \"chunksCopied\", \"bytesUploaded\", \"chunking\"}: \"bytes\" are the "
            + "checkpoint's logical bytes, \"chunksCopied\" the chunk objects written in the destination (the others were "
            + "already there), \"bytesUploaded\" what was stored there (compressed chunks at their stored size).")
    boolean json;

    @Mixin
    ChunkingOptions chunkingOptions = new ChunkingOptions();

    @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
            description = "Show progress on stderr: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, i.e. only on a terminal).")
    Progress.Mode progress = Progress.Mode.AUTO;

    /**
     * The outcome for one checkpoint.
     *
     * @param id its id
     * @param status {@code copied} or {@code skipped}
     * @param partitions its partitions
     * @param bytes its logical bytes
     * @param chunks chunk references of its copy (0 when nothing is chunked or it was skipped)
     * @param chunksCopied chunk objects the copy wrote; the other references point at objects the destination had
     * @param bytesUploaded bytes the copy stored (new chunks at their stored size, and every partition not chunked)
     */
    record Copied(long id, String status, int partitions, long bytes, int chunks, int chunksCopied, long bytesUploaded) {}

    /** The JSON document. */
    record Report(List<Copied> checkpoints, long bytesCopied, int chunksCopied, long bytesUploaded, String chunking) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Copied> done = new ArrayList<>();
        Chunking chunking = chunkingOptions.chunking(); // checked before anything is read
        try (Checkpointer src = StoreOptions.builder(source, Location.mustExist(source, sourceOptions)).build()) {
            List<Checkpoint> selected = select(src);
            if (!chunkingOptions.given()) {
                chunking = likeTheSource(selected);
            }
            try (Checkpointer dst = StoreOptions.builder(destination, destinationOptions).chunking(chunking).build()) {
                copyAll(src, selected, dst, done);
            }
        }
        long bytes = done.stream().filter(c -> c.status().equals("copied")).mapToLong(Copied::bytes).sum();
        int chunksCopied = done.stream().mapToInt(Copied::chunksCopied).sum();
        long uploaded = done.stream().mapToLong(Copied::bytesUploaded).sum();
        if (json) {
            Json.print(out, new Report(done, bytes, chunksCopied, uploaded, chunking.toString()));
        } else {
            long copied = done.stream().filter(c -> c.status().equals("copied")).count();
            out.println(done.isEmpty() ? "nothing to copy: no checkpoints at " + Format.location(source)
                    : "copied " + copied + " of " + done.size() + (done.size() == 1 ? " checkpoint" : " checkpoints") + " ("
                            + Format.bytes(bytes) + ") from " + Format.location(source) + " to " + Format.location(destination)
                            + (chunking.enabled() ? "; " + Format.bytes(uploaded) + " uploaded, " + chunksCopied + " chunk object(s) written" : ""));
            out.flush();
        }
        return ExitCodes.OK;
    }

    private void copyAll(Checkpointer src, List<Checkpoint> selected, Checkpointer dst, List<Copied> done) {
        PrintWriter out = spec.commandLine().getOut();
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
                                        + (r.chunks() > 0 ? "; " + r.chunksCopied() + " of " + r.chunks() + " chunks written, the others already there" : "")
                                        : ": already in the destination with the same partitions"));
                        out.flush();
                    }
                }
            } finally {
                bar.finish();
            }
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
            if (samePartitions(m, existing) || sameContent(from, Objects.requireNonNull(dst.load(id).block()))) {
                bar.add(2 * m.totalBytes());
                return new Copied(id.value(), "skipped", m.partitions().size(), m.totalBytes(), 0, 0, 0);
            }
            throw new CheckpointException(ErrorCode.CONCURRENT_CHECKPOINT, "checkpoint " + id
                    + " already exists in the destination with different content; delete it there first or copy another id");
        }
        Snapshot.Builder b = Snapshot.builder().id(id).epoch(m.epoch());
        Map<String, String> sourceDigests = new java.util.concurrent.ConcurrentHashMap<>();
        for (PartitionEntry e : m.partitions()) {
            // Replayable: a retried upload re-reads (and re-verifies) the source. The stream fails at its end on a
            // digest mismatch, which fails the save before anything is committed. The SHA-256 of the plain bytes is
            // kept to compare with the destination's: a chunked entry's own digest depends on where it was cut.
            b.partition(e.operator(), e.partition(), e.kind(), Payload.of(() -> digested(from.stream(e.operator(), e.partition())
                    .doOnNext(buf -> bar.add(buf.remaining())), d -> sourceDigests.put(e.name(), d)), e.size()));
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
        if (!sameShape(m, saved)) {
            throw new CheckpointException(ErrorCode.INTEGRITY, "checkpoint " + id + " was saved in the destination with other partitions than the source's");
        }
        // Sink statuses live beside the manifest (checkpoints/{id}/_sinks): a sink already committed or failed in the
        // source must not look pending in the copy, or a job resuming from it would commit that sink's epoch again.
        for (SinkStatus s : Objects.requireNonNull(src.sinkStatuses(id).block())) {
            if (s.state() != SinkState.PENDING) {
                dst.markSink(id, s.sink(), s.state(), s.detail()).block();
            }
        }
        Checkpoint back = Objects.requireNonNull(dst.load(id).block());
        Map<String, String> copyDigests = plainDigests(back, bar);
        if (!copyDigests.equals(sourceDigests)) {
            throw new CheckpointException(ErrorCode.INTEGRITY, "checkpoint " + id + " reads back from the destination with other bytes than the source's");
        }
        Chunks.Tally t = Chunks.of(back.manifest());
        return new Copied(id.value(), "copied", m.partitions().size(), m.totalBytes(), t.chunks(), t.newChunks(), t.storedNewBytes());
    }

    /**
     * The destination's chunking when no option sets it: off when no selected checkpoint has a chunked partition;
     * otherwise on, cutting like the source (so that the copies' partitions have the source's chunks and digests, and
     * a chain shares chunks in the destination as it does in the source): the average chunk size is inferred from the
     * chunks (the power of two whose bounds, a quarter to eight times it, hold every chunk but each partition's last,
     * nearest their mean), the threshold is the smallest chunked partition's size, and zstd (level 3) is used when the
     * source has compressed chunks. Content never depends on the inference: each copy is compared byte for byte.
     */
    static Chunking likeTheSource(List<Checkpoint> selected) {
        List<PartitionEntry> chunked = selected.stream().flatMap(c -> c.manifest().partitions().stream()).filter(PartitionEntry::isChunked).toList();
        if (chunked.isEmpty()) {
            return Chunking.off();
        }
        long min = Long.MAX_VALUE;
        long max = 0;
        double logSum = 0;
        int n = 0;
        for (PartitionEntry e : chunked) {
            for (ChunkRef c : e.chunks().subList(0, e.chunks().size() - 1)) {
                min = Math.min(min, c.size());
                max = Math.max(max, c.size());
                logSum += Math.log(c.size());
                n++;
            }
        }
        int average = Chunking.DEFAULT_AVERAGE;
        if (n > 0) {
            double mean = Math.exp(logSum / n);
            double best = Double.MAX_VALUE;
            for (long avg = 64; avg <= Chunking.MAX_AVERAGE; avg <<= 1) {
                if (avg / 4 <= min && max <= avg * 8 && Math.abs(Math.log(avg) - Math.log(mean)) < best) {
                    best = Math.abs(Math.log(avg) - Math.log(mean));
                    average = (int) avg;
                }
            }
        }
        Chunking c = Chunking.on().withAverageChunkSize(average)
                .withThreshold(chunked.stream().mapToLong(PartitionEntry::size).min().orElse(Chunking.DEFAULT_THRESHOLD));
        boolean compressed = chunked.stream().flatMap(e -> e.chunks().stream()).anyMatch(ChunkRef::compressed);
        return compressed ? c.withZstd(3) : c;
    }

    /** A stream that reports the SHA-256 of its bytes when it completes. */
    private static Flux<ByteBuffer> digested(Flux<ByteBuffer> bytes, Consumer<String> onDigest) {
        return Flux.defer(() -> {
            MessageDigest md = Chunks.digest();
            return bytes.doOnNext(buf -> md.update(buf.duplicate()))
                    .doOnComplete(() -> onDigest.accept(HexFormat.of().formatHex(md.digest())));
        });
    }

    /** The SHA-256 of every partition's bytes, streamed (and so verified) by the library, by name. */
    private static Map<String, String> plainDigests(Checkpoint c, Progress bar) {
        Map<String, String> out = new java.util.concurrent.ConcurrentHashMap<>();
        Flux.fromIterable(c.manifest().partitions())
                .concatMap(e -> digested(c.stream(e.operator(), e.partition()).doOnNext(buf -> bar.add(buf.remaining())),
                        d -> out.put(e.name(), d)).then())
                .blockLast();
        return out;
    }

    /**
     * Same content in two checkpoints whose manifests' digests differ, e.g. a partition chunked in one and written
     * whole in the other, or cut into other chunks: the bytes are read from both and compared.
     */
    static boolean sameContent(Checkpoint a, Checkpoint b) {
        if (!sameShape(a.manifest(), b.manifest())) {
            return false;
        }
        return plainDigests(a, quiet()).equals(plainDigests(b, quiet()));
    }

    private static Progress quiet() {
        return Progress.start("copy", 0, Progress.Mode.NEVER, new PrintWriter(java.io.Writer.nullWriter()));
    }

    /** Same partitions by name, kind and size. */
    static boolean sameShape(Manifest a, Manifest b) {
        Map<String, String> x = new java.util.TreeMap<>();
        Map<String, String> y = new java.util.TreeMap<>();
        a.partitions().forEach(e -> x.put(e.name(), e.kind() + ":" + e.size()));
        b.partitions().forEach(e -> y.put(e.name(), e.kind() + ":" + e.size()));
        return x.equals(y);
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

package dev.checkpointer.cli;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.SinkStatus;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code inspect URI [ID|latest]}: one manifest, readable. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Show one checkpoint's manifest, readable.",
        description = {
            "Shows one committed checkpoint's manifest: epoch, time, writer, fingerprint, its parent link (the "
                    + "checkpoint it was committed on, and that manifest's SHA-256), every partition (kind, size, where it "
                    + "is stored, the stage call that wrote it, SHA-256), the stage calls grouped (one token per upload, "
                    + "e.g. one per worker's stage() when many hosts wrote the checkpoint), source offsets, its sinks "
                    + "(epoch, status PENDING/COMMITTED/FAILED from checkpoints/{id:020d}/_sinks, prepared-transaction "
                    + "data), the topology it recorded, watermarks and metadata. The manifest is verified against its "
                    + "digest first; partition bytes are not read (see 'verify').",
            "With --json, prints the manifest file exactly as stored (checkpoints/{id:020d}/manifest.json, byte for "
                    + "byte: the envelope {\"format\", \"bodySha256\", \"manifest\": {...}} of format 2, or the bare "
                    + "object of format 1), after the library verified it; its SHA-256 is the digest the child's parent "
                    + "link and _latest name.",
            "With --sinks, prints only the checkpoint's sink statuses (with --json as {\"id\", \"sinks\": [{\"sink\", "
                    + "\"epoch\", \"state\", \"prepared\", \"detail\", \"updatedAt\"}]}).",
            "For incremental checkpoints (chunked partitions, format 3.0) the 'incremental' line shows bytes new (written by "
                    + "this checkpoint: chunks whose firstId is its id, and every partition that is not chunked) versus reused "
                    + "(chunks of earlier checkpoints), and stored (compressed) sizes. With --chunks, prints only that, per "
                    + "partition (with --json as {\"id\", \"format\", \"total\", \"partitions\": [{\"operator\", \"partition\", "
                    + "\"kind\", \"chunked\", \"tally\", \"chunks\": [{\"key\", \"sha256\", \"size\", \"codec\", \"storedSize\", "
                    + "\"firstId\", \"isNew\"}]}]}; a tally is {\"bytes\", \"chunks\", \"newChunks\", \"newBytes\", \"reusedBytes\", "
                    + "\"storedNewBytes\", \"storedReusedBytes\"})."
        })
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

    @Option(names = "--json", description = "Print the manifest file exactly as stored (JSON; inline partitions keep their base64 bytes).")
    boolean json;

    @Option(names = "--sinks", description = "Print only the sink statuses (epoch, PENDING/COMMITTED/FAILED, prepared data); JSON with --json.")
    boolean sinksOnly;

    @Option(names = "--chunks", description = "Print only the incremental accounting: per partition and for the checkpoint, "
            + "bytes new (written by this checkpoint: its new chunks, and every partition that is not chunked) versus reused "
            + "(chunks referenced from earlier checkpoints), logical and stored (compressed) sizes; JSON with --json, with every chunk.")
    boolean chunksOnly;

    @Override
    public Integer call() {
        if (sinksOnly && chunksOnly) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sinks and --chunks are mutually exclusive");
        }
        Target t = Target.parse(target, false);
        PrintWriter out = spec.commandLine().getOut();
        Manifest m;
        byte[] stored = null;
        List<SinkStatus> sinks;
        try (Location location = store.location(uri); Checkpointer cp = location.builder().build()) {
            Checkpoint c = t.load(cp, uri);
            m = c.manifest();
            sinks = m.sinkEpochs().isEmpty() ? List.of() : cp.sinkStatuses(Objects.requireNonNull(m.id())).block();
            if (json && !sinksOnly && !chunksOnly) {
                stored = asStored(location, Objects.requireNonNull(m.id()));
            }
        }
        if (chunksOnly && json) {
            Json.print(out, ChunkReport.of(m));
        } else if (chunksOnly) {
            printChunks(out, m);
            out.flush();
        } else if (sinksOnly && json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("id", Objects.requireNonNull(m.id()).value());
            doc.put("sinks", sinks.stream().map(InspectCommand::sinkJson).toList());
            Json.print(out, doc);
        } else if (sinksOnly) {
            printSinks(out, m, sinks);
            out.flush();
        } else if (stored != null) {
            StdoutWriter.printExactly(out, stored);
        } else {
            print(out, m, sinks);
        }
        return ExitCodes.OK;
    }

    /**
     * The manifest file of a checkpoint the library just loaded (and so verified), read again as stored. What is
     * printed must be that manifest: the file is checked to be a manifest of this id whose body digest holds.
     */
    static byte[] asStored(Location location, CheckpointId id) {
        String key = Location.manifestKey(id);
        byte[] bytes = location.read(key).orElseThrow(() -> new CheckpointNotFoundException(id,
                "checkpoint " + id + " was deleted while it was being inspected ('" + key + "' is gone)", null));
        StoredFile f = StoredFile.parse(bytes);
        if (f != null && StoredFile.TOMBSTONE.equals(f.format())) {
            throw new CheckpointNotFoundException(id, "checkpoint " + id + " was deleted while it was being inspected", null);
        }
        if (f == null || !(f.format() == null || StoredFile.MANIFEST.equals(f.format())) || !f.digestOk() || f.id() != id.value()) {
            throw new CorruptMetadataException(key, List.of("the file read back after verification is not the verified manifest of checkpoint "
                    + id + " (changed or corrupted since)"), null);
        }
        return bytes;
    }

    private static Map<String, Object> sinkJson(SinkStatus s) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("sink", s.sink());
        o.put("epoch", s.epoch());
        o.put("state", s.state().name());
        o.put("prepared", s.prepared());
        o.put("detail", s.detail());
        o.put("updatedAt", s.updatedAt() == null ? null : s.updatedAt().toString());
        return o;
    }

    /** One line per sink: epoch, status, when and why it last changed, its prepared-transaction data. */
    private static void printSinks(PrintWriter out, Manifest m, List<SinkStatus> sinks) {
        section(out, "sinks (epoch, status)", sinks.isEmpty(), () -> sinks.forEach(s -> out.println("  " + s.sink() + ": " + s.epoch() + "  " + s.state()
                + (s.updatedAt() == null ? "" : "  at " + s.updatedAt())
                + (s.detail() == null ? "" : "  (" + s.detail() + ")")
                + (s.prepared() == null ? "" : "  prepared: " + s.prepared()))));
    }

    static void print(PrintWriter out, Manifest m, List<SinkStatus> sinks) {
        long inline = m.partitions().stream().filter(PartitionEntry::isInline).count();
        out.println("checkpoint " + m.id());
        Format.Table head = new Format.Table("", "");
        head.row("format", m.formatVersion());
        head.row("epoch", m.epoch());
        head.row("created", m.createdAt());
        head.row("writer", m.writerId());
        head.row("parent", link(m, m.parent()));
        if (m.grandparent().isPresent()) {
            head.row("grandparent", link(m, m.grandparent()));
        }
        head.row("fingerprint", m.fingerprint() == null ? "-" : m.fingerprint());
        long chunked = m.partitions().stream().filter(PartitionEntry::isChunked).count();
        head.row("state", Format.summary(m) + " (" + inline + " inline in the manifest, " + (m.partitions().size() - inline - chunked) + " stored"
                + (chunked > 0 ? ", " + chunked + " chunked" : "") + ")");
        if (chunked > 0) {
            head.row("incremental", Chunks.of(m).describe());
        }
        head.lines("  ").stream().skip(1).forEach(out::println);

        out.println();
        out.println("partitions");
        if (m.partitions().isEmpty()) {
            out.println("  (none)");
        } else {
            Format.Table p = new Format.Table("OPERATOR", "PARTITION", "KIND", "SIZE", "STORED AS", "STAGE", "SHA-256");
            for (PartitionEntry e : m.partitions()) {
                p.row(e.operator(), e.partition(), e.kind(), Format.bytes(e.size()), storedAs(e, Objects.requireNonNull(m.id())), Origin.of(e).token(), e.sha256());
            }
            p.lines("  ").forEach(out::println);
            printStageCalls(out, m.partitions());
        }
        section(out, "offsets", m.offsets().isEmpty(), () -> m.offsets().forEach((source, o) -> out.println("  " + source + ": " + Format.offsets(o))));
        printSinks(out, m, sinks);
        m.topology().ifPresent(tp -> section(out, "topology", false, () -> {
            out.println("  sources: " + (tp.sources().isEmpty() ? "-" : String.join(", ", tp.sources())));
            out.println("  sinks: " + (tp.sinks().isEmpty() ? "-" : String.join(", ", tp.sinks())));
            out.println("  vnodes: " + (tp.vnodes().isPresent() ? Integer.toString(tp.vnodes().getAsInt()) : "-"));
        }));
        section(out, "watermarks", m.watermarks().isEmpty(), () -> m.watermarks().forEach((k, v) -> out.println("  " + k + ": " + v)));
        section(out, "metadata", m.metadata().isEmpty(), () -> new java.util.TreeMap<>(m.metadata()).forEach((k, v) -> out.println("  " + k + " = " + v)));
        out.flush();
    }

    /**
     * The partitions grouped by the call that put their bytes where they are. Every upload writes under a key with a
     * token of its own ({@code {operator}/{partition}.{token}.{kind}}), so one token is one {@code stage()} call (or
     * one upload of a {@code save()}); small partitions packed into a sidecar at commit share the sidecar's token
     * ({@code state.{token}.bin}); inline partitions have no key, hence no token.
     */
    private static void printStageCalls(PrintWriter out, List<PartitionEntry> entries) {
        Map<Origin, List<PartitionEntry>> groups = new LinkedHashMap<>();
        for (PartitionEntry e : entries) {
            groups.computeIfAbsent(Origin.of(e), k -> new ArrayList<>()).add(e);
        }
        long stored = groups.keySet().stream().filter(o -> o.how().equals(Origin.STORED)).count();
        long packed = groups.keySet().stream().filter(o -> o.how().equals(Origin.PACKED)).count();
        out.println();
        out.println("stage calls (" + stored + " upload" + (stored == 1 ? "" : "s") + (packed > 0 ? ", " + packed + " packed sidecar" + (packed == 1 ? "" : "s") : "")
                + "; the token in a key identifies the call that wrote it)");
        Format.Table t = new Format.Table("STAGE", "HOW", "KIND", "ENTRIES", "BYTES", "OBJECT", "PARTITIONS");
        groups.forEach((origin, group) -> {
            long bytes = group.stream().mapToLong(PartitionEntry::size).sum();
            String kinds = group.stream().map(e -> String.valueOf(e.kind())).distinct().collect(Collectors.joining("+"));
            String object = origin.how().equals(Origin.INLINE) ? "manifest"
                    : origin.how().equals(Origin.CHUNKED) ? ChunkRef.AREA + "…" : String.valueOf(group.get(0).key());
            t.row(origin.token(), origin.how(), kinds, group.size(), Format.bytes(bytes), object, names(group));
        });
        t.lines("  ").forEach(out::println);
    }

    private static String names(List<PartitionEntry> group) {
        int shown = Math.min(group.size(), MAX_NAMES);
        String names = group.subList(0, shown).stream().map(PartitionEntry::name).collect(Collectors.joining(" "));
        return shown < group.size() ? names + " (+" + (group.size() - shown) + " more)" : names;
    }

    private static final int MAX_NAMES = 8;

    /**
     * Where an entry's bytes came from, read from its key.
     *
     * @param how {@link #INLINE} (no key), {@link #STORED} (an object of its own) or {@link #PACKED} (in a sidecar)
     * @param token the token of the call that wrote the object; {@code -} when inline or the key has none (an older
     *     layout)
     */
    record Origin(String how, String token) {
        static final String INLINE = "inline";
        static final String STORED = "stored";
        static final String PACKED = "packed";
        static final String CHUNKED = "chunked";

        static Origin of(PartitionEntry e) {
            if (e.isChunked()) {
                // New chunks carry the token of the save that wrote them; a partition reusing every chunk wrote nothing.
                CheckpointId newest = e.chunks().stream().map(ChunkRef::firstId).max(CheckpointId::compareTo).orElseThrow();
                return new Origin(CHUNKED, e.chunks().stream().filter(c -> c.firstId().equals(newest)).map(ChunkRef::token)
                        .findFirst().orElse("-"));
            }
            String key = e.key();
            if (e.isInline() || key == null) {
                return new Origin(INLINE, "-");
            }
            String name = key.substring(key.lastIndexOf('/') + 1);
            if (name.startsWith("state.") && name.endsWith(".bin") && name.length() > "state..bin".length()) {
                return new Origin(PACKED, name.substring("state.".length(), name.length() - ".bin".length()));
            }
            String[] parts = name.split("\\.", -1);
            if (parts.length == 3 && !parts[1].isEmpty()) {
                return new Origin(STORED, parts[1]);
            }
            return new Origin(e.offset() > 0 ? PACKED : STORED, "-");
        }
    }

    /** Where a partition's bytes are; for a chunked one, how many chunks and how many of them this checkpoint wrote. */
    static String storedAs(PartitionEntry e, CheckpointId id) {
        if (!e.isChunked()) {
            return Format.storedAs(e);
        }
        Chunks.Tally t = Chunks.of(e, id);
        return t.chunks() + (t.chunks() == 1 ? " chunk" : " chunks") + " (" + t.newChunks() + " new)";
    }

    /**
     * The incremental accounting of one checkpoint ({@code inspect --chunks --json}).
     *
     * @param id the checkpoint
     * @param format its manifest format
     * @param total the checkpoint's tally (stored figures count each chunk object once)
     * @param partitions every partition's
     */
    record ChunkReport(long id, String format, Chunks.Tally total, List<PartitionChunks> partitions) {
        static ChunkReport of(Manifest m) {
            CheckpointId id = Objects.requireNonNull(m.id());
            return new ChunkReport(id.value(), m.formatVersion(), Chunks.of(m), m.partitions().stream()
                    .map(e -> new PartitionChunks(e.operator(), e.partition(), String.valueOf(e.kind()), e.isChunked(), Chunks.of(e, id),
                            e.chunks().stream().map(c -> new ChunkLine(c.key(), c.sha256(), c.size(), c.codec(), c.storedSize(),
                                    c.firstId().value(), Chunks.isNew(c, id))).toList()))
                    .toList());
        }
    }

    /**
     * One partition's accounting.
     *
     * @param operator operator
     * @param partition partition
     * @param kind kind
     * @param chunked whether it is chunked (if not, all of it is new: it was written whole by this checkpoint)
     * @param tally its figures
     * @param chunks its chunks in order (empty when not chunked)
     */
    record PartitionChunks(String operator, int partition, String kind, boolean chunked, Chunks.Tally tally, List<ChunkLine> chunks) {}

    /**
     * One chunk reference.
     *
     * @param key its object
     * @param sha256 of its uncompressed bytes
     * @param size uncompressed
     * @param codec {@code none} or {@code zstd}
     * @param storedSize the object's length
     * @param firstId the checkpoint that wrote it
     * @param isNew whether that is this checkpoint
     */
    record ChunkLine(String key, String sha256, long size, String codec, long storedSize, long firstId, boolean isNew) {}

    /** The accounting as text: one row per partition, then the checkpoint's total. */
    private static void printChunks(PrintWriter out, Manifest m) {
        ChunkReport r = ChunkReport.of(m);
        out.println("checkpoint " + r.id() + " (format " + r.format() + "): " + r.total().describe());
        Format.Table t = new Format.Table("OPERATOR", "PARTITION", "SIZE", "CHUNKS", "NEW CHUNKS", "NEW", "REUSED", "STORED NEW", "STORED REUSED");
        for (PartitionChunks p : r.partitions()) {
            Chunks.Tally x = p.tally();
            t.row(p.operator(), p.partition(), Format.bytes(x.bytes()), p.chunked() ? x.chunks() : "-", p.chunked() ? x.newChunks() : "-",
                    Format.bytes(x.newBytes()), Format.bytes(x.reusedBytes()), Format.bytes(x.storedNewBytes()), Format.bytes(x.storedReusedBytes()));
        }
        t.lines("  ").forEach(out::println);
    }

    /** A link as {@code 6 (manifest sha256 <hex>)}; none for the first checkpoint, implicit for format 1. */
    static String link(Manifest m, Optional<Manifest.Link> link) {
        if (link.isPresent()) {
            return link.get().id() + " (manifest sha256 " + link.get().manifestSha256() + ")";
        }
        return m.formatMajor() == 1 ? "- (format 1: the next lower format-1 checkpoint)" : "- (the first checkpoint of the location)";
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

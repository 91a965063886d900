package dev.checkpointer.benchmarks;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Chunking;
import dev.checkpointer.Manifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The report's rows for incremental checkpoints (issue 19): P6b, P7, P8 and P9, measured through the public API.
 *
 * <p>P7 is a count, not a time: the bytes a save puts to the store (chunks, manifest and pointer) after 1% of a GiB
 * was edited, over the state's size, for two edit distributions ({@link Edits#RUNS}, {@link Edits#SCATTERED}) and two
 * average chunk sizes (1 MiB, the default, and 64 KiB). It runs in a JVM of its own ({@code Incremental p7}), as the
 * full GiB, plus its edited copy, does not belong in the report's heap. The same seeds give the same figures on every
 * machine.
 */
final class Incremental {
    /** P7: edit steps measured per configuration (after the first, full, save). */
    static final int P7_STEPS = 3;

    private Incremental() {}

    /** One P7 configuration's figures, averaged over its steps. */
    record Upload(String edits, int average, long stateBytes, long uploaded, long chunkBytes, long chunks, long places, long edited,
                  double minRatio, double maxRatio) {
        double ratio() {
            return (double) uploaded / stateBytes;
        }

        String line() {
            return String.join(" ", "P7", edits, Integer.toString(average), Long.toString(stateBytes), Long.toString(uploaded), Long.toString(chunkBytes),
                    Long.toString(chunks), Long.toString(places), Long.toString(edited), Double.toString(minRatio), Double.toString(maxRatio));
        }

        static Upload parse(String line) {
            String[] f = line.trim().split(" ");
            return new Upload(f[1], Integer.parseInt(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
                    Long.parseLong(f[7]), Long.parseLong(f[8]), Double.parseDouble(f[9]), Double.parseDouble(f[10]));
        }
    }

    /**
     * {@code Incremental p7}: prints one {@code P7 ...} line per configuration.
     *
     * @param args {@code p7}
     */
    public static void main(String[] args) {
        if (args.length != 1 || !args[0].equals("p7")) {
            throw new IllegalArgumentException("usage: Incremental p7");
        }
        for (Edits edits : List.of(Edits.RUNS, Edits.SCATTERED)) {
            // Runs also at 512 and 256 KiB: between the default and 64 KiB, where the chunks around each place stop dominating.
            int[] averages = edits == Edits.RUNS ? new int[] {Chunking.DEFAULT_AVERAGE, 512 << 10, 256 << 10, 64 << 10}
                    : new int[] {Chunking.DEFAULT_AVERAGE, 64 << 10};
            for (int average : averages) {
                // The same GiB each time, made again rather than kept: the first save of each holds its chunks until the JVM ends
                // (see IncrementalBench.withHead), so the heap must not hold the state a second time.
                System.out.println(p7(Data.partitions(IncrementalBench.PARTITIONS, IncrementalBench.PARTITION_SIZE), edits, average).line());
            }
        }
    }

    /** A full chunked save of {@code base}, then {@value #P7_STEPS} saves each after editing 1%, counting what each puts. */
    static Upload p7(byte[][] base, Edits edits, int average) {
        System.err.println("measuring P7: " + edits.name() + ", " + average + " byte chunks");
        String name = edits == Edits.RUNS ? "runs" : "scattered";
        DiscardingStore store = new DiscardingStore();
        try (Checkpointer cp = Checkpointer.builder().store(store).chunking(Chunking.on().withAverageChunkSize(average)).build()) {
            cp.save(Data.snapshot("bench", base)).block();
            byte[][] state = base;
            long stateBytes = 0;
            long uploaded = 0;
            long chunkBytes = 0;
            long chunks = 0;
            long places = 0;
            long edited = 0;
            double[] ratios = new double[P7_STEPS];
            for (int step = 0; step < P7_STEPS; step++) {
                Edits.Step s = edits.apply(state, IncrementalBench.CHANGE, 7000 + step);
                state = s.state();
                long before = store.bytesReceived.get();
                long chunkBefore = store.chunkBytesReceived.get();
                long chunksBefore = store.chunksReceived.get();
                Manifest m = cp.save(Data.snapshot("bench", state)).block();
                long put = store.bytesReceived.get() - before;
                ratios[step] = (double) put / m.totalBytes();
                stateBytes += m.totalBytes();
                uploaded += put;
                chunkBytes += store.chunkBytesReceived.get() - chunkBefore;
                chunks += store.chunksReceived.get() - chunksBefore;
                places += s.places();
                edited += s.editedBytes();
            }
            return new Upload(name, average, stateBytes / P7_STEPS, uploaded / P7_STEPS, chunkBytes / P7_STEPS, chunks / P7_STEPS, places / P7_STEPS,
                    edited / P7_STEPS, Arrays.stream(ratios).min().orElse(Double.NaN), Arrays.stream(ratios).max().orElse(Double.NaN));
        }
    }

    /** Runs P7 in a JVM of its own with an 8 GiB heap (the GiB, its edited copy, and what a save of all-new chunks holds). */
    static List<Upload> p7InChild() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx8g", "-cp", System.getProperty("java.class.path"),
                Incremental.class.getName(), "p7").redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("P7 run failed:\n" + output);
        }
        List<Upload> out = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("P7 ")) {
                out.add(Upload.parse(line));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("P7 printed no result:\n" + output);
        }
        return out;
    }

    private static final double MIB = 1024.0 * 1024;

    private static String size(long bytes) {
        return bytes >= (1 << 20) ? Report.fmt(bytes / MIB) + " MiB" : String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
    }

    /** What P7's figures show: the cost per edit place, and why the scattered edits cannot meet the target. */
    static String p7Note(List<Upload> all) {
        StringBuilder sb = new StringBuilder("- **P7** counts bytes (seeded edits: the same on every machine). A checkpoint puts about the edited bytes"
                + " plus one or two chunks per edit place (the chunk the place falls in, the next one when it straddles or moves a boundary),"
                + " plus the manifest, which lists every chunk of the state. Measured, (put - edited) / places:");
        for (Upload u : all) {
            sb.append(' ').append(u.edits()).append(" at ").append(size(u.average())).append(' ')
                    .append(size((u.uploaded() - u.edited()) / Math.max(1, u.places()))).append(';');
        }
        sb.setLength(sb.length() - 1);
        sb.append(". So the number of places decides, not the 1%.");
        for (Upload u : all) {
            if (u.edits().equals("runs") && u.average() == Chunking.DEFAULT_AVERAGE) {
                double perPlace = (double) (u.uploaded() - u.edited()) / Math.max(1, u.places());
                long fit = (long) Math.max(0, (0.03 * u.stateBytes() - u.edited()) / perPlace);
                sb.append(String.format(Locale.ROOT, " Edits in runs (%d places) put %.3f of the state with 1 MiB chunks, which meet 0.03 up to"
                        + " about %d places per GiB at 1%%; ", u.places(), u.ratio(), fit));
            }
            if (u.edits().equals("runs") && u.average() != Chunking.DEFAULT_AVERAGE) {
                sb.append(String.format(Locale.ROOT, "with %s chunks they put %.3f, of which the manifest (%d bytes per chunk of the state) is %s; ",
                        size(u.average()), u.ratio(), Math.round((u.uploaded() - u.chunkBytes()) / ((double) u.stateBytes() / u.average())),
                        size(u.uploaded() - u.chunkBytes())));
            }
        }
        if (sb.toString().endsWith("; ")) {
            sb.setLength(sb.length() - 2);
            sb.append(". ");
        }
        all.stream().filter(u -> u.edits().equals("scattered")).findFirst().ifPresent(u -> sb.append(String.format(Locale.ROOT,
                "Scattered 100-byte edits (%d places per GiB) outnumber the chunks (1,024 per GiB at 1 MiB, 16,384 at 64 KiB), so nearly every"
                        + " chunk changes and the whole state is put again (%s): no chunk size meets 0.03 for them, as it would take chunks of about"
                        + " 0.03 x state / places = %d bytes, about the size of a chunk's line in the manifest.",
                u.places(), String.join(", ", all.stream().filter(v -> v.edits().equals("scattered"))
                        .map(v -> String.format(Locale.ROOT, "%.3f at %s", v.ratio(), size(v.average()))).toList()),
                Math.round(0.03 * u.stateBytes() / u.places()))));
        return sb.toString();
    }

    /** ", its N chunks written by M checkpoints" from the note the chain's setup left (read once), or "". */
    private static String chainMade() {
        try {
            java.nio.file.Path note = IncrementalBench.chainNote();
            if (Files.exists(note)) {
                String[] f = Files.readString(note).trim().split(" ");
                CHAIN_MADE[0] = ", its " + f[0] + " chunks written by " + f[1] + " checkpoints";
                Files.deleteIfExists(note);
            }
        } catch (IOException | RuntimeException e) {
            // the description goes without it
        }
        return CHAIN_MADE[0];
    }

    private static final String[] CHAIN_MADE = {""};

    /** {@code subject / baseline} of each pair: a time over its ideal. */
    static double[] inverse(Interleaved.Pairs p) {
        return Arrays.stream(p.ratios()).map(r -> 1 / r).toArray();
    }

    /** The rows, in report order. */
    static final List<Report.Extra> EXTRAS = List.of(
            new Report.Extra() {
                @Override
                public String id() {
                    return "P6b";
                }

                @Override
                public void run(int rounds, List<String[]> rows, List<String> notes) throws Exception {
                    // The P6b: an incremental chain's head against a full checkpoint of the same state, both
                    // chunked, so the row measures what incrementality costs a restore (chunks written by many saves).
                    Interleaved.Pairs p = Interleaved.run("IncrementalBench.p6c", rounds);
                    rows.add(Report.pairRow("P6b", "latest() + verified read() of 1 GiB (64 partitions) from the head of a chain of a full chunked checkpoint"
                                    + " and " + IncrementalBench.DEPTH + " incremental ones (each editing 1% in runs; 1 MiB average chunks" + chainMade()
                                    + "; memory store)",
                            p, 1.0, "the same state restored from one full chunked checkpoint (every chunk written by one save)", ">= 0.90"));
                    if (p.medianRatio() < 0.90) {
                        notes.add(String.format(Locale.ROOT, "- **P6b**: the chain's head restores at %.2f of a full checkpoint of the same state. Both"
                                + " read the same number of chunks; the chain's were written by many saves. Compare with a quieter run.", p.medianRatio()));
                    }
                }
            },
            new Report.Extra() {
                @Override
                public String id() {
                    return "P6b-u";
                }

                @Override
                public void run(int rounds, List<String[]> rows, List<String> notes) throws Exception {
                    Interleaved.Pairs p = Interleaved.run("IncrementalBench.p6b", rounds);
                    String[] r = Report.pairRow("P6b-u", "P6b's restore of the chain's head (" + IncrementalBench.DEPTH + " incremental checkpoints deep" + chainMade() + ")",
                            p, 1.0, "the same state restored from one full checkpoint that is not chunked (single-part objects as in P6)", ">= 0.90");
                    r[5] = "report it";
                    r[6] = "";
                    rows.add(r);
                    if (p.medianRatio() < 0.90) {
                        notes.add(String.format(Locale.ROOT, "- **P6b-u**: a chunked partition's read() returns one array of the partition's size, which the"
                                + " JVM zeroes and each chunk is then copied into (and verified there, from the cache), while an unchunked single-part"
                                + " object is handed out as it is, verified in place (P6). That memory traffic, two writes and a read of every byte, is"
                                + " what chunking costs a read() here (GC: %.0f ms in the median measured iteration of the chain's side); stream()"
                                + " hands each verified chunk out without it.", p.medianSubjectGcMillis()));
                    }
                }
            },
            new Report.Extra() {
                @Override
                public String id() {
                    return "P7";
                }

                @Override
                public void run(int rounds, List<String[]> rows, List<String> notes) throws Exception {
                    List<Upload> all = p7InChild();
                    for (Upload u : all) {
                        String id = "P7" + (u.edits().equals("runs") ? "" : "s") + (u.average() == Chunking.DEFAULT_AVERAGE ? "" : "-" + (u.average() >> 10) + "k");
                        String[] r = Report.row(id, "bytes put per checkpoint (chunks + manifest + pointer) / state, 1 GiB in 64 partitions, each checkpoint"
                                        + " editing 1% (" + (u.edits().equals("runs") ? Edits.RUNS.name() : Edits.SCATTERED.name()) + ", 1 in "
                                        + Edits.INSERT_EVERY + " places an insert), " + size(u.average()) + " average chunks; mean of " + P7_STEPS + " checkpoints",
                                size(u.uploaded()) + " (" + u.chunks() + " chunks, " + size(u.chunkBytes()) + ")",
                                size(u.stateBytes()) + " state, " + size(u.edited()) + " edited at " + u.places() + " places",
                                u.ratio(), "<= 0.03");
                        r[4] = String.format(Locale.ROOT, "%.3f (%.3f-%.3f over the checkpoints)", u.ratio(), u.minRatio(), u.maxRatio());
                        rows.add(r);
                    }
                    notes.add(p7Note(all));
                }
            },
            new Report.Extra() {
                @Override
                public String id() {
                    return "P8";
                }

                @Override
                public void run(int rounds, List<String[]> rows, List<String> notes) throws Exception {
                    Interleaved.Pairs p = Interleaved.run("IncrementalBench.p8", rounds);
                    double[] r = inverse(p);
                    double median = Interleaved.median(r);
                    String[] row = Report.row("P8", "save of P7's 1%-changed GiB (edits in runs, 1 MiB average chunks, on its parent: uploads only the changed"
                                    + " chunks) to a store that counts and drops chunks, all cores",
                            Report.fmt(p.medianSubjectMillis()) + " ms", Report.fmt(p.medianBaselineMillis()) + " ms ideal: raw SHA-256 of the GiB on all cores,"
                                    + " then raw put of the same changed chunks to the same store (8 in flight)",
                            median, "<= 1.25");
                    row[4] = String.format(Locale.ROOT, "%.2f (%.2f-%.2f, %d pairs)", median, Arrays.stream(r).min().orElse(Double.NaN),
                            Arrays.stream(r).max().orElse(Double.NaN), r.length);
                    rows.add(row);
                    if (median > 1.25) {
                        notes.add(String.format(Locale.ROOT, "- **P8**: the save takes %.2f times its ideal. With the parent's boundaries as hints and"
                                + " each partition cut where it lies (P8h), the unchanged 99%% costs one SHA-256 pass, as in the ideal; what is left is"
                                + " the scan of the changed chunks, the work per chunk (about a thousand: index lookups, the manifest that lists them"
                                + " all, its write and the pointer's) and the load of the machine: compare with a quieter run.", median));
                    }
                }
            },
            new Report.Extra() {
                @Override
                public String id() {
                    return "P9";
                }

                @Override
                public void run(int rounds, List<String[]> rows, List<String> notes) throws Exception {
                    Interleaved.Pairs p = Interleaved.run("IncrementalBench.p9", rounds);
                    double gib = IncrementalBench.CORPUS_PARTITIONS * (double) IncrementalBench.PARTITION_SIZE / (1L << 30);
                    rows.add(Report.pairRow("P9", "chunked save with zstd level " + IncrementalBench.LEVEL + " of " + (int) (gib * 1024)
                                    + " MiB of the state corpus (16 partitions, 1 MiB average chunks, every chunk new) to a store that counts and drops chunks,"
                                    + " all cores", p, gib, "raw zstd-jni level " + IncrementalBench.LEVEL + " of the same chunks, a context per core, all cores",
                            ">= 0.80"));
                    byte[][] corpus = IncrementalBench.corpus();
                    DiscardingStore store = new DiscardingStore();
                    long state;
                    try (Checkpointer cp = IncrementalBench.withHead(store, Chunking.on().withZstd(IncrementalBench.LEVEL))) {
                        state = cp.save(Data.snapshot("bench", corpus)).block().totalBytes();
                    }
                    double ratio = (double) state / store.chunkBytesReceived.get();
                    rows.add(new String[] {"P9c", "compression ratio of P9's save (state bytes / chunk bytes put), StateCorpus.mixed",
                            Report.fmt(ratio), size(state) + " state, " + size(store.chunkBytesReceived.get()) + " put", Report.fmt(ratio), "report it", ""});
                    if (p.medianRatio() < 0.80) {
                        notes.add(String.format(Locale.ROOT, "- **P9**: the save runs at %.2f of raw zstd-jni. Besides compressing, it cuts every byte"
                                + " with FastCDC and hashes it (SHA-256 of each chunk; the compressed bytes are left to the store's native checksum), on"
                                + " the same cores; the baseline only compresses.", p.medianRatio()));
                    }
                }
            });
}

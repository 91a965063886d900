package dev.checkpointer.reliability;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The figures of one run of the suite, collected from every test and written once at the end of the run (by
 * {@link ReportExtension}) to {@code reliability/results/latest.md} and printed. A run that covers only some of the
 * requirements (one test class, a filter) writes {@code target/reliability/partial.md} instead, so the committed file
 * is always a whole run.
 */
public final class Report {
    /** Every requirement, in the order they are written. */
    public static final List<String> REQUIREMENTS = List.of("R1", "R2", "R3", "R4", "R5", "R6", "R7", "Load");
    private static final Map<String, String> TITLES = Map.of(
            "R1", "Faults", "R2", "Crashes", "R3", "Races", "R4", "Corruption",
            "R5", "Bad input", "R6", "Secrets", "R7", "Cancellation", "Load", "Load");
    private static final Map<String, Section> SECTIONS = new ConcurrentHashMap<>();
    private static final Map<String, String> KNOWN_ISSUES = new java.util.TreeMap<>();
    private static final List<String> STORES = new ArrayList<>();

    private Report() {}

    /**
     * The section of a requirement.
     *
     * @param id one of {@link #REQUIREMENTS}
     * @return the section, created on first use
     */
    public static Section section(String id) {
        if (!TITLES.containsKey(id)) {
            throw new IllegalArgumentException("unknown requirement " + id);
        }
        return SECTIONS.computeIfAbsent(id, k -> new Section(k, TITLES.get(k)));
    }

    /**
     * Records a defect this suite found outside this module, since fixed; its strict test runs in every run.
     *
     * @param id a short id, e.g. {@code K1}
     * @param text what was wrong, the fix, and the strict tests that keep it fixed
     */
    public static synchronized void foundAndFixed(String id, String text) {
        KNOWN_ISSUES.put(id, text);
    }

    /**
     * Records a store covered by this run.
     *
     * @param name e.g. {@code memory}
     */
    public static synchronized void storeCovered(String name) {
        if (!STORES.contains(name)) {
            STORES.add(name);
        }
    }

    static void testFailed(String requirement, String test, Throwable cause) {
        String message = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        int nl = message.indexOf('\n');
        section(requirement).failed(test, cause.getClass().getSimpleName() + ": " + (nl < 0 ? message : message.substring(0, nl)));
    }

    /**
     * Whether every requirement has figures in this run.
     *
     * @return true for a whole run
     */
    public static boolean complete() {
        return REQUIREMENTS.stream().allMatch(SECTIONS::containsKey);
    }

    /**
     * A table cell: pipes escaped, line breaks flattened; numbers grouped by thousands, ratios as percentages.
     *
     * @param value the value
     * @return the Markdown text
     */
    public static String cell(Object value) {
        String s;
        if (value instanceof Integer || value instanceof Long) {
            s = String.format(Locale.ROOT, "%,d", ((Number) value).longValue());
        } else if (value instanceof Double d) {
            s = String.format(Locale.ROOT, d >= 100 ? "%,.0f" : "%.2f", d);
        } else if (value instanceof Duration d) {
            s = d.toMillis() >= 10_000 ? String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0) : d.toMillis() + " ms";
        } else {
            s = String.valueOf(value);
        }
        return s.replace("|", "\\|").replace("\r", " ").replace("\n", " ");
    }

    /**
     * A detection rate as shown in the tables.
     *
     * @param detected detected cases
     * @param total all cases
     * @return e.g. {@code 100% (64/64)}
     */
    public static String rate(long detected, long total) {
        if (total == 0) {
            return "n/a (0 cases)";
        }
        double pct = 100.0 * detected / total;
        String p = detected == total ? "100" : String.format(Locale.ROOT, "%.2f", pct);
        return p + "% (" + String.format(Locale.ROOT, "%,d/%,d", detected, total) + ")";
    }

    /**
     * Renders the whole results file.
     *
     * @param started when the run started
     * @param elapsed how long it took
     * @return the Markdown
     */
    public static synchronized String render(Instant started, Duration elapsed) {
        StringBuilder out = new StringBuilder();
        out.append("# Reliability and security figures\n\n");
        out.append("Written by the `reliability` module's test run (`mvn -B -f reliability/pom.xml verify`")
                .append(Scale.isLong() ? " `-Preliability-long`" : "").append("), ")
                .append(Scale.label()).append(", started ").append(started.truncatedTo(ChronoUnit.SECONDS))
                .append(", ").append(String.format(Locale.ROOT, "%.1f", elapsed.toMillis() / 1000.0)).append(" s of tests.\n\n");
        out.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(" (").append(System.getProperty("java.vm.vendor")).append("), ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" processors, max heap ")
                .append(Runtime.getRuntime().maxMemory() / (1024 * 1024)).append(" MiB, GC ")
                .append(String.join("+", ManagementFactory.getGarbageCollectorMXBeans().stream().map(b -> b.getName()).toList()))
                .append('\n');
        out.append("- Stores covered: ").append(STORES.isEmpty() ? "none" : String.join(", ", STORES))
                .append(". The S3, Azure and GCS stores are tested in their own modules, not yet here (see *Not covered*).\n");
        RunInfo.commit().ifPresent(c -> out.append("- Source: HEAD ").append(c).append(" (the working tree may have had changes)\n"));
        out.append('\n');

        out.append("## Summary\n\n| | requirement | verdict | figures |\n|---|---|---|---|\n");
        for (String id : REQUIREMENTS) {
            Section s = SECTIONS.get(id);
            out.append("| ").append(id).append(" | ").append(TITLES.get(id)).append(" | ")
                    .append(s == null ? "not run" : s.verdict().label()).append(" | ")
                    .append(s == null ? "" : cell(s.headlineText())).append(" |\n");
        }
        out.append('\n');
        for (String id : REQUIREMENTS) {
            Section s = SECTIONS.get(id);
            if (s != null) {
                out.append(s.render());
            }
        }
        if (!KNOWN_ISSUES.isEmpty()) {
            out.append("## Defects this suite found (fixed)\n\nFound by this suite outside this module and fixed there; the strict "
                    + "test named in each entry runs in every run, so a regression turns the run red.\n\n");
            KNOWN_ISSUES.forEach((k, v) -> out.append("- **").append(k).append("** ").append(v).append('\n'));
            out.append('\n');
        }
        out.append("""
                ## Not covered (future work)

                - **Emulator stores.** The S3 (S3Mock), Azure (Azurite) and GCS stores have landed with their own conformance and
                  fault tests, but are not yet `StoreTarget`s of this suite; each would add one to `Stores.all()` (reusing the
                  launchers of its module's tests) and every parameterised requirement (R1 to R4, R7, Load) would run against it.
                - **HTTP-level faults here.** The S3 and Azure modules test 503 SlowDown / ServerBusy, resets and slow responses
                  through WireMock in their own suites; this suite does not yet put such a proxy in front of the emulators for the
                  1000-save R1 run. Here R1 injects faults at the store SPI:
                  the memory store's own fault injection and `FaultInjectingStore`, a `ForwardingObjectStore` that fails calls before
                  or after their effect, which is what such a proxy produces as seen by the engine.
                - **Load against each emulator.** Load runs against the memory and file-system stores only.

                ## How to run

                ```
                mvn -B -f reliability/pom.xml verify                      # bounded: what CI runs; writes results/latest.md
                mvn -B -f reliability/pom.xml verify -Preliability-long   # 5x counts and durations, exhaustive byte flips; writes results/long.md
                mvn -B -f reliability/pom.xml verify -Dreliability.scale=10 -Dreliability.timeout="3600 s"   # any multiplier
                ```
                """);
        return out.toString();
    }

    /**
     * Writes the results file (or the partial one) and prints it.
     *
     * @param started when the run started
     * @param elapsed how long it took
     * @return where it was written
     * @throws IOException when the file cannot be written
     */
    public static Path write(Instant started, Duration elapsed) throws IOException {
        String text = render(started, elapsed);
        Path target = complete()
                ? Path.of(System.getProperty("reliability.results", Scale.workDir().resolve("latest.md").toString()))
                : Scale.workDir().resolve("partial.md");
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, text, StandardCharsets.UTF_8);
        Files.createDirectories(Scale.workDir());
        Files.writeString(Scale.workDir().resolve("results.md"), text, StandardCharsets.UTF_8);
        return target;
    }
}

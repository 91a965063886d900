package dev.checkpointer.reliability;

import dev.checkpointer.testkit.FaultInjectingStore;
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
 * {@link ReportExtension}) to the file {@code -Dreliability.results} names, and printed. The build sets it to
 * {@code reliability/target/reliability/latest.md}: a build never rewrites a tracked file (issue 17). The committed
 * {@code reliability/results/latest.md} is the last curated copy, refreshed only on purpose with the
 * {@code reliability-publish} Maven profile ({@code -Preliability-publish} or {@code -Dreliability.publish}). A run that
 * covers only some of the requirements (one test class, a filter) writes {@code target/reliability/partial.md}
 * instead, so the results file is always a whole run; {@code target/reliability/results.md} always holds the last run.
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
    private static final Map<String, Long> EMULATOR_STARTS = new java.util.LinkedHashMap<>();
    private static final List<String> SKIPPED = new ArrayList<>();

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

    /**
     * Records that an emulator was started for this run.
     *
     * @param target the target's name, e.g. {@code s3}
     * @param millis how long its start took
     */
    public static synchronized void emulatorStarted(String target, long millis) {
        EMULATOR_STARTS.put(target, millis);
    }

    /**
     * Records a requirement that did not run against a store here, with the reason; the results list it in the
     * requirement's section and in the summary.
     *
     * @param requirement the requirement
     * @param target the store target
     * @param reason why
     */
    public static void skipped(String requirement, String target, String reason) {
        section(requirement).skipped(target, reason);
        synchronized (Report.class) {
            String line = requirement + " [" + target + "]: " + reason;
            if (!SKIPPED.contains(line)) {
                SKIPPED.add(line);
            }
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
        out.append("> Every build writes these figures to `reliability/target/reliability/").append(Scale.isLong() ? "long" : "latest")
                .append(".md`. The copy committed in `reliability/results/` is the last curated run, refreshed only on purpose with "
                        + "`mvn -B -pl reliability -am verify -Preliability-publish` (issue 17: no tracked file changes on an ordinary build).\n\n");
        out.append("Written by the `reliability` module's test run (`mvn -B -pl reliability -am verify`")
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
                .append(". `s3` is the S3 store on S3Mock ").append(System.getProperty("reliability.s3mock.version", "5.2.0"))
                .append(" and `azure` the Azure Blob store on Azurite ").append(System.getProperty("reliability.azurite.version", "3.35.0"))
                .append(", each emulator a separate process on 127.0.0.1, and `gcs` the GCS store (real google-cloud-storage client over HTTP) on "
                        + "FakeGcsServer, store-gcs's in-process GCS JSON-API test server");
        if (!EMULATOR_STARTS.isEmpty()) {
            List<String> starts = new ArrayList<>();
            EMULATOR_STARTS.forEach((t, ms) -> starts.add(t + String.format(Locale.ROOT, " %.1f s", ms / 1000.0)));
            out.append(" (started in ").append(String.join(", ", starts)).append(')');
        }
        out.append("; the bounded run gives the emulator targets (and gcs) smaller counts (stated in each section).\n");
        if (!SKIPPED.isEmpty()) {
            out.append("- Not run here: ").append(String.join("; ", SKIPPED)).append('\n');
        }
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
                ## What runs against which store

                - **memory, filesystem** (in this JVM): R1 to R5, R7 and Load; R6 with the `canary://` stand-in; the `long`-tagged
                  exhaustive R4 (every byte position) runs on these two only.
                - **s3** (the S3 store on S3Mock, a separate process) and **azure** (the Azure Blob store on Azurite, a separate
                  process): R1 (twice: through `FaultInjectingStore` at the SPI, and through the HTTP fault proxy), R2, R3, R4
                  (sampled), R7 and Load, with smaller counts than the in-JVM stores in the bounded run (each section states them;
                  `-Preliability-long` multiplies both by 5). Every "fresh process" of R2 and R7 is a new store with its own HTTP
                  client on the same emulator.
                - **gcs** (the GCS store through the real google-cloud-storage client over HTTP, on FakeGcsServer from store-gcs's
                  test-jar: an in-process JSON-API server with generation preconditions, crc32c checks, resumable sessions and
                  paged listings, one server per location): R1 (at the SPI only, through `FaultInjectingStore`), R2, R3, R4
                  (sampled), R7 and Load, with the emulator targets' counts. The Firebase Storage emulator is not used: it
                  does not honour preconditions.

                ## Not covered (future work)

                - **GCS on the wire, and GCS itself.** GCS is not run through the HTTP fault proxy (it speaks S3's and Azure's
                  error dialects only), so its R1 faults are at the store SPI; its wire-level faults (scripted error statuses,
                  refused connections, corrupted uploads) are tested in store-gcs's own `GcsScriptedServerTest`. FakeGcsServer is written from the public
                  API documentation, not Google's server: it shows the store drives the real client correctly over HTTP, not
                  that GCS behaves as documented.
                - **Real clouds.** S3 and Azure run on emulators, GCS on FakeGcsServer. Known emulator deviations this suite works with rather than
                  around: S3Mock checks conditional writes without a lock (its connector runs one request thread, which makes
                  them atomic, and all of its figures come from one request at a time); S3's 5 MiB minimum part size makes the
                  suite's multipart partitions one-part uploads on S3; Azure cannot abort staged blocks (they stay as an
                  uncommitted blob until `prune()`, counted apart in R7).
                - **HTTP-level faults beyond R1.** Only R1 runs through the WireMock fault proxy (S3 and Azure); R2 to R7 and
                  Load talk to the emulators and FakeGcsServer directly (R2's crashes and R7's cancellations are injected at the store SPI, which is where a dying
                  process or a cancel stops the engine's calls).
                - **R5 and R6 on the cloud stores (S3, Azure, GCS).** The hostile-input catalogue (R5) runs against the memory
                  and file-system stores; the secret catalogue (R6) against those and the `canary://` stand-in for a store taking
                  credentials. The S3 and Azure stores' real secret options are checked in their own modules' tests
                  (`S3FaultInjectionTest.credentialsAndKeysNeverAppearInErrorsOrDescriptions`, `AzureSecretRedactionTest`),
                  not in `SecretCases`.
                - **Process kills.** A crash here is a store handle that stops working and a new one opened; killing real JVM
                  processes mid-save is `multihost-tests`' business (memory, file and S3 stores).

                ## How to run

                From the repository root (a reactor build, so that the suite runs against the modules as they are; never
                `mvn install`):

                ```
                mvn -B -pl reliability -am verify                                # bounded: what CI runs; writes reliability/target/reliability/latest.md
                mvn -B -pl reliability -am verify -Preliability-long             # 5x counts and durations, exhaustive byte flips; writes target/reliability/long.md
                mvn -B -pl reliability -am verify -Dreliability.scale=10 -Dreliability.timeout="3600 s"   # any multiplier
                mvn -B -pl reliability -am verify -Preliability-publish          # refreshes the curated reliability/results/latest.md (long.md with -Preliability-long)
                mvn -B -pl reliability -am verify -Dtest='R3*' -Dsurefire.failIfNoSpecifiedTests=false   # one requirement: writes target/reliability/partial.md
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

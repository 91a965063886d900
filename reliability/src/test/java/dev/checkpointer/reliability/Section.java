package dev.checkpointer.reliability;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one requirement (R1 to R7, Load): what was run, tables of counts, and each criterion of the issue
 * with its verdict and the evidence. Tests add to it as they run; {@link Report} renders it. Thread-safe.
 */
public final class Section {
    private final String id;
    private final String title;
    private final List<String> paragraphs = new ArrayList<>();
    private final Map<String, Table> tables = new LinkedHashMap<>();
    private final List<String[]> criteria = new ArrayList<>();
    private final List<Verdict> verdicts = new ArrayList<>();
    private final Map<String, String> headlines = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();

    Section(String id, String title) {
        this.id = id;
        this.title = title;
    }

    /**
     * The requirement's id.
     *
     * @return e.g. {@code R1}
     */
    public String id() {
        return id;
    }

    /**
     * Adds a paragraph (Markdown) describing what was run; a paragraph already present is not repeated.
     *
     * @param markdown the text
     * @return this section
     */
    public synchronized Section describe(String markdown) {
        if (!paragraphs.contains(markdown)) {
            paragraphs.add(markdown);
        }
        return this;
    }

    /**
     * The table with this caption, created with these headers on first use.
     *
     * @param caption the caption (unique within the section)
     * @param headers the column headers
     * @return the table
     */
    public synchronized Table table(String caption, String... headers) {
        return tables.computeIfAbsent(caption, c -> new Table(c, List.of(headers)));
    }

    /**
     * Records one criterion of the issue and whether it held.
     *
     * @param criterion what is promised, e.g. {@code 0 lost checkpoints [memory]}
     * @param verdict the outcome
     * @param evidence the figures behind it
     * @return this section
     */
    public synchronized Section criterion(String criterion, Verdict verdict, String evidence) {
        criteria.add(new String[] {criterion, verdict.label(), evidence});
        verdicts.add(verdict);
        return this;
    }

    /**
     * Records a criterion that holds exactly when {@code condition} is true.
     *
     * @param criterion what is promised
     * @param condition whether it held
     * @param evidence the figures behind it
     * @return the condition, so that the test can assert it after recording
     */
    public boolean check(String criterion, boolean condition, String evidence) {
        criterion(criterion, Verdict.of(condition), evidence);
        return condition;
    }

    /**
     * Sets the one-line summary of this section for one part of the run (a store, a writer count).
     *
     * @param part e.g. {@code memory}
     * @param text the summary
     * @return this section
     */
    public synchronized Section headline(String part, String text) {
        headlines.put(part, text);
        return this;
    }

    synchronized void skipped(String part, String reason) {
        String line = part + ": " + reason;
        if (!skipped.contains(line)) {
            skipped.add(line);
        }
        headlines.putIfAbsent(part, "not run (" + reason + ")");
    }

    synchronized void failed(String test, String message) {
        failures.add(test + ": " + message);
        verdicts.add(Verdict.FAIL);
    }

    /**
     * The section's verdict: FAIL when any criterion failed or a test of it failed, else KNOWN_ISSUE when any
     * criterion is a known issue, else PASS (FAIL as well when nothing was recorded).
     *
     * @return the verdict
     */
    public synchronized Verdict verdict() {
        if (verdicts.isEmpty() || verdicts.contains(Verdict.FAIL)) {
            return Verdict.FAIL;
        }
        return verdicts.contains(Verdict.KNOWN_ISSUE) ? Verdict.KNOWN_ISSUE : Verdict.PASS;
    }

    synchronized String headlineText() {
        StringBuilder b = new StringBuilder();
        headlines.forEach((part, text) -> b.append(b.length() == 0 ? "" : "; ").append(part).append(": ").append(text));
        return b.toString();
    }

    String title() {
        return title;
    }

    synchronized String render() {
        StringBuilder out = new StringBuilder();
        out.append("## ").append(id).append(" ").append(title).append("\n\n");
        for (String p : paragraphs) {
            out.append(p).append("\n\n");
        }
        for (Table t : tables.values()) {
            out.append(t.render());
        }
        if (!criteria.isEmpty()) {
            out.append("| criterion | verdict | evidence |\n|---|---|---|\n");
            for (String[] c : criteria) {
                out.append("| ").append(Report.cell(c[0])).append(" | ").append(c[1]).append(" | ").append(Report.cell(c[2])).append(" |\n");
            }
            out.append('\n');
        }
        if (!skipped.isEmpty()) {
            out.append("Not run here:\n\n");
            skipped.forEach(f -> out.append("- ").append(Report.cell(f)).append('\n'));
            out.append('\n');
        }
        if (!failures.isEmpty()) {
            out.append("Failed tests:\n\n");
            failures.forEach(f -> out.append("- ").append(Report.cell(f)).append('\n'));
            out.append('\n');
        }
        return out.toString();
    }
}

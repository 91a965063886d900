package dev.checkpointer.multihost;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every broken promise a test finds, by kind: the checks all run, and the test fails once at the end with the whole
 * list (so one early violation does not hide the others).
 */
final class Violations {
    private static final int SHOWN_PER_KIND = 25;

    private final String what;
    private final Map<String, List<String>> byKind = new LinkedHashMap<>();

    Violations(String what) {
        this.what = what;
    }

    /** Records one violation of the given kind. */
    void add(String kind, String detail) {
        byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(detail);
    }

    /** Registers a kind with no violation yet, so the summary shows it was checked. */
    void checked(String kind) {
        byKind.computeIfAbsent(kind, k -> new ArrayList<>());
    }

    int count(String kind) {
        return byKind.getOrDefault(kind, List.of()).size();
    }

    int total() {
        return byKind.values().stream().mapToInt(List::size).sum();
    }

    /** One line per kind with its count, then the first details of each. */
    String report() {
        StringBuilder s = new StringBuilder(what).append(": ").append(total()).append(" violation(s)\n");
        byKind.forEach((kind, list) -> s.append("  ").append(list.isEmpty() ? "ok  " : "FAIL").append(' ').append(kind)
                .append(": ").append(list.size()).append('\n'));
        byKind.forEach((kind, list) -> {
            if (list.isEmpty()) {
                return;
            }
            s.append("--- ").append(kind).append(" (").append(list.size()).append(")\n");
            list.stream().limit(SHOWN_PER_KIND).forEach(d -> s.append("    ").append(d).append('\n'));
            if (list.size() > SHOWN_PER_KIND) {
                s.append("    ... and ").append(list.size() - SHOWN_PER_KIND).append(" more\n");
            }
        });
        return s.toString();
    }

    /** Fails with the report when anything was recorded. */
    void assertNone() {
        if (total() > 0) {
            throw new AssertionError(report());
        }
    }
}

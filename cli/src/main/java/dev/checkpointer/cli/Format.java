package dev.checkpointer.cli;

import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Human-readable formatting: sizes, locations without secrets, and plain-text tables. */
final class Format {
    private Format() {}

    /** {@code 512 B}, {@code 1.5 KiB}, {@code 3.2 MiB}, … */
    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    /**
     * A store URI fit to print: no query (options may hold secrets) and no user information.
     *
     * @param uri the URI as given
     * @return the printable location
     */
    static String location(String uri) {
        String s = uri.strip();
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        int hash = s.indexOf('#');
        if (hash >= 0) {
            s = s.substring(0, hash);
        }
        int auth = s.indexOf("://");
        if (auth >= 0) {
            int end = s.indexOf('/', auth + 3);
            String authority = end < 0 ? s.substring(auth + 3) : s.substring(auth + 3, end);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                s = s.substring(0, auth + 3) + authority.substring(at + 1) + (end < 0 ? "" : s.substring(end));
            }
        }
        return s;
    }

    /** Offsets of one source as {@code k=v k=v}, sorted by key (numerically when the keys are numbers). */
    static String offsets(Map<String, String> offsets) {
        return offsets.entrySet().stream()
                .sorted((a, b) -> compareKeys(a.getKey(), b.getKey()))
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    static int compareKeys(String a, String b) {
        boolean na = !a.isEmpty() && a.chars().allMatch(Character::isDigit) && a.length() < 18;
        boolean nb = !b.isEmpty() && b.chars().allMatch(Character::isDigit) && b.length() < 18;
        if (na && nb) {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        }
        return a.compareTo(b);
    }

    /** Where a partition's bytes are: inline in the manifest, or the object key (with the offset in a sidecar). */
    static String storedAs(PartitionEntry e) {
        if (e.isInline()) {
            return "inline in manifest";
        }
        return e.offset() == 0 ? String.valueOf(e.key()) : e.key() + " @" + e.offset();
    }

    /** {@code 4 partitions, 1.2 KiB} */
    static String summary(Manifest m) {
        int n = m.partitions().size();
        return n + (n == 1 ? " partition, " : " partitions, ") + bytes(m.totalBytes());
    }

    /** Left-aligned columns separated by two spaces. */
    static final class Table {
        private final List<String[]> rows = new ArrayList<>();
        private final int columns;

        Table(String... headers) {
            this.columns = headers.length;
            rows.add(headers);
        }

        Table row(Object... cells) {
            String[] r = new String[columns];
            for (int i = 0; i < columns; i++) {
                r[i] = i < cells.length ? String.valueOf(cells[i]) : "";
            }
            rows.add(r);
            return this;
        }

        List<String> lines(String indent) {
            int[] width = new int[columns];
            for (String[] r : rows) {
                for (int i = 0; i < columns; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            List<String> out = new ArrayList<>();
            for (String[] r : rows) {
                StringBuilder sb = new StringBuilder(indent);
                for (int i = 0; i < columns; i++) {
                    sb.append(r[i]);
                    if (i < columns - 1) {
                        sb.append(" ".repeat(width[i] - r[i].length() + 2));
                    }
                }
                out.add(sb.toString().stripTrailing());
            }
            return out;
        }
    }
}

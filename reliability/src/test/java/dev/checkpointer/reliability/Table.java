package dev.checkpointer.reliability;

import java.util.ArrayList;
import java.util.List;

/** One Markdown table of a {@link Section}: a caption, headers and rows added as the tests run. Thread-safe. */
public final class Table {
    private final String caption;
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    Table(String caption, List<String> headers) {
        this.caption = caption;
        this.headers = List.copyOf(headers);
    }

    /**
     * Adds a row; cells are shown with {@link Report#cell(Object)}.
     *
     * @param cells one per header
     * @return this table
     */
    public synchronized Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException("table '" + caption + "' has " + headers.size() + " columns, got " + cells.length + " cells");
        }
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(Report.cell(c));
        }
        rows.add(r);
        return this;
    }

    /**
     * The number of rows so far.
     *
     * @return the count
     */
    public synchronized int size() {
        return rows.size();
    }

    synchronized String render() {
        StringBuilder out = new StringBuilder();
        if (!caption.isEmpty()) {
            out.append("**").append(caption).append("**\n\n");
        }
        out.append('|');
        headers.forEach(h -> out.append(' ').append(h).append(" |"));
        out.append("\n|");
        headers.forEach(h -> out.append("---|"));
        out.append('\n');
        for (List<String> r : rows) {
            out.append('|');
            r.forEach(c -> out.append(' ').append(c).append(" |"));
            out.append('\n');
        }
        return out.append('\n').toString();
    }
}

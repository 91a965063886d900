package dev.checkpointer.cli;

import java.io.Console;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A one-line progress display on stderr for long operations (bytes, percentage, rate, ETA), redrawn at most a few
 * times a second. Shown only on an interactive terminal unless forced, so that scripts and logs stay clean.
 */
final class Progress {
    /** When to show progress. */
    enum Mode {
        /** On an interactive terminal only. */
        AUTO,
        /** Always (even when stderr is redirected). */
        ALWAYS,
        /** Never. */
        NEVER
    }

    private static final long REDRAW_NANOS = 200_000_000L;

    private final String label;
    private final long total;
    private final PrintWriter err;
    private final boolean enabled;
    private final AtomicLong done = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final AtomicLong lastDraw = new AtomicLong(startNanos - REDRAW_NANOS);
    private int lastWidth;

    private Progress(String label, long total, PrintWriter err, boolean enabled) {
        this.label = label;
        this.total = total;
        this.err = err;
        this.enabled = enabled;
    }

    static Progress start(String label, long totalBytes, Mode mode, PrintWriter err) {
        boolean on = switch (mode) {
            case ALWAYS -> true;
            case NEVER -> false;
            case AUTO -> interactive();
        };
        return new Progress(label, totalBytes, err, on);
    }

    /** Whether the JVM runs on an interactive terminal (Java 22+ returns a console even when redirected). */
    static boolean interactive() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return Boolean.TRUE.equals(isTerminal.invoke(c));
        } catch (ReflectiveOperationException e) {
            return true; // before Java 22 a console exists only on a terminal
        }
    }

    void add(long bytes) {
        long now = done.addAndGet(bytes);
        if (!enabled) {
            return;
        }
        long t = System.nanoTime();
        long last = lastDraw.get();
        if (t - last >= REDRAW_NANOS && lastDraw.compareAndSet(last, t)) {
            draw(now, t, false);
        }
    }

    /** Clears the progress line so that a line of regular output can be printed; the next update redraws it. */
    synchronized void pauseLine() {
        if (enabled && lastWidth > 0) {
            err.print("\r" + " ".repeat(lastWidth) + "\r");
            err.flush();
            lastWidth = 0;
        }
    }

    long done() {
        return done.get();
    }

    void finish() {
        if (enabled) {
            draw(done.get(), System.nanoTime(), true);
        }
    }

    private static String eta(double seconds) {
        return seconds < 1 ? "ETA <1 s" : "ETA " + Durations.human(Duration.ofSeconds((long) Math.ceil(seconds)));
    }

    private synchronized void draw(long bytes, long nowNanos, boolean last) {
        double seconds = Math.max(1e-3, (nowNanos - startNanos) / 1e9);
        long shown = Math.min(bytes, total);
        long rate = (long) (bytes / seconds);
        int pct = total <= 0 ? 100 : (int) Math.min(100, shown * 100 / total);
        String eta = last ? "done in " + Durations.human(Duration.ofNanos(nowNanos - startNanos))
                : rate <= 0 ? "ETA --" : eta((total - shown) / (double) rate);
        String line = String.format(java.util.Locale.ROOT, "%s  %s / %s  %3d%%  %s/s  %s",
                label, Format.bytes(shown), Format.bytes(total), pct, Format.bytes(rate), eta);
        String pad = " ".repeat(Math.max(0, lastWidth - line.length()));
        lastWidth = line.length();
        err.print("\r" + line + pad);
        if (last) {
            err.println();
        }
        err.flush();
    }
}

package dev.checkpointer.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.checkpointer.CheckpointListener;
import java.io.PrintWriter;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * What the tool tells on stderr besides its results: the library's log (warnings by default, without stack traces;
 * see logback.xml), and one line per retried store request, with or without {@code -v}.
 */
final class Logging {
    private static final String LIBRARY = "dev.checkpointer";
    /** SDK and network loggers that print stack traces of failures the tool reports itself; heard only with -v. */
    private static final String[] NOISY = {"com.azure", "reactor.netty", "io.netty", "reactor.core.publisher.Operators", "software.amazon.awssdk",
        "com.google"};

    private static volatile @Nullable PrintWriter err;
    private static volatile boolean verbose;

    private Logging() {}

    /**
     * Records whether the library and the SDKs may log; {@link #apply()} sets the levels. Deferred so that
     * {@code --version} and {@code --help}, which log nothing, never start the logging backend (logback parsing its
     * configuration is most of their start-up time).
     */
    static void verbose(boolean on) {
        verbose = on;
    }

    /** Configures the levels for the {@code -v} given (or not), starting the logging backend; before any command runs. */
    static void apply() {
        boolean on = verbose;
        if (LoggerFactory.getLogger(LIBRARY) instanceof Logger logback) {
            logback.setLevel(on ? Level.DEBUG : null);
        }
        for (String name : NOISY) {
            if (LoggerFactory.getLogger(name) instanceof Logger logback) {
                logback.setLevel(on ? Level.WARN : Level.OFF);
            }
        }
    }

    /** Where retry lines go: the command line's stderr. */
    static void stderr(@Nullable PrintWriter writer) {
        err = writer;
    }

    /**
     * Prints one retry: {@code checkpointer: retrying get (attempt 2 failed: get '_latest' failed: cannot reach …)}.
     * Only the failure's message, never a stack trace; store messages carry no secrets.
     */
    static void retry(String operation, long attempt, @Nullable Throwable error) {
        PrintWriter w = err;
        if (w == null) {
            return;
        }
        String why = error == null ? "" : String.valueOf(error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName());
        int newline = why.indexOf('\n');
        w.println("checkpointer: retrying " + operation + " (attempt " + attempt + " failed" + (why.isEmpty() ? "" : ": " + (newline < 0 ? why : why.substring(0, newline))) + ")");
        w.flush();
    }

    /** A listener that prints every retry the library makes. */
    static CheckpointListener retries() {
        return new CheckpointListener() {
            @Override
            public void onRetry(String operation, int attempt, Throwable error) {
                retry(operation, attempt, error);
            }
        };
    }
}

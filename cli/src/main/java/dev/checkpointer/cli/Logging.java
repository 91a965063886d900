package dev.checkpointer.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Adjusts the library's log level (warnings by default, on stderr; see logback.xml). */
final class Logging {
    private static final String LIBRARY = "dev.checkpointer";

    private Logging() {}

    static void verbose(boolean on) {
        if (LoggerFactory.getLogger(LIBRARY) instanceof Logger logback) {
            logback.setLevel(on ? Level.DEBUG : null);
        }
    }
}

package dev.checkpointer.multihost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.checkpointer.PartitionEntry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The line protocol between the test (the "transport") and its processes. Processes write one line per event to
 * stdout and read commands from stdin; logging goes to stderr (logback-test.xml).
 *
 * <pre>
 * worker       stdout: READY, PUT key, ENTRY json, MIDSTREAM n, DONE, ERROR ...      stdin: GO
 * coordinator  stdout: READY, BEGUN id, BEGIN-LOST msg, TAKEN-OVER id, REFUSED missing [..],
 *                      COMMITTED id epoch=e, CONFLICT fenced=b msg, INVALID msg, HALT ..., ERROR ...
 *              stdin:  GO, ID id, ENTRY json, COMMIT
 * verifier     stdout: NONE | LATEST id=.. epoch=.. coordinator=.. partitions=.. ; OK ../MISMATCH ..; ERROR ...
 * </pre>
 */
final class Wire {
    /** Bound on every blocking call inside a process. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Exit codes: what the test uses to tell outcomes apart. */
    static final int EXIT_OK = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_MISMATCH = 2;
    static final int EXIT_CONFLICT = 3;
    static final int EXIT_INVALID = 4;
    static final int EXIT_NONE = 7;
    static final int EXIT_HALTED = 137;

    static final ObjectMapper JSON = new ObjectMapper();

    private static final BufferedReader IN = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

    private Wire() {}

    /** Prints one protocol line, whole and flushed (lines from several threads never interleave). */
    static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** The next stdin line, or null at end of input. */
    static String read() {
        try {
            return IN.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the next line and fails unless it is {@code expected}. */
    static void expect(String expected) {
        String line = read();
        if (!expected.equals(line)) {
            throw new IllegalStateException("expected '" + expected + "' on stdin, got " + (line == null ? "end of input" : "'" + line + "'"));
        }
    }

    static String entryLine(PartitionEntry e) {
        try {
            return "ENTRY " + JSON.writeValueAsString(e);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Parses the JSON after {@code ENTRY }. */
    static PartitionEntry parseEntry(String line) {
        String json = line.startsWith("ENTRY ") ? line.substring("ENTRY ".length()) : line;
        try {
            return JSON.readValue(json, PartitionEntry.class);
        } catch (JsonProcessingException ex) {
            throw new UncheckedIOException("not an entry: " + json, ex);
        }
    }

    /** A message on one line. */
    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }

    /** Reports an unexpected failure and exits with {@link #EXIT_ERROR}. */
    static void die(Throwable t) {
        say("ERROR " + t.getClass().getSimpleName() + ": " + oneLine(t));
        t.printStackTrace();
        System.err.flush();
        Runtime.getRuntime().halt(EXIT_ERROR);
    }

    static void exit(int code) {
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(code);
    }
}

package dev.checkpointer.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The tool's stdout: text in the platform's encoding, and raw bytes where a command prints a file exactly as stored
 * ({@code inspect --json}), so that what is printed hashes to the digest the store's links name, whatever the
 * terminal's encoding.
 */
final class StdoutWriter extends PrintWriter {
    private final OutputStream raw;

    StdoutWriter(OutputStream raw, Charset charset) {
        super(new OutputStreamWriter(raw, charset), true);
        this.raw = raw;
    }

    /**
     * Prints bytes exactly: raw on a {@link StdoutWriter}, else (in-process use, tests) decoded as the UTF-8 that
     * metadata files are written in.
     *
     * @param out where to print
     * @param bytes what to print
     */
    static void printExactly(PrintWriter out, byte[] bytes) {
        if (out instanceof StdoutWriter w) {
            w.flush();
            try {
                w.raw.write(bytes);
                w.raw.flush();
            } catch (IOException e) {
                w.setError();
            }
        } else {
            out.print(new String(bytes, StandardCharsets.UTF_8));
            out.flush();
        }
    }
}

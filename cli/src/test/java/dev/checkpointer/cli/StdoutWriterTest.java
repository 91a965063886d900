package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** inspect --json on the real stdout: the file's bytes, not re-encoded in the terminal's charset. */
class StdoutWriterTest {
    @Test
    void printExactlyWritesTheBytesWhateverTheCharsetAfterPendingText() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        StdoutWriter w = new StdoutWriter(sink, StandardCharsets.US_ASCII);
        byte[] file = "{\"format\":\"checkpointer-manifest\",\"manifest\":{\"metadata\":{\"who\":\"Zoë ✓\"}}}".getBytes(StandardCharsets.UTF_8);
        w.print("x");
        StdoutWriter.printExactly(w, file);
        byte[] expected = new byte[file.length + 1];
        expected[0] = 'x';
        System.arraycopy(file, 0, expected, 1, file.length);
        assertThat(sink.toByteArray()).isEqualTo(expected);
        // the ordinary path would have replaced what US-ASCII cannot encode
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        StdoutWriter t = new StdoutWriter(text, StandardCharsets.US_ASCII);
        t.print(new String(file, StandardCharsets.UTF_8));
        t.flush();
        assertThat(text.toByteArray()).isNotEqualTo(file);
    }
}

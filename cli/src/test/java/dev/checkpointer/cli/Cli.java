package dev.checkpointer.cli;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.store.memory.MemoryStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Runs the tool in-process with captured output, and seeds locations with checkpoints. */
final class Cli {
    /** Bytes of the large partition: above the inline threshold, so it is a stored object. */
    static final int LARGE = 100 * 1024;

    private Cli() {}

    /** What a run printed, and its exit code. */
    record Result(int exit, String out, String err) {
        JsonNode json() {
            try {
                return Json.MAPPER.readTree(out);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException("stdout is not JSON: " + out, e);
            }
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A fresh named in-memory bucket. */
    static String memory() {
        return "memory://cli-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String bucket(String memoryUri) {
        return memoryUri.substring("memory://".length()).split("/")[0];
    }

    static void drop(String memoryUri) {
        MemoryStore.dropNamed(bucket(memoryUri));
    }

    /**
     * Saves {@code n} checkpoints: per checkpoint, partition 0 of "counts" is small (inline in the manifest) and
     * partition 1 is {@link #LARGE} bytes (a stored object); offsets, metadata and a fingerprint are set.
     */
    static List<Manifest> seed(String uri, int n) {
        List<Manifest> saved = new ArrayList<>();
        try (Checkpointer cp = Checkpointer.open(uri)) {
            for (int i = 1; i <= n; i++) {
                byte[] large = new byte[LARGE];
                for (int j = 0; j < large.length; j++) {
                    large[j] = (byte) (j * 31 + i);
                }
                saved.add(cp.save(Snapshot.builder()
                        .partition("counts", 0, Payload.of(("small state " + i).getBytes(UTF_8)))
                        .partition("counts", 1, Payload.of(large))
                        .offsets("clicks", Map.of("0", Integer.toString(100 * i), "1", Integer.toString(200 * i)))
                        .sinkEpoch("out", i)
                        .watermark("clicks", java.time.Instant.parse("2025-01-01T00:00:00Z").plusSeconds(i))
                        .fingerprint("test-pipeline")
                        .metadata("run", "seed-" + i)
                        .build()).block());
            }
        }
        return saved;
    }

    /** The key of a checkpoint's stored (non-inline) partition. */
    static String storedKey(Manifest m) {
        return m.partitions().stream().filter(e -> !e.isInline()).findFirst().orElseThrow().key();
    }
}

package dev.checkpointer.multihost;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Retention;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One of two writers racing on one location with one explicit epoch: {@code Retention.keepLast(3)}, a writer id of
 * its own, and {@code ROUNDS} back-to-back saves of {@link WriterContent.Shape#RACE} state for (NAME, round).
 *
 * <p>{@code RacerMain URI NAME EPOCH ROUNDS RESULTS}. Warms up (opens the store, reads {@code latest()}), prints
 * {@code READY}, waits for {@code GO} on stdin (the start barrier: the test sends it to both racers at once), then
 * saves without pacing. Every outcome is one JSON line in RESULTS, written and flushed as it happens:
 * <pre>
 * {"writer":"A","round":7,"ok":true,"id":19,"epoch":5,"digest":"&lt;WriterContent.digest of the returned manifest&gt;","ms":4}
 * {"writer":"A","round":8,"ok":false,"error":"ConcurrentCheckpointException","fenced":false,"message":"...","ms":6}
 * </pre>
 * Prints {@code ROUND n} every 100 rounds and {@code DONE ok=.. failed=..} at the end; exits {@value Wire#EXIT_OK}.
 */
public final class RacerMain {
    private RacerMain() {}

    public static void main(String[] args) {
        try {
            String uri = args[0];
            String name = args[1];
            long epoch = Long.parseLong(args[2]);
            int rounds = Integer.parseInt(args[3]);
            Path results = Path.of(args[4]);

            int ok = 0;
            int failed = 0;
            try (Checkpointer cp = Checkpointer.builder().location(uri).writerId("racer-" + name)
                    .retention(Retention.keepLast(3)).build();
                 BufferedWriter out = Files.newBufferedWriter(results, StandardCharsets.UTF_8)) {
                cp.latest().block(Wire.TIMEOUT); // warm-up: no write
                WriterContent.snapshot(WriterContent.Shape.RACE, name, 0, epoch);
                Wire.say("READY");
                Wire.expect("GO");
                for (int round = 0; round < rounds; round++) {
                    ObjectNode line = Wire.JSON.createObjectNode().put("writer", name).put("round", round);
                    long t0 = System.nanoTime();
                    try {
                        Manifest m = cp.save(WriterContent.snapshot(WriterContent.Shape.RACE, name, round, epoch)).block(Wire.TIMEOUT);
                        line.put("ok", true).put("id", m.id().value()).put("epoch", m.epoch()).put("digest", WriterContent.digest(m));
                        ok++;
                    } catch (RuntimeException e) {
                        line.put("ok", false).put("error", e.getClass().getSimpleName())
                                .put("fenced", e instanceof ConcurrentCheckpointException c && c.fenced())
                                .put("message", Wire.oneLine(e));
                        failed++;
                    }
                    line.put("ms", (System.nanoTime() - t0) / 1_000_000);
                    out.write(Wire.JSON.writeValueAsString(line));
                    out.newLine();
                    out.flush();
                    if (round % 100 == 99) {
                        Wire.say("ROUND " + (round + 1));
                    }
                }
            }
            Wire.say("DONE ok=" + ok + " failed=" + failed);
            Wire.exit(Wire.EXIT_OK);
        } catch (Throwable t) {
            Wire.die(t);
        }
    }
}

package dev.checkpointer.multihost;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.spi.Buffers;
import java.util.Arrays;

/**
 * A fresh process recovering: {@code Checkpointer.open(URI).latest()}, then every partition read back (each read
 * checks its SHA-256) and compared with the bytes recomputed from the seed, and the offsets compared too.
 *
 * <p>{@code VerifierMain URI WORKERS SEED}. Prints {@code LATEST id=.. epoch=.. coordinator=.. partitions=..}, one
 * {@code OK}/{@code MISMATCH} line per partition; exits {@value Wire#EXIT_OK} when everything matches,
 * {@value Wire#EXIT_MISMATCH} otherwise, {@value Wire#EXIT_NONE} when there is no checkpoint.
 */
public final class VerifierMain {
    private VerifierMain() {}

    public static void main(String[] args) {
        try {
            String uri = args[0];
            int workers = Integer.parseInt(args[1]);
            long seed = Long.parseLong(args[2]);
            int code;
            try (Checkpointer cp = Checkpointer.open(uri)) {
                Checkpoint c = cp.latest().block(Wire.TIMEOUT);
                if (c == null) {
                    Wire.say("NONE");
                    Wire.exit(Wire.EXIT_NONE);
                    return;
                }
                Manifest m = c.manifest();
                Wire.say("LATEST id=" + m.id() + " epoch=" + m.epoch() + " coordinator=" + m.metadata().get("coordinator")
                        + " partitions=" + m.partitions().size() + " bytes=" + m.totalBytes());
                boolean ok = m.partitions().size() == 2 * workers;
                if (!m.offsets().getOrDefault(Content.SOURCE, java.util.Map.of()).equals(Content.offsets(seed, workers))) {
                    Wire.say("MISMATCH offsets " + m.offsets());
                    ok = false;
                }
                for (int w = 0; w < workers; w++) {
                    ok &= check(c, Content.LARGE_OP, w, Content.large(seed, w));
                    ok &= check(c, Content.SMALL_OP, w, Content.small(seed, w));
                }
                code = ok ? Wire.EXIT_OK : Wire.EXIT_MISMATCH;
            }
            Wire.exit(code);
        } catch (Throwable t) {
            Wire.die(t);
        }
    }

    private static boolean check(Checkpoint c, String operator, int partition, byte[] expected) {
        byte[] actual = c.read(operator, partition).map(Buffers::toArray).block(Wire.TIMEOUT);
        if (actual != null && Arrays.equals(actual, expected)) {
            Wire.say("OK " + operator + "/" + partition + " " + actual.length);
            return true;
        }
        Wire.say("MISMATCH " + operator + "/" + partition + " " + (actual == null ? "missing" : actual.length + " bytes"));
        return false;
    }
}

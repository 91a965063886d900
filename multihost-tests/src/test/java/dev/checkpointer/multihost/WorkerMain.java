package dev.checkpointer.multihost;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.ObjectStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A worker host: its own {@link Checkpointer} on the shared URI, staging the two partitions it owns under a
 * checkpoint id the coordinator began, and printing each {@code PartitionEntry} as JSON for the coordinator.
 *
 * <p>{@code WorkerMain URI ID WORKER SEED [--stall-midstream]}. Prints {@code READY}, waits for {@code GO} (so all
 * workers stage at once), stages the small partition then the large one, printing {@code ENTRY json} after each,
 * then {@code DONE}. With {@code --stall-midstream} the large payload streams half its bytes, prints
 * {@code MIDSTREAM n} and never ends: the test kills the process there.
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        try {
            String uri = args[0];
            CheckpointId id = CheckpointId.parse(args[1]);
            int worker = Integer.parseInt(args[2]);
            long seed = Long.parseLong(args[3]);
            boolean stall = args.length > 4 && args[4].equals("--stall-midstream");

            ObjectStore store = Stores.announcing(Stores.open(uri));
            Checkpointer cp = Checkpointer.builder().store(store).writerId("worker-" + worker).build();
            Wire.say("READY");
            Wire.expect("GO");

            PartitionEntry small = cp.stage(id, Content.SMALL_OP, worker, Payload.of(Content.small(seed, worker))).block(Wire.TIMEOUT);
            Wire.say(Wire.entryLine(small));
            byte[] large = Content.large(seed, worker);
            PartitionEntry big = cp.stage(id, Content.LARGE_OP, worker, stall ? stalling(large) : Payload.of(large)).block(Wire.TIMEOUT);
            Wire.say(Wire.entryLine(big));
            Wire.say("DONE");
            cp.close();
            store.close();
            Wire.exit(Wire.EXIT_OK);
        } catch (Throwable t) {
            Wire.die(t);
        }
    }

    /** Streams the first half in 64 KiB chunks, says {@code MIDSTREAM}, then waits forever for the rest. */
    static Payload stalling(byte[] bytes) {
        int half = bytes.length / 2;
        return Payload.of(() -> {
            List<ByteBuffer> chunks = new ArrayList<>();
            for (int off = 0; off < half; off += 64 * 1024) {
                chunks.add(ByteBuffer.wrap(bytes, off, Math.min(64 * 1024, half - off)).slice());
            }
            return Flux.concat(Flux.fromIterable(chunks),
                    Mono.<ByteBuffer>fromRunnable(() -> Wire.say("MIDSTREAM " + half)),
                    Flux.<ByteBuffer>never());
        }, bytes.length);
    }
}

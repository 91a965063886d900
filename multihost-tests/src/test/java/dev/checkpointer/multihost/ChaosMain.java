package dev.checkpointer.multihost;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.PruneReport;
import dev.checkpointer.Retention;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A process that keeps a location busy until it is killed: {@value #LANES} lanes (threads) of one
 * {@link Checkpointer} each loop over seeded random operations, back to back:
 * <ul>
 *   <li>{@code save}: a {@link WriterContent.Shape#CHAOS} snapshot for (NAME, op number): one inline partition, one
 *       stored object, one multipart upload (parts of {@value WriterContent#PART_SIZE} bytes on {@code file:}, one
 *       part on S3, whose minimum part is 5 MiB);</li>
 *   <li>{@code prune}: with {@code keepLast(}{@value #KEEP_LAST}{@code )} retention and
 *       {@code orphanGracePeriod(Duration.ZERO)};</li>
 *   <li>{@code commit}: many hosts in one process: {@code begin()}, {@code stage} the same three partitions, then
 *       {@code commit} with metadata naming (NAME, op number);</li>
 *   <li>{@code abort}: {@code begin()}, stage some or all partitions (or none), then {@code abort}.</li>
 * </ul>
 * Saves and commits carry the explicit writer epoch EPOCH (as from an external coordinator; two processes of one
 * iteration share it, later iterations use higher ones).
 *
 * <p>{@code ChaosMain URI NAME SEED EPOCH}. Prints {@code RUNNING} once the first operation starts, then
 * {@code OP n kind} when operation {@code n} starts and {@code OK n kind ...} / {@code FAIL n kind Class: message}
 * when it ends. The test SIGKILLs it; should it live for {@value #MAX_OPS} operations or {@code 60 s}, it prints
 * {@code STOPPED} and exits {@value Wire#EXIT_OK}.
 */
public final class ChaosMain {
    static final int LANES = 2;
    static final int KEEP_LAST = 4;
    private static final int MAX_OPS = 2000;
    private static final Duration MAX_LIFE = Duration.ofSeconds(60);

    private ChaosMain() {}

    public static void main(String[] args) {
        try {
            String uri = args[0];
            String name = args[1];
            long seed = Long.parseLong(args[2]);
            long epoch = Long.parseLong(args[3]);

            Checkpointer cp = Checkpointer.builder().location(uri).writerId("chaos-" + name)
                    .retention(Retention.keepLast(KEEP_LAST))
                    .orphanGracePeriod(Duration.ZERO)
                    .partSize(WriterContent.PART_SIZE)
                    .multipartThreshold(WriterContent.MULTIPART_THRESHOLD)
                    .build();
            cp.latest().block(Wire.TIMEOUT); // warm-up: no write
            AtomicLong ops = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean();
            long deadline = System.nanoTime() + MAX_LIFE.toNanos();
            CountDownLatch done = new CountDownLatch(LANES);
            for (int lane = 0; lane < LANES; lane++) {
                SplittableRandom random = new SplittableRandom(seed * 1_000_003L + lane);
                Thread t = new Thread(() -> {
                    try {
                        while (System.nanoTime() < deadline) {
                            long n = ops.incrementAndGet();
                            if (n > MAX_OPS) {
                                break;
                            }
                            if (running.compareAndSet(false, true)) {
                                Wire.say("RUNNING");
                            }
                            one(cp, name, epoch, n, random);
                        }
                    } catch (Throwable e) {
                        Wire.die(e);
                    } finally {
                        done.countDown();
                    }
                }, "lane-" + lane);
                t.start();
            }
            done.await();
            Wire.say("STOPPED");
            Wire.exit(Wire.EXIT_OK);
        } catch (Throwable t) {
            Wire.die(t);
        }
    }

    private static void one(Checkpointer cp, String name, long epoch, long n, SplittableRandom random) {
        int dice = random.nextInt(100);
        String kind = dice < 40 ? "save" : dice < 55 ? "prune" : dice < 80 ? "commit" : "abort";
        Wire.say("OP " + n + " " + kind);
        try {
            String result = switch (kind) {
                case "save" -> {
                    Manifest m = cp.save(WriterContent.snapshot(WriterContent.Shape.CHAOS, name, n, epoch)).block(Wire.TIMEOUT);
                    yield "id=" + m.id();
                }
                case "prune" -> {
                    PruneReport r = cp.prune().block(Wire.TIMEOUT);
                    yield "deleted=" + r.deletedCheckpoints() + " orphans=" + r.deletedOrphans().size() + " incomplete=" + r.cleanedIncomplete().size();
                }
                case "commit" -> {
                    CheckpointId id = cp.begin().block(Wire.TIMEOUT);
                    List<PartitionEntry> entries = stage(cp, id, name, n, WriterContent.Shape.CHAOS.parts.size());
                    Manifest m = cp.commit(id, WriterContent.commitMetadata(name, n, epoch), entries).block(Wire.TIMEOUT);
                    yield "id=" + m.id();
                }
                default -> {
                    CheckpointId id = cp.begin().block(Wire.TIMEOUT);
                    int staged = stage(cp, id, name, n, random.nextInt(WriterContent.Shape.CHAOS.parts.size() + 1)).size();
                    cp.abort(id).block(Wire.TIMEOUT);
                    yield "id=" + id + " staged=" + staged;
                }
            };
            Wire.say("OK " + n + " " + kind + " " + result);
        } catch (RuntimeException e) {
            Wire.say("FAIL " + n + " " + kind + " " + e.getClass().getSimpleName() + ": " + Wire.oneLine(e));
        }
    }

    /** Stages the first {@code count} partitions of the CHAOS shape for (name, n), as workers would. */
    private static List<PartitionEntry> stage(Checkpointer cp, CheckpointId id, String name, long n, int count) {
        List<PartitionEntry> entries = new ArrayList<>();
        for (WriterContent.Part p : WriterContent.Shape.CHAOS.parts.subList(0, count)) {
            byte[] bytes = WriterContent.bytes(name, n, p.operator(), p.partition(), p.size(n));
            entries.add(cp.stage(id, p.operator(), p.partition(), Payload.of(bytes)).block(Wire.TIMEOUT));
        }
        return entries;
    }
}

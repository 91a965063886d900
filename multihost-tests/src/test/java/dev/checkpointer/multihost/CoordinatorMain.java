package dev.checkpointer.multihost;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.spi.ObjectStore;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The coordinator host: begins a checkpoint, collects the entries its workers staged (sent to it as
 * {@code ENTRY json} lines on stdin: the test is the transport), and commits once it has one for every partition.
 *
 * <p>{@code CoordinatorMain URI NAME WORKERS SEED [--epoch E] [--gate] [--takeover] [--halt-before-pointer]}
 * <ul>
 *   <li>prints {@code READY}; with {@code --gate} waits for {@code GO} before {@code begin()} (two coordinators
 *       then race for the same id);</li>
 *   <li>{@code begin()}: prints {@code BEGUN id}, or {@code BEGIN-LOST msg} on {@link ConcurrentCheckpointException}
 *       and exits {@value Wire#EXIT_CONFLICT}, unless {@code --takeover}: then it reads {@code ID id} and commits
 *       that checkpoint anyway (a standby that believes the other coordinator died: split brain);</li>
 *   <li>{@code COMMIT}: refuses ({@code REFUSED missing [..]}, nothing written, keeps listening) unless it has an
 *       entry for every partition of every worker; otherwise commits and exits: {@code COMMITTED}
 *       ({@value Wire#EXIT_OK}), {@code CONFLICT} ({@value Wire#EXIT_CONFLICT}), {@code INVALID}
 *       ({@value Wire#EXIT_INVALID}: the library refused the entries);</li>
 *   <li>{@code --epoch E}: the writer epoch an external election assigned (its term);</li>
 *   <li>{@code --halt-before-pointer}: the process halts (exit {@value Wire#EXIT_HALTED}) after writing the
 *       manifest, before moving {@code _latest}.</li>
 * </ul>
 */
public final class CoordinatorMain {
    private CoordinatorMain() {}

    public static void main(String[] args) {
        try {
            String uri = args[0];
            String name = args[1];
            int workers = Integer.parseInt(args[2]);
            long seed = Long.parseLong(args[3]);
            Long epoch = null;
            boolean gate = false;
            boolean takeover = false;
            boolean halt = false;
            for (int i = 4; i < args.length; i++) {
                switch (args[i]) {
                    case "--epoch" -> epoch = Long.parseLong(args[++i]);
                    case "--gate" -> gate = true;
                    case "--takeover" -> takeover = true;
                    case "--halt-before-pointer" -> halt = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }

            ObjectStore store = Stores.open(uri);
            if (halt) {
                store = Stores.haltingBeforePointer(store);
            }
            Checkpointer cp = Checkpointer.builder().store(store).writerId("coordinator-" + name).build();
            Wire.say("READY");
            if (gate) {
                Wire.expect("GO");
            }

            CheckpointId id;
            try {
                id = cp.begin().block(Wire.TIMEOUT);
                Wire.say("BEGUN " + id);
            } catch (ConcurrentCheckpointException e) {
                Wire.say("BEGIN-LOST " + Wire.oneLine(e));
                if (!takeover) {
                    Wire.exit(Wire.EXIT_CONFLICT);
                    return;
                }
                String line = Wire.read();
                if (line == null || !line.startsWith("ID ")) {
                    throw new IllegalStateException("expected 'ID n' on stdin, got " + line);
                }
                id = CheckpointId.parse(line.substring(3));
                Wire.say("TAKEN-OVER " + id);
            }

            CheckpointMetadata.Builder meta = CheckpointMetadata.builder()
                    .offsets(Content.SOURCE, Content.offsets(seed, workers))
                    .fingerprint("multihost-test")
                    .metadata("coordinator", name)
                    .metadata("seed", Long.toString(seed));
            if (epoch != null) {
                meta.epoch(epoch);
            }
            List<PartitionEntry> entries = new ArrayList<>();
            for (String line = Wire.read(); line != null; line = Wire.read()) {
                if (line.startsWith("ENTRY ")) {
                    entries.add(Wire.parseEntry(line));
                } else if (line.equals("COMMIT")) {
                    TreeSet<String> missing = Content.expectedNames(workers);
                    entries.forEach(e -> missing.remove(e.name()));
                    if (!missing.isEmpty()) {
                        // Our own rule, before the library's: no checkpoint without every worker's partitions.
                        Wire.say("REFUSED missing " + missing);
                        continue;
                    }
                    int code;
                    try {
                        Manifest m = cp.commit(id, meta.build(), entries).block(Wire.TIMEOUT);
                        Wire.say("COMMITTED " + m.id() + " epoch=" + m.epoch());
                        code = Wire.EXIT_OK;
                    } catch (ConcurrentCheckpointException e) {
                        Wire.say("CONFLICT fenced=" + e.fenced() + " " + Wire.oneLine(e));
                        code = Wire.EXIT_CONFLICT;
                    } catch (InvalidInputException e) {
                        Wire.say("INVALID " + Wire.oneLine(e));
                        code = Wire.EXIT_INVALID;
                    }
                    cp.close();
                    store.close();
                    Wire.exit(code);
                    return;
                } else {
                    throw new IllegalArgumentException("unknown command '" + line + "'");
                }
            }
            throw new IllegalStateException("stdin ended without COMMIT");
        } catch (Throwable t) {
            Wire.die(t);
        }
    }
}

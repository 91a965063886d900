package dev.checkpointer.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import reactor.core.publisher.Flux;

/**
 * The demo's input: a partitioned stream of click events, like a Kafka topic keyed by user. Every event is a pure
 * function of (seed, partition, offset), so a reader can start at any offset, as a consumer resumes from committed
 * offsets, and a run is reproducible. Users are spread over partitions by {@code user % partitions}; a few users are
 * much busier than the rest.
 */
final class ClickSource {
    /** The source name recorded with the offsets in every checkpoint. */
    static final String NAME = "clicks";

    /** One click: where it is in the source, and whose it is. */
    record Click(int partition, long offset, String user) implements Pipeline.Item {}

    private final long seed;
    private final int partitions;
    private final int users;
    private final long events;

    ClickSource(long seed, int partitions, int users, long events) {
        if (partitions < 1 || users < partitions || events < 0) {
            throw new IllegalArgumentException("need partitions >= 1, users >= partitions and events >= 0");
        }
        this.seed = seed;
        this.partitions = partitions;
        this.users = users;
        this.events = events;
    }

    int partitions() {
        return partitions;
    }

    long events() {
        return events;
    }

    /** Number of events in one partition (the total is spread evenly). */
    long size(int partition) {
        return events / partitions + (partition < events % partitions ? 1 : 0);
    }

    /** The user of the event at an offset: deterministic, skewed towards a few busy users. */
    String userAt(int partition, long offset) {
        int usersHere = users / partitions + (partition < users % partitions ? 1 : 0);
        double r = (mix(seed ^ (partition * 0x9E3779B97F4A7C15L) ^ mix(offset)) >>> 11) * 0x1.0p-53;
        int index = (int) Math.min(usersHere - 1, Math.floor(usersHere * r * r));
        return "user-" + (partition + (long) partitions * index);
    }

    Click at(int partition, long offset) {
        return new Click(partition, offset, userAt(partition, offset));
    }

    /**
     * Reads one partition from an offset to its end, paced: {@code perTick} events every {@code tick}, as a live
     * source delivers them. Cold: each subscription reads again from {@code from}.
     */
    Flux<Click> read(int partition, long from, int perTick, Duration tick) {
        long end = size(partition);
        if (from >= end) {
            return Flux.empty();
        }
        long batches = (end - from + perTick - 1) / perTick;
        if (batches > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("too many events for one partition");
        }
        return Flux.range(0, (int) batches)
                .delayElements(tick)
                .concatMapIterable(b -> {
                    long first = from + (long) b * perTick;
                    long last = Math.min(end, first + perTick);
                    List<Click> batch = new ArrayList<>((int) (last - first));
                    for (long o = first; o < last; o++) {
                        batch.add(at(partition, o));
                    }
                    return batch;
                });
    }

    /**
     * The clicks per user of the whole stream, computed straight through without Reactor, checkpoints or crashes:
     * what the recovered pipeline must end up with.
     */
    Map<String, Long> countAll() {
        Map<String, Long> counts = new TreeMap<>();
        for (int p = 0; p < partitions; p++) {
            for (long o = 0, n = size(p); o < n; o++) {
                counts.merge(userAt(p, o), 1L, Long::sum);
            }
        }
        return counts;
    }

    /** SplitMix64's finaliser: a well-mixed 64-bit hash. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}

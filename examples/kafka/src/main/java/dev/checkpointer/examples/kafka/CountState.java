package dev.checkpointer.examples.kafka;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The job's state: the count per key, the input offsets reached, and the outputs produced since the last barrier (the
 * write-ahead batch of the sink). Mutated by one thread at a time, the pipeline's, in the order records arrive; a
 * barrier {@linkplain #capture() captures} all three at the same point of the stream.
 */
final class CountState {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TreeMap<String, Long> counts;
    private final TreeMap<Integer, Long> nextOffsets;
    private List<Output> pending = new ArrayList<>();
    private long epoch;

    private CountState(Map<String, Long> counts, Map<Integer, Long> nextOffsets, long epoch) {
        this.counts = new TreeMap<>(counts);
        this.nextOffsets = new TreeMap<>(nextOffsets);
        this.epoch = epoch;
    }

    /** A job that has read nothing. */
    static CountState empty() {
        return new CountState(Map.of(), Map.of(), 0);
    }

    /**
     * The state saved by a barrier (its pending outputs were handed to the sink with that barrier).
     *
     * @param counts encoded counts
     * @param nextOffsets the next offset to read per input partition
     * @param epoch the barrier's sink epoch
     */
    static CountState restored(byte[] counts, Map<Integer, Long> nextOffsets, long epoch) {
        return new CountState(decodeCounts(counts), nextOffsets, epoch);
    }

    /**
     * Counts one record and produces its output (the key's new count).
     *
     * @param r the record; its key must not be null
     */
    void apply(ConsumerRecord<String, String> r) {
        String key = r.key();
        if (key == null) {
            throw new IllegalArgumentException("record without key at " + r.topic() + "-" + r.partition() + "@" + r.offset());
        }
        long n = counts.merge(key, 1L, Long::sum);
        pending.add(new Output(key, Long.toString(n)));
        nextOffsets.put(r.partition(), r.offset() + 1);
    }

    /** Whether records arrived since the last barrier. */
    boolean dirty() {
        return !pending.isEmpty();
    }

    /** How many records arrived since the last barrier. */
    int pendingCount() {
        return pending.size();
    }

    /** The next offset to read per partition. */
    Map<Integer, Long> nextOffsets() {
        return Map.copyOf(nextOffsets);
    }

    /** The sink epoch of the last barrier. */
    long epoch() {
        return epoch;
    }

    /**
     * The barrier: the counts, offsets and pending outputs as of now, as one immutable value with the next sink epoch;
     * the pending outputs start over.
     *
     * @return the captured state
     */
    Captured capture() {
        epoch++;
        Captured c = new Captured(epoch, encodeCounts(counts), Map.copyOf(nextOffsets), List.copyOf(pending));
        pending = new ArrayList<>();
        return c;
    }

    /**
     * State, offsets and the sink's batch taken at one barrier.
     *
     * @param epoch the sink epoch of this barrier (1, 2, ...)
     * @param counts the encoded counts
     * @param nextOffsets the next offset to read per input partition
     * @param outputs what the records since the previous barrier produced, in order
     */
    record Captured(long epoch, byte[] counts, Map<Integer, Long> nextOffsets, List<Output> outputs) {
    }

    static byte[] encodeCounts(Map<String, Long> counts) {
        try {
            return JSON.writeValueAsBytes(counts);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static TreeMap<String, Long> decodeCounts(byte[] bytes) {
        try {
            return JSON.readValue(bytes, new TypeReference<TreeMap<String, Long>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt counts in the checkpoint", e);
        }
    }

    static byte[] encodeOutputs(List<Output> outputs) {
        try {
            return JSON.writeValueAsBytes(outputs.stream().map(o -> List.of(o.key(), o.value())).toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Output> decodeOutputs(byte[] bytes) {
        try {
            List<List<String>> rows = JSON.readValue(bytes, new TypeReference<List<List<String>>>() { });
            List<Output> out = new ArrayList<>(rows.size());
            for (List<String> row : rows) {
                if (row.size() != 2) {
                    throw new IllegalStateException("corrupt sink batch in the checkpoint: row " + row);
                }
                out.add(new Output(row.get(0), row.get(1)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt sink batch in the checkpoint", e);
        }
    }
}

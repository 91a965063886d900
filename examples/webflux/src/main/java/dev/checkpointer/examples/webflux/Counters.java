package dev.checkpointer.examples.webflux;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * The in-memory state: a counter per key, plus the number of events applied (recorded as the source offset of each
 * checkpoint). Thread-safe. A state snapshot is taken under a lock so that counts and offset agree.
 */
@Component
public class Counters {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final AtomicLong applied = new AtomicLong();
    private final Object lock = new Object();

    /** Creates empty counters. */
    public Counters() {}

    /**
     * Applies one event.
     *
     * @param key the counter
     * @param amount added to it
     */
    public void add(String key, long amount) {
        synchronized (lock) {
            counts.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(amount);
            applied.incrementAndGet();
        }
    }

    /**
     * The counts, sorted by key.
     *
     * @return a copy
     */
    public SortedMap<String, Long> counts() {
        SortedMap<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /**
     * A consistent copy of the state.
     *
     * @return counts and the number of events they include
     */
    public State state() {
        synchronized (lock) {
            return new State(counts(), applied.get());
        }
    }

    /**
     * Replaces the state with a restored one.
     *
     * @param state the restored state
     */
    public void restore(State state) {
        synchronized (lock) {
            counts.clear();
            state.counts().forEach((k, v) -> counts.put(k, new AtomicLong(v)));
            applied.set(state.applied());
        }
    }

    /**
     * The counts serialised for a checkpoint partition.
     *
     * @param state the state
     * @return JSON bytes
     */
    static byte[] encode(State state) {
        try {
            return JSON.writeValueAsBytes(state.counts());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode counts", e);
        }
    }

    /**
     * The counts from a checkpoint partition.
     *
     * @param bytes JSON bytes
     * @return the counts
     */
    static SortedMap<String, Long> decode(byte[] bytes) {
        try {
            return JSON.readValue(bytes, new TypeReference<TreeMap<String, Long>>() {});
        } catch (IOException e) {
            throw new IllegalStateException("cannot decode counts", e);
        }
    }

    /**
     * A consistent state.
     *
     * @param counts counts per key
     * @param applied events applied so far
     */
    public record State(SortedMap<String, Long> counts, long applied) {}
}

package dev.checkpointer.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Orders the publishes of one checkpointer's concurrent saves by id: a save prepares its manifest only after every
 * save of this checkpointer with a lower id has published or failed. Each then prepares on the head the previous
 * one published, so concurrent saves of one checkpointer all commit instead of racing each other for the pointer.
 * Uploads still run concurrently; only the commit step waits.
 */
final class Sequencer {
    private final ConcurrentSkipListMap<Long, Sinks.Empty<Void>> pending = new ConcurrentSkipListMap<>();

    /** Registers a save that will publish {@code id}. */
    void register(long id) {
        pending.putIfAbsent(id, Sinks.empty());
    }

    /** Completes when every registered save with a lower id has released. */
    Mono<Void> turn(long id) {
        List<Mono<Void>> before = new ArrayList<>();
        for (Sinks.Empty<Void> s : pending.headMap(id, false).values()) {
            before.add(s.asMono());
        }
        return before.isEmpty() ? Mono.empty() : Mono.when(before);
    }

    /** The save with this id is done (published, failed or cancelled). Idempotent. */
    void release(long id) {
        Sinks.Empty<Void> s = pending.remove(id);
        if (s != null) {
            s.tryEmitEmpty();
        }
    }
}

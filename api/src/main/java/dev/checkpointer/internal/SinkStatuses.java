package dev.checkpointer.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.SinkState;
import dev.checkpointer.SinkStatus;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.PutOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Sink statuses of committed checkpoints ({@code docs/PROTOCOL.md}, "Sink statuses"): read from the manifest (which
 * sinks, their epochs and prepared data) and {@code checkpoints/{id}/_sinks} (which of them left {@code PENDING});
 * changed only by compare-and-swap on that object: create-if-absent when it does not exist, else if-match on the ETag
 * read, re-read and retried when another transition won the race. The manifest is never rewritten. A request whose
 * response was lost is settled by the next read: the object then holds either the old or the new status, and
 * repeating the transition is a no-op.
 */
final class SinkStatuses {
    private static final Logger log = LoggerFactory.getLogger(SinkStatuses.class);
    /** Compare-and-swap attempts before giving up (each lost one means another sink's transition landed). */
    static final int MAX_ATTEMPTS = 32;
    static final int MAX_DETAIL = 1024;

    private final Context ctx;
    private final Reads reads;

    SinkStatuses(Context ctx, Reads reads) {
        this.ctx = ctx;
        this.reads = reads;
    }

    /** The key of a checkpoint's sink status object. */
    static String key(CheckpointId id) {
        return Layout.sinkStatus(id);
    }

    Mono<List<SinkStatus>> statuses(CheckpointId id) {
        return reads.load(id).flatMap(cp -> current(id).map(c -> merge(cp.manifest(), c.statuses())));
    }

    Mono<SinkStatus> mark(CheckpointId id, String sink, SinkState state, @Nullable String detail) {
        if (state == SinkState.PENDING) {
            return Mono.error(new InvalidInputException("a sink can only be marked COMMITTED or FAILED; PENDING is where every sink starts"));
        }
        if (detail != null && (detail.length() > MAX_DETAIL || detail.chars().anyMatch(c -> c < 0x20 && c != '\t'))) {
            return Mono.error(new InvalidInputException("a sink status detail must be at most " + MAX_DETAIL + " characters without control characters"));
        }
        return reads.load(id).flatMap(cp -> {
            Manifest m = cp.manifest();
            Long epoch = m.sinkEpochs().get(sink);
            if (epoch == null) {
                return Mono.error(new InvalidInputException("checkpoint " + id + " records no sink '" + sink + "' (it records "
                        + m.sinkEpochs().keySet() + ")"));
            }
            return attempt(id, m, sink, epoch, state, detail, 1);
        });
    }

    private Mono<SinkStatus> attempt(CheckpointId id, Manifest m, String sink, long epoch, SinkState state, @Nullable String detail, int n) {
        return current(id).flatMap(c -> {
            SinkStatusCodec.Entry was = c.statuses().get(sink);
            SinkState from = was == null ? SinkState.PENDING : was.state();
            if (from == state) {
                return Mono.just(status(m, sink, was));
            }
            if (from.isFinal()) {
                return Mono.error(new CheckpointException(ErrorCode.SINK_STATE_CONFLICT, "sink '" + sink + "' of checkpoint " + id + " is already "
                        + from + (was.detail() == null ? "" : " (" + was.detail() + ")") + "; it cannot become " + state));
            }
            TreeMap<String, SinkStatusCodec.Entry> next = new TreeMap<>(c.statuses());
            SinkStatusCodec.Entry entry = new SinkStatusCodec.Entry(state, epoch, ctx.now(), ctx.writerId(), detail);
            next.put(sink, entry);
            byte[] bytes = SinkStatusCodec.encode(id, next);
            PutOptions condition = c.etag() == null ? PutOptions.ifAbsent() : PutOptions.ifMatch(c.etag());
            return ctx.calls.put(key(id), () -> Payload.of(bytes), condition)
                    .thenReturn(status(m, sink, entry))
                    .onErrorResume(e -> e instanceof StoreException se && se.isPreconditionFailed(), e -> {
                        // Another transition landed first (or our own, whose response was lost): read again and decide again.
                        if (n >= MAX_ATTEMPTS) {
                            return Mono.error(new CheckpointException(ErrorCode.CONCURRENT_CHECKPOINT, "sink status of checkpoint " + id
                                    + " kept changing under " + MAX_ATTEMPTS + " compare-and-swap attempts; try again", e));
                        }
                        log.debug("sink status CAS of {} lost (attempt {}), reading it again", key(id), n);
                        return attempt(id, m, sink, epoch, state, detail, n + 1);
                    });
        });
    }

    /** The status object as stored: the transitions made so far and its ETag (null when it does not exist). */
    private record Current(SortedMap<String, SinkStatusCodec.Entry> statuses, @Nullable String etag) {}

    private Mono<Current> current(CheckpointId id) {
        String key = key(id);
        return ctx.calls.readCapped(key, SinkStatusCodec.MAX_BYTES)
                .map(r -> new Current(SinkStatusCodec.decode(key, id, r.bytes()), r.info().etag()))
                .onErrorResume(e -> e instanceof StoreException se && se.isNotFound(), e -> Mono.just(new Current(new TreeMap<>(), null)));
    }

    private static List<SinkStatus> merge(Manifest m, SortedMap<String, SinkStatusCodec.Entry> recorded) {
        List<SinkStatus> out = new ArrayList<>();
        for (String sink : m.sinkEpochs().keySet()) {
            out.add(status(m, sink, recorded.get(sink)));
        }
        return List.copyOf(out);
    }

    private static SinkStatus status(Manifest m, String sink, SinkStatusCodec.@Nullable Entry e) {
        long epoch = m.sinkEpochs().getOrDefault(sink, e == null ? 0L : e.epoch());
        String prepared = m.sinkPrepared().get(sink);
        return e == null ? new SinkStatus(sink, epoch, SinkState.PENDING, prepared, null, null)
                : new SinkStatus(sink, epoch, e.state(), prepared, e.detail(), e.updatedAt());
    }
}

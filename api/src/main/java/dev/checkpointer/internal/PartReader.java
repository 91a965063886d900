package dev.checkpointer.internal;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Cuts a byte stream into parts on demand: nothing is read from the source, and no part buffer is allocated,
 * until {@link #next()} is called, so the caller decides how many parts exist at once (the engine calls it only
 * while holding an upload permit). A source buffer that covers a whole part is passed on as a read-only slice,
 * without copying. Parts are exactly {@code partSize} bytes except the last.
 */
final class PartReader extends BaseSubscriber<ByteBuffer> {
    private final Flux<ByteBuffer> source;
    private final int partSize;
    private boolean subscribed;
    private @Nullable ByteBuffer leftover;
    private @Nullable ByteBuffer current;
    private @Nullable MonoSink<ByteBuffer> waiting;
    private boolean done;
    private @Nullable Throwable error;

    PartReader(Flux<ByteBuffer> source, int partSize) {
        this.source = source;
        this.partSize = partSize;
    }

    /** The next part; empty when the source is exhausted. One call at a time. */
    Mono<ByteBuffer> next() {
        return Mono.create(sink -> {
            boolean subscribeNow;
            synchronized (this) {
                if (waiting != null) {
                    sink.error(new IllegalStateException("next() called while a part is still being read"));
                    return;
                }
                waiting = sink;
                subscribeNow = !subscribed;
                subscribed = true;
            }
            sink.onCancel(this::cancel);
            if (subscribeNow) {
                source.subscribe(this);
            } else {
                pump();
            }
        });
    }

    @Override
    protected void hookOnSubscribe(Subscription subscription) {
        pump();
    }

    @Override
    protected void hookOnNext(ByteBuffer value) {
        synchronized (this) {
            leftover = value.duplicate();
        }
        pump();
    }

    @Override
    protected void hookOnComplete() {
        synchronized (this) {
            done = true;
        }
        pump();
    }

    @Override
    protected void hookOnError(Throwable throwable) {
        synchronized (this) {
            error = throwable;
        }
        pump();
    }

    /** Moves bytes from the leftover into the current part; completes the waiter or asks the source for more. */
    private void pump() {
        MonoSink<ByteBuffer> deliverTo = null;
        ByteBuffer part = null;
        Throwable failure = null;
        boolean requestMore = false;
        boolean complete = false;
        synchronized (this) {
            if (waiting == null) {
                return;
            }
            if (error != null) {
                failure = error;
            } else {
                ByteBuffer in = leftover;
                if (in != null && current == null && in.remaining() >= partSize) {
                    part = in.slice().limit(partSize).asReadOnlyBuffer(); // a whole part in one buffer: no copy
                    in.position(in.position() + partSize);
                } else if (in != null && in.hasRemaining()) {
                    if (current == null) {
                        current = ByteBuffer.allocate(partSize);
                    }
                    int n = Math.min(in.remaining(), current.remaining());
                    current.put(in.slice().limit(n));
                    in.position(in.position() + n);
                    if (!current.hasRemaining()) {
                        part = current.flip().asReadOnlyBuffer();
                        current = null;
                    }
                }
                if (leftover != null && !leftover.hasRemaining()) {
                    leftover = null;
                }
                if (part == null) {
                    if (done) {
                        if (current != null && current.position() > 0) {
                            part = current.flip().asReadOnlyBuffer();
                            current = null;
                        } else {
                            complete = true;
                        }
                    } else if (leftover == null && upstream() != null) {
                        requestMore = true;
                    }
                }
            }
            if (failure != null || part != null || complete) {
                deliverTo = waiting;
                waiting = null;
            }
        }
        if (deliverTo != null) {
            if (failure != null) {
                deliverTo.error(failure);
            } else if (part != null) {
                deliverTo.success(part);
            } else {
                deliverTo.success();
            }
        } else if (requestMore) {
            request(1);
        }
    }
}

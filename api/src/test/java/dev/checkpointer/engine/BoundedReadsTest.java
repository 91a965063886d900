package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ForwardingObjectStore;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Metadata is read with a size cap: a huge or endless {@code _latest} or manifest is refused with a clear error
 * (and passed over like any corrupt one) after at most the cap's worth of bytes, never an OutOfMemoryError.
 */
class BoundedReadsTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final long HUGE = 8L * 1024 * 1024 * 1024; // 8 GiB, never materialised

    /** A store over a MapStore where some keys are replaced by a huge, lazily generated body. */
    private static final class Huge extends ForwardingObjectStore {
        final MapStore inner;
        final Map<String, Boolean> huge = new ConcurrentHashMap<>(); // key -> whether the size is announced honestly
        final AtomicLong served = new AtomicLong();

        Huge(MapStore inner) {
            super(inner);
            this.inner = inner;
        }

        @Override
        public Mono<ObjectContent> get(String key, ByteRange range) {
            Boolean honest = huge.get(key);
            if (honest == null) {
                return inner.get(key, range);
            }
            Flux<ByteBuffer> endless = Flux.generate(sink -> {
                served.addAndGet(1 << 20);
                sink.next(ByteBuffer.allocate(1 << 20));
            });
            return Mono.just(new ObjectContent(new ObjectInfo(key, honest ? HUGE : 300, "huge", Instant.now()), endless.take(HUGE >> 20)));
        }

        @Override
        public Mono<ObjectInfo> head(String key) {
            return huge.containsKey(key) ? Mono.just(new ObjectInfo(key, HUGE, "huge", Instant.now())) : inner.head(key);
        }

        @Override
        public String describe() {
            return "huge://test";
        }

        @Override
        public void close() {}
    }

    private static Snapshot snapshot(int v) {
        return Snapshot.builder().partition("p", 0, Payload.of(new byte[] {(byte) v})).build();
    }

    @Test
    void aHugeOrEndlessPointerIsRefusedWithoutReadingItAndReadsRecover() {
        for (boolean honest : new boolean[] {true, false}) {
            Huge store = new Huge(new MapStore());
            Checkpointer cp = Checkpointer.builder().store(store).build();
            cp.save(snapshot(1)).block(T);
            cp.save(snapshot(2)).block(T);
            store.huge.put("_latest", honest);
            List<String> reasons = new CopyOnWriteArrayList<>();
            Checkpointer reader = Checkpointer.builder().store(store).listener(new CheckpointListener() {
                @Override
                public void onPointerRecovery(CheckpointId recovered, String reason) {
                    reasons.add(reason);
                }
            }).build();
            assertThat(reader.latest().block(T).manifest().id()).isEqualTo(CheckpointId.of(2));
            assertThat(reasons).isNotEmpty().allSatisfy(r -> assertThat(r).contains("65536-byte limit"));
            assertThat(store.served.get()).as("bytes served, honest size %s", honest).isLessThanOrEqualTo(2L << 20);
        }
    }

    @Test
    void aHugeOrEndlessManifestIsRefusedAndPassedOverForTheNextOlderCheckpoint() {
        for (boolean honest : new boolean[] {true, false}) {
            Huge store = new Huge(new MapStore());
            Checkpointer cp = Checkpointer.builder().store(store).build();
            cp.save(snapshot(1)).block(T);
            cp.save(snapshot(2)).block(T);
            store.huge.put("checkpoints/00000000000000000002/manifest.json", honest);
            List<CheckpointException> reported = new CopyOnWriteArrayList<>();
            Checkpointer reader = Checkpointer.builder().store(store).listener(new CheckpointListener() {
                @Override
                public void onCorruptCheckpoint(CheckpointId id, CheckpointException error) {
                    reported.add(error);
                }
            }).build();
            assertThat(reader.latest().block(T).manifest().id()).isEqualTo(CheckpointId.of(1));
            assertThat(reported).isNotEmpty().allSatisfy(e -> assertThat(e).isInstanceOf(CorruptMetadataException.class)
                    .hasMessageContaining("checkpoints/00000000000000000002/manifest.json").hasMessageContaining("limit"));
            assertThat(reader.list().map(m -> m.id().value()).collectList().block(T)).containsExactly(1L);
            assertThat(store.served.get()).as("bytes served, honest size %s", honest).isLessThanOrEqualTo(4L * (129L << 20));
        }
    }
}

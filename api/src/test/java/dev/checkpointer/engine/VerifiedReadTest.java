package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointNotFoundException;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.IntegrityException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectContent;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code read()} hands out no copy it does not need: a body of one buffer is the store's own buffer (read-only), a
 * body of several is copied once into an array of exactly the partition's size; every byte is still verified.
 */
class VerifiedReadTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final int SIZE = 300_000; // above the inline threshold: a stored artifact

    /** A MapStore whose artifact bodies (not metadata) pass through {@code body} and are recorded. */
    private static final class Shaping implements ObjectStore {
        final MapStore inner = new MapStore();
        volatile UnaryOperator<Flux<ByteBuffer>> body = UnaryOperator.identity();
        final List<ByteBuffer> served = new ArrayList<>();

        @Override
        public Mono<ObjectContent> get(String key, ByteRange range) {
            if (!key.endsWith(".snapshot")) {
                return inner.get(key, range);
            }
            return inner.get(key, range).map(c -> new ObjectContent(c.info(), body.apply(c.body().doOnNext(served::add))));
        }

        @Override
        public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
            return inner.put(key, payload, options);
        }

        @Override
        public Mono<ObjectInfo> head(String key) {
            return inner.head(key);
        }

        @Override
        public Flux<ObjectInfo> list(String prefix) {
            return inner.list(prefix);
        }

        @Override
        public Mono<Void> delete(String key) {
            return inner.delete(key);
        }

        @Override
        public Mono<Void> deleteAll(List<String> keys) {
            return inner.deleteAll(keys);
        }

        @Override
        public Capabilities capabilities() {
            return inner.capabilities();
        }

        @Override
        public String describe() {
            return "shaping://test";
        }

        @Override
        public void close() {}
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] toArray(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    /** Splits every buffer into {@code n} pieces. */
    private static UnaryOperator<Flux<ByteBuffer>> split(int n) {
        return f -> f.concatMap(b -> {
            List<ByteBuffer> parts = new ArrayList<>();
            int step = (b.remaining() + n - 1) / n;
            for (int at = b.position(); at < b.limit(); at += step) {
                parts.add(b.duplicate().position(at).limit(Math.min(b.limit(), at + step)).slice());
            }
            return Flux.fromIterable(parts);
        });
    }

    private static Checkpoint saved(Shaping store, Checkpointer cp, byte[] data) {
        cp.save(Snapshot.builder().partition("op", 0, Payload.of(data)).build()).block(T);
        Checkpoint c = cp.latest().block(T);
        store.served.clear();
        return Objects.requireNonNull(c);
    }

    @Test
    void aBodyOfOneBufferIsHandedOutAsItIsReadOnlyWithoutACopy() {
        Shaping store = new Shaping();
        byte[] data = bytes(SIZE, 1);
        try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
            Checkpoint c = saved(store, cp, data);
            ByteBuffer read = c.read("op", 0).block(T);

            assertThat(store.served).hasSize(1);
            ByteBuffer storesBuffer = store.served.get(0);
            assertThat(toArray(read)).isEqualTo(data);
            assertThat(read.isReadOnly()).isTrue();
            assertThat(read.remaining()).isEqualTo(SIZE);
            // The same memory: a change in the store's buffer shows through the returned one (no copy was made) ...
            byte before = read.get(1234);
            storesBuffer.put(storesBuffer.position() + 1234, (byte) (before ^ 0x5a));
            assertThat(read.get(1234)).isEqualTo((byte) (before ^ 0x5a));
            // ... and the caller cannot write through it into the store's bytes.
            assertThatThrownBy(() -> read.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
        }
    }

    @Test
    void aBodyOfSeveralBuffersIsCopiedOnceIntoAnExactlySizedBufferOfItsOwn() {
        Shaping store = new Shaping();
        store.body = split(7);
        byte[] data = bytes(SIZE, 2);
        try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
            Checkpoint c = saved(store, cp, data);
            ByteBuffer read = c.read("op", 0).block(T);

            assertThat(store.served).hasSize(1); // recorded before the split into 7
            assertThat(toArray(read)).isEqualTo(data);
            assertThat(read.isReadOnly()).isTrue();
            assertThat(read.position()).isZero();
            assertThat(read.capacity()).isEqualTo(SIZE); // exactly sized: no over-allocation, no trailing copy
            // Its own memory: the store's bytes changing afterwards does not change what was handed out.
            ByteBuffer storesBuffer = store.served.get(0);
            byte before = read.get(99);
            storesBuffer.put(storesBuffer.position() + 99, (byte) (before ^ 0x5a));
            assertThat(read.get(99)).isEqualTo(before);
        }
    }

    /** The buffers as read-only views: the store's array is out of reach, so the engine copies through its own. */
    private static UnaryOperator<Flux<ByteBuffer>> readOnly() {
        return f -> f.map(ByteBuffer::asReadOnlyBuffer);
    }

    /** Each buffer moved into a larger array at an offset, as position 10 of a wrapped array (not a slice). */
    private static UnaryOperator<Flux<ByteBuffer>> atOffset() {
        return f -> f.map(b -> {
            byte[] big = new byte[b.remaining() + 20];
            b.duplicate().get(big, 10, b.remaining());
            return ByteBuffer.wrap(big, 10, b.remaining());
        });
    }

    @Test
    void aFlippedByteIsRefusedWhetherTheBodyIsOneBufferOrSeveralAndWhicheverBufferItIsIn() {
        for (boolean writable : new boolean[] {true, false}) {
            for (int pieces : new int[] {1, 2, 5}) {
                for (int flipped : pieces == 1 ? new int[] {0} : new int[] {0, pieces - 1}) {
                    Shaping store = new Shaping();
                    byte[] data = bytes(SIZE, 3);
                    try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
                        Checkpoint c = saved(store, cp, data);
                        UnaryOperator<Flux<ByteBuffer>> shape = split(pieces).andThen(f -> f.index().map(t -> {
                            if (t.getT1() != flipped) {
                                return t.getT2();
                            }
                            byte[] copy = toArray(t.getT2());
                            copy[copy.length / 2] ^= 1;
                            return ByteBuffer.wrap(copy);
                        }))::apply;
                        store.body = writable ? shape : shape.andThen(readOnly())::apply;
                        PartitionEntry e = c.manifest().partitions().get(0);
                        assertThatThrownBy(() -> c.read("op", 0).block(T))
                                .as("%d pieces, byte flipped in piece %d, writable %s", pieces, flipped, writable)
                                .isInstanceOfSatisfying(IntegrityException.class, ie -> assertThat(ie.getMessage()).contains(e.key()).contains(e.sha256()));
                    }
                }
            }
        }
    }

    @Test
    void aBodyIsReadTheSameWhetherItsBuffersExposeTheirArraysOrAreReadOnly() {
        for (UnaryOperator<Flux<ByteBuffer>> shape : List.<UnaryOperator<Flux<ByteBuffer>>>of(readOnly(), atOffset())) {
            for (int pieces : new int[] {1, 2, 3}) {
                Shaping store = new Shaping();
                byte[] data = bytes(SIZE, 6);
                try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
                    Checkpoint c = saved(store, cp, data);
                    store.body = split(pieces).andThen(shape)::apply;
                    ByteBuffer read = c.read("op", 0).block(T);
                    assertThat(toArray(read)).as("%d pieces", pieces).isEqualTo(data);
                    assertThat(read.isReadOnly()).isTrue();
                    assertThat(read.remaining()).isEqualTo(SIZE);
                    assertThatThrownBy(() -> read.put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
                }
            }
        }
    }

    @Test
    void theStoresBuffersAreNeitherWrittenNorMovedByARead() {
        for (int pieces : new int[] {1, 3}) {
            Shaping store = new Shaping();
            byte[] data = bytes(SIZE, 7);
            try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
                Checkpoint c = saved(store, cp, data);
                List<ByteBuffer> given = new ArrayList<>();
                List<int[]> bounds = new ArrayList<>();
                store.body = split(pieces).andThen(atOffset()).andThen(f -> f.doOnNext(b -> {
                    given.add(b);
                    bounds.add(new int[] {b.position(), b.limit()});
                }))::apply;
                assertThat(toArray(c.read("op", 0).block(T))).isEqualTo(data);
                assertThat(given).hasSize(pieces);
                ByteArrayOutputStream seen = new ByteArrayOutputStream();
                for (int i = 0; i < pieces; i++) {
                    ByteBuffer b = given.get(i);
                    assertThat(new int[] {b.position(), b.limit()}).isEqualTo(bounds.get(i));
                    seen.writeBytes(toArray(b));
                }
                assertThat(seen.toByteArray()).isEqualTo(data);
            }
        }
    }

    @Test
    void aBodyLongerThanTheEntryFailsBeforeItsExtraBytesAreBufferedAndAShorterOneAtItsEnd() {
        Shaping store = new Shaping();
        byte[] data = bytes(SIZE, 4);
        try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
            Checkpoint c = saved(store, cp, data);
            List<Integer> pulled = new ArrayList<>();
            store.body = f -> split(4).apply(f).concatWith(Flux.range(0, 1000).map(i -> ByteBuffer.allocate(1 << 16))).doOnNext(b -> pulled.add(b.remaining()));
            assertThatThrownBy(() -> c.read("op", 0).block(T)).isInstanceOf(IntegrityException.class).hasMessageContaining("more than " + SIZE);
            assertThat(pulled).hasSize(5); // the four pieces and the first extra buffer, not the thousand behind it

            store.body = f -> split(4).apply(f).take(3);
            assertThatThrownBy(() -> c.read("op", 0).block(T)).isInstanceOf(IntegrityException.class).hasMessageContaining("size=" + SIZE);
        }
    }

    @Test
    void aPartitionDeletedAfterTheCheckpointWasLoadedIsNotFoundNeverOtherBytes() {
        Shaping store = new Shaping();
        byte[] data = bytes(SIZE, 5);
        try (Checkpointer cp = Checkpointer.builder().store(store).build()) {
            Checkpoint c = saved(store, cp, data);
            Manifest m = c.manifest();
            store.inner.delete(Objects.requireNonNull(m.partitions().get(0).key())).block(T);
            assertThatThrownBy(() -> c.read("op", 0).block(T)).isInstanceOf(CheckpointNotFoundException.class);
        }
    }
}

package dev.checkpointer.store.gcs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Fast, in-process cases over google-cloud-nio's {@link LocalStorageHelper}, a fake {@code StorageRpc} behind the
 * real {@code Storage} API. It is faithful for plain writes (one-request and resumable), reads, ranged reads,
 * metadata and deletes; it is NOT used for conditions (it ignores them on one-request uploads and reports a
 * mismatch with non-HTTP codes), generations (resumable uploads restart at 1, so ETags repeat), list order and
 * paging (hash order, pages lost with a page size), checksums (none after a resumable write) or visibility of
 * unfinished uploads (metadata appears when the session opens): those are covered over HTTP by
 * {@link GcsObjectStoreContractTest} and {@link GcsScriptedServerTest}.
 */
class GcsLocalStorageHelperTest {
    private static final Duration T = Duration.ofSeconds(30);
    private ObjectStore store;

    @BeforeEach
    void open() {
        store = GcsStore.builder().storage(LocalStorageHelper.customOptions(false).getService()).bucket("local").prefix("root")
                .chunkSize(256 * 1024).readChunkSize(10_000).build();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aSmallObjectRoundTripsWithItsMetadata() {
        byte[] data = bytes(1234, 1);
        ObjectInfo put = store.put("a/b", Payload.of(data), PutOptions.none()).block(T);
        assertThat(put.key()).isEqualTo("a/b");
        assertThat(put.size()).isEqualTo(1234);
        ObjectInfo head = store.head("a/b").block(T);
        assertThat(head.size()).isEqualTo(1234);
        assertThat(store.readAll("a/b").block(T)).isEqualTo(data);
    }

    @Test
    void aLargeObjectStreamsThroughTheResumableWriterAndReadsBackInRanges() {
        byte[] data = bytes(3 * 256 * 1024 + 77, 2);
        store.put("big", Payload.of(data), PutOptions.none()).block(T);
        assertThat(store.readAll("big").block(T)).isEqualTo(data);
        byte[] range = store.get("big", ByteRange.of(100_000, 300_000)).flatMap(c -> Buffers.join(c.body())).block(T);
        assertThat(range).isEqualTo(Arrays.copyOfRange(data, 100_000, 400_000));
        byte[] tail = store.get("big", ByteRange.of(data.length - 5, -1)).flatMap(c -> Buffers.join(c.body())).block(T);
        assertThat(tail).isEqualTo(Arrays.copyOfRange(data, data.length - 5, data.length));
    }

    @Test
    void missingObjectsAreNotFoundAndDeletesAreIdempotent() {
        assertThat(catchThrowable(() -> store.head("nope").block(T))).isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isNotFound()).isTrue());
        assertThat(catchThrowable(() -> store.get("nope", ByteRange.ALL).block(T))).isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isNotFound()).isTrue());
        store.put("gone", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        store.delete("gone").block(T);
        store.delete("gone").block(T);
        store.deleteAll(java.util.List.of("gone", "never")).block(T);
        assertThat(catchThrowable(() -> store.head("gone").block(T))).isInstanceOf(StoreException.class);
    }

    @Test
    void listFindsKeysUnderThePrefixRelativeToTheRoot() {
        store.put("l/1", Payload.of(new byte[] {1}), PutOptions.none()).block(T);
        store.put("l/2", Payload.of(new byte[] {2}), PutOptions.none()).block(T);
        store.put("m/3", Payload.of(new byte[] {3}), PutOptions.none()).block(T);
        // order is not checked: the fake lists in hash order
        assertThat(store.list("l/").map(ObjectInfo::key).collectList().block(T)).containsExactlyInAnyOrder("l/1", "l/2");
    }
}

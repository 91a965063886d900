package dev.checkpointer.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStores;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The facade: named buckets, reopening, pending uploads, and that nothing memory-specific leaks as a type. */
class MemoryStoreTest {
    private static final Duration T = Duration.ofSeconds(5);

    private static void put(ObjectStore s, String key, String text) {
        s.put(key, Payload.of(text.getBytes(StandardCharsets.UTF_8)), PutOptions.none()).block(T);
    }

    private static String read(ObjectStore s, String key) {
        return new String(s.readAll(key).block(T), StandardCharsets.UTF_8);
    }

    @Test
    void storesOfOneNameShareABucketUntilItIsDropped() {
        try (ObjectStore a = MemoryStore.named("facade-shared"); ObjectStore b = MemoryStore.builder().name("facade-shared").prefix("p").build()) {
            put(a, "p/k", "one");
            assertThat(read(b, "k")).isEqualTo("one");
            assertThat(b.describe()).isEqualTo("memory://facade-shared/p");
            MemoryStore.dropNamed("facade-shared");
            assertThat(read(a, "p/k")).as("open stores keep the old bucket").isEqualTo("one");
            assertThatThrownBy(() -> read(MemoryStore.named("facade-shared"), "p/k"))
                    .isInstanceOfSatisfying(StoreException.class, e -> assertThat(e.isNotFound()).isTrue());
        } finally {
            MemoryStore.dropNamed("facade-shared");
        }
    }

    @Test
    void aReopenedStoreSeesThePrivateBucketAfterTheFirstIsClosed() {
        ObjectStore first = MemoryStore.builder().prefix("jobs").build();
        put(first, "k", "kept");
        first.close();
        assertThatThrownBy(() -> read(first, "k")).isInstanceOf(StoreException.class);
        try (ObjectStore again = MemoryStore.reopen(first); ObjectStore other = MemoryStore.create()) {
            assertThat(read(again, "k")).isEqualTo("kept");
            assertThat(again.describe()).isEqualTo(first.describe());
            assertThat(other.list("").collectList().block(T)).as("create() is private").isEmpty();
        }
    }

    @Test
    void memoryUrisOpenTheNamedBucket() {
        try (ObjectStore byUri = ObjectStores.open("memory://facade-uri/x", Map.of())) {
            put(byUri, "k", "v");
            assertThat(MemoryStore.named("facade-uri").list("").map(ObjectInfo::key).collectList().block(T)).containsExactly("x/k");
            assertThat(MemoryStore.reopen(byUri).describe()).isEqualTo("memory://facade-uri/x");
        } finally {
            MemoryStore.dropNamed("facade-uri");
        }
    }

    @Test
    void pendingUploadsCountsUploadsNeitherCompletedNorAborted() {
        ObjectStore s = MemoryStore.create();
        var upload = s.startMultipart("big", PutOptions.none()).block(T);
        var other = s.startMultipart("other", PutOptions.none()).block(T);
        assertThat(MemoryStore.pendingUploads(s)).isEqualTo(2);
        var part = upload.uploadPart(1, Payload.of(new byte[] {1, 2})).block(T);
        upload.complete(java.util.List.of(part)).block(T);
        other.abort().block(T);
        assertThat(MemoryStore.pendingUploads(MemoryStore.reopen(s))).isZero();
    }

    @Test
    void wrappersAndOtherStoresAreRefusedNotUnwrapped() {
        ObjectStore wrapped = new FaultInjectingStore(MemoryStore.create());
        assertThatThrownBy(() -> MemoryStore.reopen(wrapped)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a memory store");
        assertThatThrownBy(() -> MemoryStore.pendingUploads(wrapped)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemoryStore.builder().name("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MemoryStore.builder().pageSize(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theImplementationIsNotPartOfThePublicPackage() {
        assertThat(MemoryStore.create().getClass().getPackageName()).isEqualTo("dev.checkpointer.store.memory.internal");
        assertThat(java.lang.reflect.Modifier.isPublic(MemoryStore.class.getDeclaredConstructors()[0].getModifiers())).isFalse();
    }
}

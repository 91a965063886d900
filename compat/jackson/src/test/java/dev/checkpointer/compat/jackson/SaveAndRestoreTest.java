package dev.checkpointer.compat.jackson;

import static dev.checkpointer.compat.jackson.Compat.bytes;
import static dev.checkpointer.compat.jackson.Compat.read;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.compat.jackson.Compat.StoreKind;
import dev.checkpointer.spi.Buffers;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code save} then {@code latest} and {@code read} from a fresh checkpointer on the same location: every partition form
 * (inline, stored, packed into a sidecar) and every metadata field survive the manifest's JSON on this Jackson.
 */
class SaveAndRestoreTest {
    private static final Instant WATERMARK = Instant.parse("2026-12-07T09:59:58.123456789Z");

    private static Snapshot snapshot(long seed) {
        Snapshot.Builder b = Snapshot.builder().epoch(7)
                .partition("counts", 0, Payload.of("alice=3,bob=5".getBytes(UTF_8)))            // inline
                .partition("counts", 1, PartitionKind.DELTA, Payload.of(new byte[0]))           // inline, empty
                .partition("Ünïcode op-x", 0, Payload.of(new byte[] {1, 2, 3}))                  // inline, non-ASCII name
                .partition("state", 0, Payload.of(bytes(50_000, seed)))                          // stored
                .partition("log", 0, PartitionKind.DELTA, Payload.of(bytes(4_000, seed + 1)));  // stored delta
        for (int i = 0; i < 4; i++) {
            b.partition("small", i, Payload.of(bytes(900, seed + 10 + i)));                      // over the inline budget: packed
        }
        return b.offsets("clicks", Map.of("partition-0", "1042", "partition-1", "77"))
                .offsets("orders", Map.of("0", "9"))
                .sinkEpoch("warehouse", 7)
                .watermark("clicks", WATERMARK)
                .fingerprint("pipeline-v7")
                .metadata("app", "compat").metadata("quote", "\"a\\b\"\n")
                .build();
    }

    private static void assertRestores(Checkpoint restored, Manifest saved, long seed) {
        Manifest m = restored.manifest();
        assertThat(m.id()).isEqualTo(saved.id());
        assertThat(m.epoch()).isEqualTo(7);
        assertThat(m.partitions()).containsExactlyInAnyOrderElementsOf(saved.partitions());
        assertThat(m.offsets()).isEqualTo(Map.of("clicks", Map.of("partition-0", "1042", "partition-1", "77"), "orders", Map.of("0", "9")));
        assertThat(m.sinkEpochs()).isEqualTo(Map.of("warehouse", 7L));
        assertThat(m.watermarks()).isEqualTo(Map.of("clicks", WATERMARK));
        assertThat(m.fingerprint()).isEqualTo("pipeline-v7");
        assertThat(m.metadata()).isEqualTo(Map.of("app", "compat", "quote", "\"a\\b\"\n"));

        // The forms the thresholds chose: the bug of issue 15 dropped "inline" and restored nothing.
        PartitionEntry counts = m.partition("counts", 0).orElseThrow();
        assertThat(counts.isInline()).isTrue();
        assertThat(counts.key()).isNull();
        assertThat(m.partition("counts", 1).orElseThrow().kind()).isEqualTo(PartitionKind.DELTA);
        PartitionEntry state = m.partition("state", 0).orElseThrow();
        assertThat(state.isInline()).isFalse();
        assertThat(state.key()).isNotNull();
        assertThat(state.size()).isEqualTo(50_000);
        List<PartitionEntry> packed = m.partitions().stream()
                .filter(e -> e.operator().equals("small") && !e.isInline()).toList();
        assertThat(packed).as("small partitions packed into one sidecar").hasSizeGreaterThanOrEqualTo(2);
        assertThat(packed).extracting(PartitionEntry::key).containsOnly(packed.get(0).key());
        assertThat(packed).extracting(PartitionEntry::offset).doesNotHaveDuplicates();

        assertThat(new String(read(restored, "counts", 0), UTF_8)).isEqualTo("alice=3,bob=5");
        assertThat(read(restored, "counts", 1)).isEmpty();
        assertThat(read(restored, "Ünïcode op-x", 0)).containsExactly(1, 2, 3);
        assertThat(read(restored, "state", 0)).isEqualTo(bytes(50_000, seed));
        assertThat(Buffers.join(restored.stream("state", 0)).block(Compat.T)).isEqualTo(bytes(50_000, seed));
        assertThat(read(restored, "log", 0)).isEqualTo(bytes(4_000, seed + 1));
        for (int i = 0; i < 4; i++) {
            assertThat(read(restored, "small", i)).isEqualTo(bytes(900, seed + 10 + i));
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void everyPartitionFormAndEveryMetadataFieldRoundTrips(StoreKind kind) {
        String location = kind.freshLocation("save");
        try (Checkpointer writer = Compat.open(location)) {
            Manifest first = writer.save(snapshot(100)).block(Compat.T);
            try (Checkpointer reader = Compat.open(location)) {
                assertRestores(reader.latest().block(Compat.T), first, 100);
            }
            Manifest second = writer.save(snapshot(200)).block(Compat.T);
            assertThat(second.parent().orElseThrow().id()).isEqualTo(first.id());

            try (Checkpointer reader = Compat.open(location)) {
                assertRestores(reader.latest().block(Compat.T), second, 200);
                assertThat(reader.list().map(Manifest::id).collectList().block(Compat.T)).containsExactly(first.id(), second.id());
                assertRestores(reader.load(first.id()).block(Compat.T), first, 100);
            }
        }
    }
}

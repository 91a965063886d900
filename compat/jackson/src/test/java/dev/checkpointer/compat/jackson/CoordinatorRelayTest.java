package dev.checkpointer.compat.jackson;

import static dev.checkpointer.compat.jackson.Compat.bytes;
import static dev.checkpointer.compat.jackson.Compat.read;
import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.compat.jackson.Compat.StoreKind;
import dev.checkpointer.compat.jackson.Relay.WorkerMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many hosts, one checkpoint: workers {@code stage} partitions, their {@link PartitionEntry}s travel to the coordinator
 * as JSON text (the library's lines, or the application's own message type through a user's mapper), and the
 * coordinator {@code commit}s what it parsed. On Jackson 2.17–2.20 a plain mapper used to drop
 * {@code inline} (the record's {@code @JsonIgnore isInline()} shares its name), so the commit succeeded and
 * {@code latest()} restored nothing (issue 15). Every way a user relays entries must round-trip on every Jackson.
 */
class CoordinatorRelayTest {

    static Stream<Arguments> relaysOnStores() {
        return Stream.of(Relay.values()).flatMap(r -> Stream.of(StoreKind.values()).map(k -> Arguments.of(r, k)));
    }

    /**
     * Two workers, each with its own checkpointer on the location, stage their partitions: an inline snapshot and an
     * empty inline delta on one, a stored snapshot and a stored delta on the other.
     */
    private static List<WorkerMessage> stageAll(String location, CheckpointId id) {
        try (Checkpointer small = Compat.open(location); Checkpointer large = Compat.open(location)) {
            return List.of(
                    new WorkerMessage("small", id, List.of(
                            small.stage(id, "counts", 0, Payload.of(bytes(100, 1))).block(Compat.T),
                            small.stage(id, "counts", 1, PartitionKind.DELTA, Payload.of(new byte[0])).block(Compat.T))),
                    new WorkerMessage("large", id, List.of(
                            large.stage(id, "state", 0, Payload.of(bytes(40_000, 2))).block(Compat.T),
                            large.stage(id, "log", 0, PartitionKind.DELTA, Payload.of(bytes(5_000, 3))).block(Compat.T))));
        }
    }

    private static List<PartitionEntry> entriesOf(List<WorkerMessage> messages) {
        return messages.stream().flatMap(m -> m.entries().stream()).toList();
    }

    @ParameterizedTest
    @MethodSource("relaysOnStores")
    void entriesRelayedAsJsonCommitAndRestoreEveryPartition(Relay relay, StoreKind kind) throws Exception {
        String location = kind.freshLocation("relay-" + relay.name().toLowerCase(java.util.Locale.ROOT));
        List<PartitionEntry> received = new ArrayList<>();
        try (Checkpointer coordinator = Compat.open(location)) {
            CheckpointId id = coordinator.begin().block(Compat.T);
            List<WorkerMessage> sent = stageAll(location, id);
            assertThat(entriesOf(sent)).filteredOn(PartitionEntry::isInline).extracting(PartitionEntry::name)
                    .containsExactlyInAnyOrder("counts/0", "counts/1");

            for (WorkerMessage message : sent) {
                String text = relay.send(message);
                WorkerMessage parsed = relay.receive(text);
                assertThat(parsed).as("%s relayed as %s", message.worker(), text).isEqualTo(message);
                received.addAll(parsed.entries());
            }
            CheckpointMetadata metadata = CheckpointMetadata.builder().epoch(3)
                    .offsets("clicks", Map.of("partition-0", "6000")).metadata("coordinator", "c1").build();
            Manifest committed = coordinator.commit(id, metadata, received).block(Compat.T);
            assertThat(committed.id()).isEqualTo(id);
        }
        try (Checkpointer restarted = Compat.open(location)) {
            Checkpoint latest = restarted.latest().block(Compat.T);
            assertThat(latest.manifest().id()).isEqualTo(CheckpointId.of(1));
            assertThat(latest.manifest().offsets()).isEqualTo(Map.of("clicks", Map.of("partition-0", "6000")));
            assertThat(latest.manifest().metadata()).containsEntry("coordinator", "c1");
            assertThat(latest.manifest().partitions()).containsExactlyInAnyOrderElementsOf(received);
            assertThat(read(latest, "counts", 0)).isEqualTo(bytes(100, 1));
            assertThat(read(latest, "counts", 1)).isEmpty();
            assertThat(latest.manifest().partition("counts", 1).orElseThrow().kind()).isEqualTo(PartitionKind.DELTA);
            assertThat(read(latest, "state", 0)).isEqualTo(bytes(40_000, 2));
            assertThat(read(latest, "log", 0)).isEqualTo(bytes(5_000, 3));
        }
    }

    @Test
    void whatOneRelayWritesEveryOtherReads() throws Exception {
        List<PartitionEntry> staged;
        String location = StoreKind.MEMORY.freshLocation("cross-relay");
        try (Checkpointer coordinator = Compat.open(location)) {
            staged = entriesOf(stageAll(location, coordinator.begin().block(Compat.T)));
        }
        SoftAssertions softly = new SoftAssertions();
        for (Relay writer : Relay.values()) {
            for (Relay reader : Relay.values()) {
                for (PartitionEntry entry : staged) {
                    String json = writer.writeEntry(entry);
                    softly.assertThat(reader.readEntry(json)).as("%s written by %s, read by %s: %s", entry.name(), writer, reader, json)
                            .isEqualTo(entry);
                }
            }
        }
        softly.assertAll();
    }
}

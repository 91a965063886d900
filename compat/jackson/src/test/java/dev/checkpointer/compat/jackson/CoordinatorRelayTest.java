package dev.checkpointer.compat.jackson;

import static dev.checkpointer.compat.jackson.Compat.bytes;
import static dev.checkpointer.compat.jackson.Compat.read;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CheckpointMetadata;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import dev.checkpointer.Payload;
import dev.checkpointer.compat.jackson.Compat.StoreKind;
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
 * as JSON text, and the coordinator {@code commit}s what it parsed. On Jackson 2.17–2.20 a plain mapper used to drop
 * {@code inline} (the record's {@code @JsonIgnore isInline()} shares its name), so the commit succeeded and
 * {@code latest()} restored nothing (issue 15). Every way a user relays entries must round-trip on every Jackson.
 */
class CoordinatorRelayTest {

    /** How a worker turns an entry into text and the coordinator turns it back. */
    enum Relay {
        /** The library's own {@code toJson} / {@code fromJson}. */
        TO_JSON(null),
        /** A user's {@code new ObjectMapper()}, nothing configured. */
        PLAIN_MAPPER(new ObjectMapper()),
        /** A user's strict mapper: nulls for primitives fail, properties and map keys sorted. */
        STRICT_SORTED_MAPPER(JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build());

        private final ObjectMapper mapper;

        Relay(ObjectMapper mapper) {
            this.mapper = mapper;
        }

        String write(PartitionEntry entry) throws JsonProcessingException {
            return mapper == null ? entry.toJson() : mapper.writeValueAsString(entry);
        }

        PartitionEntry read(String json) throws JsonProcessingException {
            return mapper == null ? PartitionEntry.fromJson(json) : mapper.readValue(json, PartitionEntry.class);
        }
    }

    static Stream<Arguments> relaysOnStores() {
        return Stream.of(Relay.values()).flatMap(r -> Stream.of(StoreKind.values()).map(k -> Arguments.of(r, k)));
    }

    /** Stages an inline snapshot, an empty inline delta, a stored snapshot and a stored delta, from two workers. */
    private static List<PartitionEntry> stageAll(String location, CheckpointId id) {
        try (Checkpointer small = Compat.open(location); Checkpointer large = Compat.open(location)) {
            return List.of(
                    small.stage(id, "counts", 0, Payload.of(bytes(100, 1))).block(Compat.T),
                    small.stage(id, "counts", 1, PartitionKind.DELTA, Payload.of(new byte[0])).block(Compat.T),
                    large.stage(id, "state", 0, Payload.of(bytes(40_000, 2))).block(Compat.T),
                    large.stage(id, "log", 0, PartitionKind.DELTA, Payload.of(bytes(5_000, 3))).block(Compat.T));
        }
    }

    @ParameterizedTest
    @MethodSource("relaysOnStores")
    void entriesRelayedAsJsonCommitAndRestoreEveryPartition(Relay relay, StoreKind kind) throws Exception {
        String location = kind.freshLocation("relay-" + relay.name().toLowerCase(java.util.Locale.ROOT));
        try (Checkpointer coordinator = Compat.open(location)) {
            CheckpointId id = coordinator.begin().block(Compat.T);
            List<PartitionEntry> staged = stageAll(location, id);
            assertThat(staged).filteredOn(PartitionEntry::isInline).extracting(PartitionEntry::name)
                    .containsExactlyInAnyOrder("counts/0", "counts/1");

            List<PartitionEntry> received = new ArrayList<>();
            for (PartitionEntry entry : staged) {
                String json = relay.write(entry);
                PartitionEntry parsed = relay.read(json);
                assertThat(parsed).as("%s relayed as %s", entry.name(), json).isEqualTo(entry);
                received.add(parsed);
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
            assertThat(latest.manifest().partitions()).hasSize(4);
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
            staged = stageAll(location, coordinator.begin().block(Compat.T));
        }
        SoftAssertions softly = new SoftAssertions();
        for (Relay writer : Relay.values()) {
            for (Relay reader : Relay.values()) {
                for (PartitionEntry entry : staged) {
                    String json = writer.write(entry);
                    softly.assertThat(reader.read(json)).as("%s written by %s, read by %s: %s", entry.name(), writer, reader, json)
                            .isEqualTo(entry);
                }
            }
        }
        softly.assertAll();
    }
}

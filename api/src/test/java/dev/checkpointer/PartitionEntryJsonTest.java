package dev.checkpointer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Entries relayed from workers to a coordinator keep every field whatever mapper carries them, and earlier versions'
 * relayed bytes (src/test/resources/golden/entries, never edited) still read.
 */
class PartitionEntryJsonTest {
    private static final String SHA = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final PartitionEntry INLINE = PartitionEntry.inline("counts", 0, PartitionKind.DELTA, "abc".getBytes(StandardCharsets.UTF_8), SHA);
    private static final PartitionEntry STORED = PartitionEntry.stored("worker-op", 1, PartitionKind.SNAPSHOT,
            "checkpoints/00000000000000000006/worker-op/1.b73da39a4f02c01a.snapshot", 0, 2048, SHA);

    private static String golden(String name) throws Exception {
        return Files.readString(Path.of(PartitionEntryJsonTest.class.getResource("/golden/entries/" + name).toURI()), StandardCharsets.UTF_8).strip();
    }

    /** Mappers users really have: Jackson's defaults, Spring Boot's, and strict or reordering settings. */
    static List<ObjectMapper> userMappers() {
        return List.of(new ObjectMapper(),
                JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                        .enable(SerializationFeature.INDENT_OUTPUT).build(),
                JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).disable(MapperFeature.DEFAULT_VIEW_INCLUSION)
                        .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES).enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                        .build());
    }

    @Test
    void todaysWriterProducesTheRelayedBytesOfEarlierVersionsExactly() throws Exception {
        assertThat(INLINE.toJson()).isEqualTo(golden("inline-0.1.json"));
        assertThat(STORED.toJson()).isEqualTo(golden("stored-0.1.json"));
        assertThat(PartitionEntry.fromJson(golden("inline-0.1.json"))).isEqualTo(INLINE);
        assertThat(PartitionEntry.fromJson(golden("stored-0.1.json"))).isEqualTo(STORED);
    }

    @Test
    void everyUserMapperKeepsTheInlineBytesAndEveryOtherField() throws IOException {
        for (ObjectMapper mapper : userMappers()) {
            for (PartitionEntry e : List.of(INLINE, STORED)) {
                String json = mapper.writeValueAsString(e);
                assertThat(mapper.readTree(json)).isEqualTo(mapper.readTree(e.toJson()));
                assertThat(mapper.readValue(json, PartitionEntry.class)).isEqualTo(e);
                assertThat(PartitionEntry.fromJson(json)).isEqualTo(e);
            }
            // Inside the application's own message, as a worker would send it.
            Map<String, Object> message = Map.of("worker", "w-1", "id", CheckpointId.of(42), "entries", List.of(INLINE, STORED));
            Map<String, Object> back = mapper.readValue(mapper.writeValueAsString(message), new TypeReference<Map<String, Object>>() {});
            assertThat(back.get("id")).isEqualTo(42);
            Envelope typed = mapper.readValue(mapper.writeValueAsString(message), Envelope.class);
            assertThat(typed.entries()).containsExactly(INLINE, STORED);
            assertThat(typed.id()).isEqualTo(CheckpointId.of(42));
        }
    }

    /** A worker's message as an application would declare it. */
    record Envelope(String worker, CheckpointId id, List<PartitionEntry> entries) {}

    @Test
    void optionalFieldsTakeTheirDefaultsAndUnknownFieldsAreIgnored() {
        String json = "{\"operator\":\"counts\",\"partition\":0,\"kind\":\"DELTA\",\"size\":3,\"sha256\":\"" + SHA
                + "\",\"inline\":\"YWJj\",\"addedInAFutureVersion\":{\"x\":[1,2]}}";
        assertThat(PartitionEntry.fromJson(json)).isEqualTo(INLINE);
    }

    @Test
    void aMissingOrMalformedFieldIsNamedEveryOneOfThemAndNoJacksonTextLeaks() {
        assertThatThrownBy(() -> PartitionEntry.fromJson("{\"operator\":\"counts\",\"partition\":\"zero\",\"kind\":\"DELTA\",\"inline\":\"YWJj\"}"))
                .isExactlyInstanceOf(InvalidInputException.class)
                .hasMessageContaining("entry.partition: expected a whole number")
                .hasMessageContaining("entry.size: is missing")
                .hasMessageContaining("entry.sha256: is missing")
                .hasMessageNotContaining("DeserializationConfig");
        assertThatThrownBy(() -> PartitionEntry.fromJson("{\"operator\":\"counts\",\"partition\":0,\"kind\":\"SIDEWAYS\",\"size\":3,\"sha256\":\"" + SHA + "\"}"))
                .isExactlyInstanceOf(InvalidInputException.class).hasMessageContaining("entry.kind").hasMessageContaining("SIDEWAYS");
        assertThatThrownBy(() -> PartitionEntry.fromJson("[1,2]")).isExactlyInstanceOf(InvalidInputException.class).hasMessageContaining("expected an object");
        assertThatThrownBy(() -> PartitionEntry.fromJson("{\"operator\":")).isExactlyInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> PartitionEntry.fromJson(null)).isExactlyInstanceOf(InvalidInputException.class);
    }

    @Test
    void anEntryAnEarlierWorkerRelayedWithoutItsInlineBytesIsRefusedRatherThanCommittedEmpty() throws IOException {
        // What library 0.1.0 on Jackson 2.17-2.20 sent: the inline field dropped.
        String lossy = "{\"operator\":\"counts\",\"partition\":0,\"kind\":\"DELTA\",\"offset\":0,\"size\":3,\"sha256\":\"" + SHA + "\"}";
        assertThatThrownBy(() -> PartitionEntry.fromJson(lossy)).isExactlyInstanceOf(InvalidInputException.class)
                .hasMessageContaining("neither an inline value nor a key");
        assertThatThrownBy(() -> new ObjectMapper().readValue(lossy, PartitionEntry.class)).isInstanceOf(JsonMappingException.class)
                .hasMessageContaining("neither an inline value nor a key");
        String wrongSize = "{\"operator\":\"counts\",\"partition\":0,\"kind\":\"DELTA\",\"size\":4,\"sha256\":\"" + SHA + "\",\"inline\":\"YWJj\"}";
        assertThatThrownBy(() -> PartitionEntry.fromJson(wrongSize)).hasMessageContaining("3 bytes but size says 4");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-3", "9223372036854775807", "99999999999999999999", "\"7\"", "1.5"})
    void anImpossibleCheckpointIdIsRefusedByJackson(String json) {
        assertThatThrownBy(() -> new ObjectMapper().readValue(json, CheckpointId.class)).isInstanceOf(JsonMappingException.class)
                .hasMessageContaining("checkpoint id");
    }

    @Test
    void aCheckpointIdIsItsNumber() throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        assertThat(mapper.writeValueAsString(CheckpointId.of(42))).isEqualTo("42");
        assertThat(mapper.readValue("9223372036854775806", CheckpointId.class)).isEqualTo(CheckpointId.of(CheckpointId.MAX_VALUE));
    }
}

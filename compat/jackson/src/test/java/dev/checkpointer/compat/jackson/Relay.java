package dev.checkpointer.compat.jackson;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.PartitionEntry;
import java.util.ArrayList;
import java.util.List;

/**
 * How a worker turns what it staged into text for its coordinator, and how the coordinator reads it back: the library's
 * own {@code toJson}/{@code fromJson}, or a user's Jackson mapper carrying the application's own message type.
 */
enum Relay {
    /** {@link PartitionEntry#toJson()} / {@link PartitionEntry#fromJson(String)}, one line per entry after the id. */
    TO_JSON(null),
    /** A user's {@code new ObjectMapper()}, nothing configured. */
    PLAIN_MAPPER(new ObjectMapper()),
    /** A user's strict mapper: nulls for primitives fail, properties and map keys sorted. */
    STRICT_SORTED_MAPPER(JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build());

    /**
     * What a worker sends its coordinator, as an application would declare it.
     *
     * @param worker the worker's name
     * @param id the checkpoint the coordinator began
     * @param entries what the worker staged for it
     */
    record WorkerMessage(String worker, CheckpointId id, List<PartitionEntry> entries) {}

    private final ObjectMapper mapper;

    Relay(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    String writeEntry(PartitionEntry entry) throws JsonProcessingException {
        return mapper == null ? entry.toJson() : mapper.writeValueAsString(entry);
    }

    PartitionEntry readEntry(String json) throws JsonProcessingException {
        return mapper == null ? PartitionEntry.fromJson(json) : mapper.readValue(json, PartitionEntry.class);
    }

    String send(WorkerMessage message) throws JsonProcessingException {
        if (mapper != null) {
            return mapper.writeValueAsString(message);
        }
        StringBuilder lines = new StringBuilder(message.worker()).append('\n').append(message.id().value());
        for (PartitionEntry e : message.entries()) {
            lines.append('\n').append(e.toJson());
        }
        return lines.toString();
    }

    WorkerMessage receive(String text) throws JsonProcessingException {
        if (mapper != null) {
            return mapper.readValue(text, WorkerMessage.class);
        }
        String[] lines = text.split("\n");
        List<PartitionEntry> entries = new ArrayList<>();
        for (int i = 2; i < lines.length; i++) {
            entries.add(PartitionEntry.fromJson(lines[i]));
        }
        return new WorkerMessage(lines[0], CheckpointId.parse(lines[1]), entries);
    }
}

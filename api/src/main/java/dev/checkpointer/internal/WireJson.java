package dev.checkpointer.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.PartitionEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The relayed JSON of {@link PartitionEntry} and {@link CheckpointId}, written and read by explicit code. Workers send
 * entries to a coordinator through any transport, often with the application's own {@code ObjectMapper}; the
 * serializers below are named on those types ({@code @JsonSerialize(using = …)}), so every Jackson version and every
 * mapper configuration produces and accepts the same bytes, and no version can drop a field (Jackson 2.17–2.20 dropped
 * {@code inline} when the entry was bound as a record). The entry's shape is the one it has inside a manifest:
 * <pre>{"operator":"op","partition":0,"kind":"SNAPSHOT","key":"…","offset":0,"size":5,"sha256":"…","inline":"…"}</pre>
 * {@code key} and {@code inline} are written only when set, {@code offset} may be absent (0), unknown fields are
 * ignored, and a problem names the field.
 */
public final class WireJson {
    private WireJson() {}

    /**
     * Writes an entry as one JSON object, fields in their documented order.
     *
     * @param g where to write
     * @param e the entry
     * @throws IOException from the generator
     */
    public static void writeEntry(JsonGenerator g, PartitionEntry e) throws IOException {
        g.writeStartObject();
        g.writeStringField("operator", e.operator());
        g.writeNumberField("partition", e.partition());
        g.writeStringField("kind", e.kind().name());
        if (e.key() != null) {
            g.writeStringField("key", e.key());
        }
        g.writeNumberField("offset", e.offset());
        g.writeNumberField("size", e.size());
        g.writeStringField("sha256", e.sha256());
        if (e.inline() != null) {
            g.writeStringField("inline", e.inline());
        }
        if (e.isChunked()) {
            g.writeArrayFieldStart("chunks");
            for (ChunkRef c : e.chunks()) {
                g.writeStartObject();
                g.writeStringField("sha256", c.sha256());
                g.writeNumberField("size", c.size());
                if (c.compressed()) {
                    g.writeStringField("codec", c.codec());
                    g.writeNumberField("stored", c.storedSize());
                }
                g.writeNumberField("firstId", c.firstId().value());
                g.writeStringField("token", c.token());
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /**
     * An entry's JSON text.
     *
     * @param e the entry
     * @return compact JSON
     */
    public static String entryToJson(PartitionEntry e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            writeEntry(g, e);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot write a partition entry", ex);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Reads an entry's JSON text.
     *
     * @param json the text
     * @return the entry
     * @throws InvalidInputException naming every missing or malformed field
     */
    public static PartitionEntry entryFromJson(String json) {
        if (json == null) {
            throw new InvalidInputException("partition entry JSON is null");
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(json);
        } catch (IOException ex) {
            throw new InvalidInputException("partition entry JSON is not valid JSON: " + ManifestCodec.firstLine(ex.getMessage()), ex);
        }
        return entryFromTree(node);
    }

    private static PartitionEntry entryFromTree(JsonNode node) {
        try {
            return ManifestCodec.decodeEntry(node);
        } catch (CorruptMetadataException ex) {
            throw new InvalidInputException("invalid partition entry JSON: " + String.join("; ", ex.problems()));
        }
    }

    /** Jackson serializer of {@link PartitionEntry}: {@link #writeEntry}, whatever the mapper's settings. */
    public static final class EntrySerializer extends StdSerializer<PartitionEntry> {
        private static final long serialVersionUID = 1L;

        /** Used by Jackson. */
        public EntrySerializer() {
            super(PartitionEntry.class);
        }

        @Override
        public void serialize(PartitionEntry value, JsonGenerator g, SerializerProvider provider) throws IOException {
            writeEntry(g, value);
        }
    }

    /** Jackson deserializer of {@link PartitionEntry}: the explicit reader, whatever the mapper's settings. */
    public static final class EntryDeserializer extends StdDeserializer<PartitionEntry> {
        private static final long serialVersionUID = 1L;

        /** Used by Jackson. */
        public EntryDeserializer() {
            super(PartitionEntry.class);
        }

        @Override
        public PartitionEntry deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode node = ctxt.readTree(p);
            try {
                return entryFromTree(node);
            } catch (InvalidInputException ex) {
                throw JsonMappingException.from(p, ex.getMessage(), ex);
            }
        }
    }

    /** Jackson serializer of {@link CheckpointId}: its number. */
    public static final class IdSerializer extends StdSerializer<CheckpointId> {
        private static final long serialVersionUID = 1L;

        /** Used by Jackson. */
        public IdSerializer() {
            super(CheckpointId.class);
        }

        @Override
        public void serialize(CheckpointId value, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeNumber(value.value());
        }
    }

    /** Jackson deserializer of {@link CheckpointId}: a whole number from 1 to {@link CheckpointId#MAX_VALUE}. */
    public static final class IdDeserializer extends StdDeserializer<CheckpointId> {
        private static final long serialVersionUID = 1L;

        /** Used by Jackson. */
        public IdDeserializer() {
            super(CheckpointId.class);
        }

        @Override
        public CheckpointId deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                throw JsonMappingException.from(p, "a checkpoint id must be a whole number from 1 to " + CheckpointId.MAX_VALUE
                        + ", got " + p.currentToken());
            }
            long v = p.getLongValue();
            if (v < 1 || v > CheckpointId.MAX_VALUE) {
                throw JsonMappingException.from(p, "not a checkpoint id: " + v + " (ids run from 1 to " + CheckpointId.MAX_VALUE + ")");
            }
            return CheckpointId.of(v);
        }
    }
}

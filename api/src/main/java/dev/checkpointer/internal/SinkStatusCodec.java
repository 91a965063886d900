package dev.checkpointer.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.SinkState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The sink status object {@code checkpoints/{id}/_sinks}, written and read by explicit code. An envelope like every
 * metadata file, so a flipped byte is detected before anything is trusted:
 * <pre>{@code
 * {"format":"checkpointer-sinks","bodySha256":"<hex>","sinks":{"formatVersion":"1.0","id":7,
 *  "statuses":{"warehouse":{"state":"COMMITTED","epoch":5,"updatedAt":"…","updatedBy":"host/1/ab","detail":"txn 42"}}}}
 * }</pre>
 * Only sinks that left {@code PENDING} are listed; a sink the manifest records and this object does not is pending,
 * and so is every sink of a checkpoint without the object. {@code detail} is optional.
 */
final class SinkStatusCodec {
    static final String FORMAT_VERSION = "1.0";
    static final int FORMAT_MAJOR = 1;
    /** Largest status object read (a clear error beyond it). */
    static final int MAX_BYTES = 1024 * 1024;

    /** One sink's recorded transition. */
    record Entry(SinkState state, long epoch, Instant updatedAt, String updatedBy, @Nullable String detail) {}

    private SinkStatusCodec() {}

    static byte[] encode(CheckpointId id, SortedMap<String, Entry> statuses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("formatVersion", FORMAT_VERSION);
            g.writeNumberField("id", id.value());
            g.writeObjectFieldStart("statuses");
            for (Map.Entry<String, Entry> e : statuses.entrySet()) {
                Entry s = e.getValue();
                g.writeObjectFieldStart(e.getKey());
                g.writeStringField("state", s.state().name());
                g.writeNumberField("epoch", s.epoch());
                g.writeStringField("updatedAt", s.updatedAt().toString());
                g.writeStringField("updatedBy", s.updatedBy());
                if (s.detail() != null) {
                    g.writeStringField("detail", s.detail());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise sink statuses", e);
        }
        return ManifestCodec.envelope(ManifestCodec.SINKS_FORMAT, "sinks", out.toByteArray());
    }

    /**
     * Parses and checks a status object.
     *
     * @throws CorruptMetadataException listing every problem, each naming the field
     * @throws IncompatibleCheckpointException when its major version is newer than this library reads
     */
    static SortedMap<String, Entry> decode(String key, CheckpointId expectedId, byte[] bytes) {
        ManifestCodec.Envelope env = ManifestCodec.envelope(key, bytes);
        if (!ManifestCodec.SINKS_FORMAT.equals(env.format())) {
            throw ManifestCodec.corrupt(key, "not a sink status object (format is '" + env.format() + "')", null);
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(bytes, env.bodyStart(), env.bodyEnd() - env.bodyStart());
        } catch (IOException e) {
            throw ManifestCodec.corrupt(key, "body is not valid JSON", e);
        }
        List<String> problems = new ArrayList<>();
        JsonNode version = body.get("formatVersion");
        if (version == null || !version.isTextual()) {
            problems.add("sinks.formatVersion: is missing");
        } else if (dev.checkpointer.Manifest.majorOf(version.asText()) > FORMAT_MAJOR) {
            throw new IncompatibleCheckpointException("'" + key + "' has format " + version.asText() + "; this library reads sink status major version "
                    + FORMAT_MAJOR + " and older: upgrade checkpointer to read it");
        }
        JsonNode id = body.get("id");
        if (id == null || !id.isIntegralNumber()) {
            problems.add("sinks.id: is missing");
        } else if (id.asLong() != expectedId.value()) {
            problems.add("sinks.id: the object under " + key + " says it is checkpoint " + id.asLong());
        }
        TreeMap<String, Entry> out = new TreeMap<>();
        JsonNode statuses = body.get("statuses");
        if (statuses != null && !statuses.isNull()) {
            if (!statuses.isObject()) {
                problems.add("sinks.statuses: expected an object");
            } else {
                Iterator<Map.Entry<String, JsonNode>> it = statuses.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    Entry entry = entry("sinks.statuses['" + e.getKey() + "']", e.getValue(), problems);
                    if (entry != null) {
                        out.put(e.getKey(), entry);
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CorruptMetadataException(key, problems, null);
        }
        return Collections.unmodifiableSortedMap(out);
    }

    private static @Nullable Entry entry(String where, JsonNode v, List<String> problems) {
        if (!v.isObject()) {
            problems.add(where + ": expected an object");
            return null;
        }
        int before = problems.size();
        SinkState state = null;
        JsonNode s = v.get("state");
        if (s == null || !s.isTextual()) {
            problems.add(where + ".state: is missing");
        } else {
            try {
                state = SinkState.valueOf(s.asText());
            } catch (IllegalArgumentException e) {
                problems.add(where + ".state: unknown state '" + ManifestCodec.firstLine(s.asText()) + "'");
            }
        }
        JsonNode epoch = v.get("epoch");
        if (epoch == null || !epoch.isIntegralNumber() || !epoch.canConvertToLong() || epoch.asLong() < 0) {
            problems.add(where + ".epoch: expected a whole number >= 0");
        }
        Instant at = null;
        JsonNode t = v.get("updatedAt");
        if (t == null || !t.isTextual()) {
            problems.add(where + ".updatedAt: is missing");
        } else {
            try {
                at = Instant.parse(t.asText());
            } catch (RuntimeException e) {
                problems.add(where + ".updatedAt: not an ISO-8601 instant");
            }
        }
        JsonNode by = v.get("updatedBy");
        if (by == null || !by.isTextual()) {
            problems.add(where + ".updatedBy: is missing");
        }
        JsonNode detail = v.get("detail");
        if (detail != null && !detail.isNull() && !detail.isTextual()) {
            problems.add(where + ".detail: expected a string");
        }
        if (problems.size() > before || state == null || at == null || by == null || epoch == null) {
            return null;
        }
        return new Entry(state, epoch.asLong(), at, by.asText(), detail == null || detail.isNull() ? null : detail.asText());
    }
}

package dev.checkpointer.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The files stored at manifest keys, written and read by explicit code (never by annotation-driven binding, so no
 * Jackson version can drop or rename a field). Each file is an envelope whose {@code bodySha256} is the SHA-256 of
 * the exact bytes of its body object as they appear in the file, so any file, read on its own, detects corruption:
 * <pre>
 * {"format":"checkpointer-manifest","bodySha256":"…","manifest":{…}}
 * {"format":"checkpointer-tombstone","bodySha256":"…","tombstone":{…}}
 * {"format":"checkpointer-abort","bodySha256":"…","abort":{…}}
 * </pre>
 * Format 1.x manifests (no parent links) are read too. Unknown fields are ignored; a newer major format version is
 * refused with {@link IncompatibleCheckpointException}; every other problem is a {@link CorruptMetadataException}
 * naming the key and the field. See {@code docs/PROTOCOL.md} for every field.
 */
final class ManifestCodec {
    static final String MANIFEST_FORMAT = "checkpointer-manifest";
    /** The highest major version of tombstones, abort markers and the pointer this library reads (it writes 2.0). */
    static final int MARKER_FORMAT_MAJOR = 2;
    static final String TOMBSTONE_FORMAT = "checkpointer-tombstone";
    static final String ABORT_FORMAT = "checkpointer-abort";
    static final String POINTER_FORMAT = "checkpointer-pointer";
    static final String SINKS_FORMAT = "checkpointer-sinks";
    /** Largest manifest file read or written (a clear error beyond it, never an OutOfMemoryError). */
    static final int MAX_MANIFEST_BYTES = 128 * 1024 * 1024;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(MAX_MANIFEST_BYTES).maxNestingDepth(16).build())
            .build();

    private ManifestCodec() {}

    // ------------------------------------------------------------------------------------------------- writing

    /**
     * Serialises a manifest into its file bytes.
     *
     * @throws IllegalStateException when the codec failed its self-check on this class path (nothing is written)
     */
    static byte[] encode(Manifest m) {
        SelfCheck.require();
        return encodeUnchecked(m);
    }

    private static byte[] encodeUnchecked(Manifest m) {
        byte[] body = write(g -> {
            g.writeStartObject();
            g.writeStringField("formatVersion", m.formatVersion());
            g.writeNumberField("id", m.id().value());
            g.writeNumberField("epoch", m.epoch());
            g.writeStringField("createdAt", m.createdAt().toString());
            g.writeStringField("writerId", m.writerId());
            writeLink(g, "parent", m.parent().orElse(null));
            writeLink(g, "grandparent", m.grandparent().orElse(null));
            if (m.fingerprint() != null) {
                g.writeStringField("fingerprint", m.fingerprint());
            }
            if (m.chunker() != null) {
                g.writeStringField("chunker", m.chunker());
            }
            g.writeArrayFieldStart("partitions");
            for (PartitionEntry e : m.partitions()) {
                WireJson.writeEntry(g, e);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("offsets");
            for (Map.Entry<String, Map<String, String>> source : m.offsets().entrySet()) {
                g.writeObjectFieldStart(source.getKey());
                for (Map.Entry<String, String> o : source.getValue().entrySet()) {
                    g.writeStringField(o.getKey(), o.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeObjectFieldStart("sinkEpochs");
            for (Map.Entry<String, Long> s : m.sinkEpochs().entrySet()) {
                g.writeNumberField(s.getKey(), s.getValue());
            }
            g.writeEndObject();
            if (!m.sinkPrepared().isEmpty()) {
                g.writeObjectFieldStart("sinkPrepared");
                for (Map.Entry<String, String> s : m.sinkPrepared().entrySet()) {
                    g.writeStringField(s.getKey(), s.getValue());
                }
                g.writeEndObject();
            }
            if (m.topology().isPresent()) {
                TopologyJson.write(g, m.topology().get());
            }
            g.writeObjectFieldStart("watermarks");
            for (Map.Entry<String, Instant> w : m.watermarks().entrySet()) {
                g.writeStringField(w.getKey(), w.getValue().toString());
            }
            g.writeEndObject();
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> md : m.metadata().entrySet()) {
                g.writeStringField(md.getKey(), md.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        });
        return envelope(MANIFEST_FORMAT, "manifest", body);
    }

    /** Serialises a tombstone. */
    static byte[] encodeTombstone(CheckpointId id, String manifestSha256, long epoch, @Nullable Instant createdAt, Manifest.@Nullable Link parent,
            Manifest.@Nullable Link grandparent, Instant deletedAt, String deletedBy) {
        byte[] body = write(g -> {
            g.writeStartObject();
            g.writeStringField("formatVersion", Manifest.FORMAT_VERSION);
            g.writeNumberField("id", id.value());
            g.writeStringField("manifestSha256", manifestSha256);
            g.writeNumberField("epoch", epoch);
            if (createdAt != null) {
                g.writeStringField("createdAt", createdAt.toString());
            }
            writeLink(g, "parent", parent);
            writeLink(g, "grandparent", grandparent);
            g.writeStringField("deletedAt", deletedAt.toString());
            g.writeStringField("deletedBy", deletedBy);
            g.writeEndObject();
        });
        return envelope(TOMBSTONE_FORMAT, "tombstone", body);
    }

    /** Serialises an abort marker. */
    static byte[] encodeAbort(CheckpointId id, Instant abortedAt, String abortedBy) {
        byte[] body = write(g -> {
            g.writeStartObject();
            g.writeStringField("formatVersion", Manifest.FORMAT_VERSION);
            g.writeNumberField("id", id.value());
            g.writeStringField("abortedAt", abortedAt.toString());
            g.writeStringField("abortedBy", abortedBy);
            g.writeEndObject();
        });
        return envelope(ABORT_FORMAT, "abort", body);
    }

    private static void writeLink(JsonGenerator g, String field, Manifest.@Nullable Link link) throws IOException {
        if (link != null) {
            g.writeObjectFieldStart(field);
            g.writeNumberField("id", link.id().value());
            g.writeStringField("manifestSha256", link.manifestSha256());
            g.writeEndObject();
        }
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            w.write(g);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise checkpoint metadata", e);
        }
        return out.toByteArray();
    }

    static byte[] envelope(String format, String bodyField, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 160);
        byte[] head = ("{\"format\":\"" + format + "\",\"bodySha256\":\"" + Sha256.hex(body) + "\",\"" + bodyField + "\":")
                .getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(head);
        out.writeBytes(body);
        out.write('}');
        out.write('\n');
        return out.toByteArray();
    }

    // ------------------------------------------------------------------------------------------------- reading

    /**
     * Parses and checks any file at a manifest key: envelope, body digest, format major version, every field, then
     * (for a manifest) every validation rule, and that the file belongs to the id its key names.
     *
     * @param key where it was read from, for messages
     * @param expectedId the id its key names
     * @param bytes the file
     * @return the file
     * @throws CorruptMetadataException when it cannot be trusted
     * @throws IncompatibleCheckpointException when its major version is newer than this library reads
     */
    static ManifestFile decode(String key, CheckpointId expectedId, byte[] bytes) {
        SelfCheck.require();
        return decodeUnchecked(key, expectedId, bytes);
    }

    private static ManifestFile decodeUnchecked(String key, CheckpointId expectedId, byte[] bytes) {
        String fileSha = Sha256.hex(bytes);
        Envelope env = envelope(key, bytes);
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(bytes, env.bodyStart, env.bodyEnd - env.bodyStart);
        } catch (IOException e) {
            throw corrupt(key, "body is not valid JSON", e);
        }
        Fields f = new Fields(key, env.bodyField, body);
        String version = f.text("formatVersion", true);
        // Manifests went to major 3 with chunked partitions; tombstones and abort markers are still major 2.
        int readable = MANIFEST_FORMAT.equals(env.format) ? Manifest.FORMAT_MAJOR : MARKER_FORMAT_MAJOR;
        if (version != null && Manifest.majorOf(version) > readable) {
            throw new IncompatibleCheckpointException("'" + key + "' has format " + version + "; this library reads major version "
                    + readable + " and older: upgrade checkpointer to read it");
        }
        ManifestFile file = switch (env.format) {
            case MANIFEST_FORMAT -> new ManifestFile.Live(readManifest(f, version), fileSha);
            case TOMBSTONE_FORMAT -> readTombstone(f, fileSha);
            case ABORT_FORMAT -> readAbort(f, fileSha);
            default -> throw corrupt(key, "not a checkpointer manifest (format is '" + env.format + "')", null);
        };
        if (file instanceof ManifestFile.Live live) {
            List<String> problems = live.manifest().validate();
            if (!problems.isEmpty()) {
                throw new CorruptMetadataException(key, problems, null);
            }
        }
        if (!expectedId.equals(file.id())) {
            throw corrupt(key, "the file under " + key + " says it is checkpoint " + file.id(), null);
        }
        return file;
    }

    private static Manifest readManifest(Fields f, @Nullable String version) {
        Manifest.Builder b = Manifest.builder().formatVersion(version);
        Long id = f.number("id", true);
        b.id(id == null ? null : f.checkpointId("id", id));
        Long epoch = f.number("epoch", true);
        b.epoch(epoch == null ? 0 : epoch);
        b.createdAt(f.instant("createdAt", true));
        b.writerId(f.text("writerId", false));
        b.parent(f.link("parent"));
        b.grandparent(f.link("grandparent"));
        b.fingerprint(f.text("fingerprint", false));
        b.chunker(f.text("chunker", false));
        JsonNode parts = f.node.get("partitions");
        if (parts != null && !parts.isNull()) {
            if (!parts.isArray()) {
                f.problem("partitions", "expected an array");
            } else {
                for (int i = 0; i < parts.size(); i++) {
                    PartitionEntry e = readEntry(f.child("partitions[" + i + "]", parts.get(i)));
                    if (e != null) {
                        b.partition(e);
                    }
                }
            }
        }
        b.offsets(f.stringMaps("offsets"));
        Map<String, Long> sinks = new LinkedHashMap<>();
        f.each("sinkEpochs", (name, v, where) -> {
            if (v.isIntegralNumber() && v.canConvertToLong()) {
                sinks.put(name, v.asLong());
            } else {
                f.problem(where, "expected a whole number");
            }
        });
        b.sinkEpochs(sinks);
        Map<String, String> prepared = new LinkedHashMap<>();
        f.each("sinkPrepared", (name, v, where) -> {
            if (v.isTextual()) {
                prepared.put(name, v.asText());
            } else {
                f.problem(where, "expected a string");
            }
        });
        b.sinkPrepared(prepared);
        JsonNode topology = f.value("topology", false);
        if (topology != null) {
            b.topology(TopologyJson.read(topology, f::problem));
        }
        Map<String, Instant> watermarks = new LinkedHashMap<>();
        f.each("watermarks", (name, v, where) -> {
            Instant t = f.parseInstant(where, v);
            if (t != null) {
                watermarks.put(name, t);
            }
        });
        b.watermarks(watermarks);
        Map<String, String> metadata = new LinkedHashMap<>();
        f.each("metadata", (name, v, where) -> {
            if (v.isTextual()) {
                metadata.put(name, v.asText());
            } else {
                f.problem(where, "expected a string");
            }
        });
        b.metadata(metadata);
        f.throwIfProblems();
        return b.build();
    }

    /**
     * Reads one relayed entry (the shape it has inside a manifest).
     *
     * @throws CorruptMetadataException listing every problem, each naming its field
     */
    static PartitionEntry decodeEntry(JsonNode node) {
        Fields f = new Fields("partition entry", "entry", node);
        PartitionEntry e = readEntry(f);
        f.throwIfProblems();
        if (e == null) {
            throw corrupt("partition entry", "entry: unreadable", null);
        }
        // The same per-entry rules a manifest applies (one of key or inline, digest, sizes, base64), reported on their own.
        List<String> problems = new ArrayList<>();
        for (String p : Manifest.builder().partition(e).build().validate()) {
            if (p.startsWith("partitions[0]")) {
                int colon = p.indexOf(": ");
                problems.add("entry" + (colon < 0 ? "" : p.substring(colon)));
            }
        }
        if (!problems.isEmpty()) {
            throw new CorruptMetadataException("partition entry", problems, null);
        }
        return e;
    }

    private static @Nullable PartitionEntry readEntry(Fields f) {
        if (!f.node.isObject()) {
            f.problem("", "expected an object");
            return null;
        }
        String operator = f.text("operator", true);
        Long partition = f.number("partition", true);
        if (partition != null && (partition < Integer.MIN_VALUE || partition > Integer.MAX_VALUE)) {
            f.problem("partition", "out of range: " + partition);
            partition = null;
        }
        String kindText = f.text("kind", true);
        PartitionKind kind = null;
        if (kindText != null) {
            try {
                kind = PartitionKind.valueOf(kindText);
            } catch (IllegalArgumentException e) {
                f.problem("kind", "unknown kind '" + kindText + "' (SNAPSHOT or DELTA)");
            }
        }
        String key = f.text("key", false);
        Long offset = f.number("offset", false);
        Long size = f.number("size", true);
        String sha = f.text("sha256", true);
        String inline = f.text("inline", false);
        List<ChunkRef> chunks = readChunks(f);
        if (operator == null || partition == null || kind == null || size == null || sha == null) {
            return null;
        }
        return new PartitionEntry(operator, partition.intValue(), kind, key, offset == null ? 0 : offset, size, sha, inline, chunks);
    }

    /** A chunked entry's chunk list (empty when absent); each problem names the chunk and its field. */
    private static List<ChunkRef> readChunks(Fields f) {
        JsonNode list = f.node.get("chunks");
        if (list == null || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            f.problem("chunks", "expected an array");
            return List.of();
        }
        List<ChunkRef> chunks = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Fields c = f.child("chunks[" + i + "]", list.get(i));
            if (!c.node.isObject()) {
                c.problem("", "expected an object");
                continue;
            }
            String sha = c.text("sha256", true);
            Long size = c.number("size", true);
            String codec = c.text("codec", false);
            Long stored = c.number("stored", false);
            Long firstId = c.number("firstId", true);
            String token = c.text("token", true);
            CheckpointId first = firstId == null ? null : c.checkpointId("firstId", firstId);
            if (sha == null || size == null || first == null || token == null) {
                continue;
            }
            chunks.add(new ChunkRef(sha, size, codec == null ? "none" : codec, stored == null ? size : stored, first, token));
        }
        return chunks;
    }

    private static ManifestFile.Tombstone readTombstone(Fields f, String fileSha) {
        Long id = f.number("id", true);
        String sha = f.text("manifestSha256", true);
        if (sha != null && !sha.matches("[0-9a-f]{64}")) {
            f.problem("manifestSha256", "must be 64 lower-case hex digits");
        }
        Long epoch = f.number("epoch", true);
        Instant createdAt = f.instant("createdAt", false);
        Manifest.Link parent = f.link("parent");
        Manifest.Link grandparent = f.link("grandparent");
        Instant deletedAt = f.instant("deletedAt", true);
        String deletedBy = f.text("deletedBy", true);
        CheckpointId cid = id == null ? null : f.checkpointId("id", id);
        f.throwIfProblems();
        return new ManifestFile.Tombstone(cid, sha, epoch, createdAt, parent, grandparent, deletedAt, deletedBy, fileSha);
    }

    private static ManifestFile.Aborted readAbort(Fields f, String fileSha) {
        Long id = f.number("id", true);
        Instant at = f.instant("abortedAt", true);
        String by = f.text("abortedBy", true);
        CheckpointId cid = id == null ? null : f.checkpointId("id", id);
        f.throwIfProblems();
        return new ManifestFile.Aborted(cid, at, by, fileSha);
    }

    /** A parsed envelope: its format and where its (digest-verified) body lies in the file. */
    record Envelope(String format, String bodyField, int bodyStart, int bodyEnd) {}

    /** Parses an envelope and verifies its body digest, before anything in the body is trusted. */
    static Envelope envelope(String key, byte[] bytes) {
        String declared = null;
        String format = null;
        String bodyField = null;
        int bodyStart = -1;
        int bodyEnd = -1;
        try (JsonParser p = FACTORY.createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw corrupt(key, "not a JSON object", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "format" -> format = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "bodySha256" -> declared = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "manifest", "tombstone", "abort", "pointer", "sinks" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw corrupt(key, "'" + field + "' is not an object", null);
                        }
                        if (bodyField != null) {
                            throw corrupt(key, "the envelope has two bodies ('" + bodyField + "' and '" + field + "')", null);
                        }
                        bodyField = field;
                        bodyStart = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        bodyEnd = (int) p.currentLocation().getByteOffset();
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw corrupt(key, "truncated envelope", null);
            }
            if (p.nextToken() != null) {
                throw corrupt(key, "trailing content after the envelope", null);
            }
        } catch (CorruptMetadataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw corrupt(key, "not valid JSON (" + firstLine(e.getMessage()) + ")", e);
        }
        if (format == null) {
            throw corrupt(key, "not a checkpointer manifest (format is missing)", null);
        }
        String expectedBody = switch (format) {
            case MANIFEST_FORMAT -> "manifest";
            case TOMBSTONE_FORMAT -> "tombstone";
            case ABORT_FORMAT -> "abort";
            case POINTER_FORMAT -> "pointer";
            case SINKS_FORMAT -> "sinks";
            default -> throw corrupt(key, "not a checkpointer manifest (format is '" + format + "')", null);
        };
        if (declared == null || bodyField == null || bodyStart < 0 || bodyEnd <= bodyStart || bodyEnd > bytes.length) {
            throw corrupt(key, "envelope lacks bodySha256 or its body", null);
        }
        if (!expectedBody.equals(bodyField)) {
            throw corrupt(key, "a '" + format + "' envelope must hold '" + expectedBody + "', not '" + bodyField + "'", null);
        }
        String actual = Sha256.hex(bytes, bodyStart, bodyEnd - bodyStart);
        if (!actual.equals(declared)) {
            throw corrupt(key, "body digest mismatch: envelope says " + declared + ", body hashes to " + actual, null);
        }
        return new Envelope(format, bodyField, bodyStart, bodyEnd);
    }

    /** Field access on a JSON object that collects every problem, naming the key and the field. */
    private static final class Fields {
        final String key;
        final String path;
        final JsonNode node;
        final List<String> problems;

        Fields(String key, String path, JsonNode node) {
            this(key, path, node, new ArrayList<>());
        }

        private Fields(String key, String path, JsonNode node, List<String> problems) {
            this.key = key;
            this.path = path;
            this.node = node;
            this.problems = problems;
        }

        Fields child(String name, JsonNode child) {
            return new Fields(key, path + "." + name, child == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : child, problems);
        }

        void problem(String field, String what) {
            problems.add((field.isEmpty() ? path : path + "." + field) + ": " + what);
        }

        void throwIfProblems() {
            if (!problems.isEmpty()) {
                throw new CorruptMetadataException(key, problems, null);
            }
        }

        @Nullable JsonNode value(String field, boolean required) {
            JsonNode v = node.get(field);
            if (v == null || v.isNull()) {
                if (required) {
                    problem(field, "is missing");
                }
                return null;
            }
            return v;
        }

        @Nullable String text(String field, boolean required) {
            JsonNode v = value(field, required);
            if (v == null) {
                return null;
            }
            if (!v.isTextual()) {
                problem(field, "expected a string, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
                return null;
            }
            return v.asText();
        }

        @Nullable Long number(String field, boolean required) {
            JsonNode v = value(field, required);
            if (v == null) {
                return null;
            }
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                problem(field, "expected a whole number, got " + v.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
                return null;
            }
            return v.asLong();
        }

        @Nullable CheckpointId checkpointId(String field, long value) {
            if (value < 1 || value > CheckpointId.MAX_VALUE) {
                problem(field, "not a checkpoint id: " + value);
                return null;
            }
            return CheckpointId.of(value);
        }

        @Nullable Instant instant(String field, boolean required) {
            JsonNode v = value(field, required);
            return v == null ? null : parseInstant(field, v);
        }

        @Nullable Instant parseInstant(String field, JsonNode v) {
            if (!v.isTextual()) {
                problem(field, "expected an ISO-8601 instant");
                return null;
            }
            try {
                return Instant.parse(v.asText());
            } catch (RuntimeException e) {
                problem(field, "not an ISO-8601 instant: '" + firstLine(v.asText()) + "'");
                return null;
            }
        }

        Manifest.@Nullable Link link(String field) {
            JsonNode v = value(field, false);
            if (v == null) {
                return null;
            }
            if (!v.isObject()) {
                problem(field, "expected an object {id, manifestSha256}");
                return null;
            }
            Fields l = child(field, v);
            Long id = l.number("id", true);
            String sha = l.text("manifestSha256", true);
            if (id == null || sha == null) {
                return null;
            }
            CheckpointId cid = l.checkpointId("id", id);
            if (cid == null) {
                return null;
            }
            if (!sha.matches("[0-9a-f]{64}")) {
                l.problem("manifestSha256", "must be 64 lower-case hex digits");
                return null;
            }
            return new Manifest.Link(cid, sha);
        }

        interface Entry {
            void accept(String name, JsonNode value, String where);
        }

        void each(String field, Entry consumer) {
            JsonNode v = value(field, false);
            if (v == null) {
                return;
            }
            if (!v.isObject()) {
                problem(field, "expected an object");
                return;
            }
            Iterator<Map.Entry<String, JsonNode>> it = v.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                consumer.accept(e.getKey(), e.getValue(), field + "['" + e.getKey() + "']");
            }
        }

        Map<String, Map<String, String>> stringMaps(String field) {
            Map<String, Map<String, String>> out = new LinkedHashMap<>();
            each(field, (name, v, where) -> {
                if (!v.isObject()) {
                    problem(where, "expected an object of strings");
                    return;
                }
                Map<String, String> inner = new LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> it = v.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getValue().isTextual()) {
                        inner.put(e.getKey(), e.getValue().asText());
                    } else {
                        problem(where + "['" + e.getKey() + "']", "expected a string");
                    }
                }
                out.put(name, inner);
            });
            return out;
        }
    }

    // ------------------------------------------------------------------------------------------------ self-check

    /**
     * The round trip checked once, at first use: a manifest with every field and both entry forms must read back equal
     * to what was written, and an entry relayed through the engine's Jackson mapper must come back equal and in the
     * documented bytes. A library that cannot read back what it writes on the Jackson version it was given fails
     * closed: every save and every read is refused with the reason, rather than writing a checkpoint that restores
     * nothing.
     */
    static final class SelfCheck {
        private static final @Nullable String FAILURE = run(ManifestCodec::encodeUnchecked, ManifestCodec::decodeUnchecked, Json.MAPPER);

        private SelfCheck() {}

        static void require() {
            if (FAILURE != null) {
                throw new IllegalStateException(FAILURE);
            }
        }

        interface Decoder {
            ManifestFile decode(String key, CheckpointId id, byte[] bytes);
        }

        /**
         * Runs the round trip.
         *
         * @return null when it holds, else what went wrong, naming the Jackson version on the class path
         */
        static @Nullable String run(java.util.function.Function<Manifest, byte[]> encoder, Decoder decoder,
                com.fasterxml.jackson.databind.ObjectMapper mapper) {
            String problem;
            try {
                problem = roundTrip(encoder, decoder, mapper);
            } catch (RuntimeException | java.io.IOException | LinkageError e) {
                problem = e.getClass().getName() + ": " + firstLine(e.getMessage());
            }
            if (problem == null) {
                return null;
            }
            return "checkpointer's metadata codec failed its self-check with jackson-databind "
                    + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION + " on the class path (" + problem
                    + "); refusing to write or read checkpoints it might not read back. Use jackson-databind 2.15 or newer.";
        }

        private static @Nullable String roundTrip(java.util.function.Function<Manifest, byte[]> encoder, Decoder decoder,
                com.fasterxml.jackson.databind.ObjectMapper mapper) throws java.io.IOException {
            CheckpointId id = CheckpointId.of(3);
            String dir = "checkpoints/" + id.padded() + "/";
            String sha = Sha256.hex(new byte[] {1, 2, 3});
            PartitionEntry inline = PartitionEntry.inline("opé", 0, PartitionKind.SNAPSHOT, new byte[] {1, 2, 3}, sha);
            PartitionEntry stored = PartitionEntry.stored("opé", 1, PartitionKind.DELTA, dir + "state.0123456789abcdef.bin", 7, 3, sha);
            Manifest m = Manifest.builder().formatVersion(Manifest.FORMAT_VERSION).id(id).epoch(4).createdAt(Instant.parse("2026-01-02T03:04:05.678Z"))
                    .writerId("self-check").parent(new Manifest.Link(CheckpointId.of(2), sha.replace('0', 'a')))
                    .grandparent(new Manifest.Link(CheckpointId.of(1), sha)).fingerprint("fp")
                    .partition(inline).partition(stored)
                    .offsets(Map.of("source", Map.of("p-0", "42")))
                    .sinkEpochs(Map.of("sink", 4L))
                    .sinkPrepared(Map.of("sink", "txn-4"))
                    .topology(dev.checkpointer.Topology.of(java.util.Set.of("source"), java.util.Set.of("sink"), 8))
                    .watermarks(Map.of("source", Instant.parse("2026-01-02T03:04:00Z")))
                    .metadata(Map.of("k", "v"))
                    .build();
            ManifestFile back = decoder.decode(dir + "manifest.json", id, encoder.apply(m));
            if (!(back instanceof ManifestFile.Live live) || !live.manifest().equals(m)) {
                return "a manifest read back differs from the one written";
            }
            Pointer pointer = Pointer.of(id.value(), sha, new Manifest.Link(CheckpointId.of(2), sha), 4, 1, "self-check");
            if (!pointer.equals(Pointer.decodeUnchecked("_latest", pointer.encodeUnchecked()))) {
                return "a pointer read back differs from the one written";
            }
            for (PartitionEntry e : List.of(inline, stored)) {
                String expected = WireJson.entryToJson(e);
                String relayed = mapper.writeValueAsString(e);
                if (!expected.equals(relayed)) {
                    return "a partition entry written by Jackson differs from its documented form: " + relayed;
                }
                if (!e.equals(mapper.readValue(relayed, PartitionEntry.class)) || !e.equals(WireJson.entryFromJson(expected))) {
                    return "a partition entry read back differs from the one written: " + relayed;
                }
            }
            return null;
        }
    }

    static CorruptMetadataException corrupt(String key, String problem, @Nullable Throwable cause) {
        return new CorruptMetadataException(key, List.of(problem), cause);
    }

    static String firstLine(@Nullable String message) {
        if (message == null) {
            return "no detail";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}

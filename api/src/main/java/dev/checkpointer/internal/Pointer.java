package dev.checkpointer.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code _latest} pointer: the head of the chain (id and manifest digest, plus the head's own parent link), the
 * highest epoch claimed at the location, and the floor below which everything has expired. Written and read by
 * explicit code; a digest over every field detects a flipped byte. Format 1 pointers (no {@code format} field, no
 * parent or floor) are read too. See {@code docs/PROTOCOL.md}.
 *
 * @param id the head's id, or 0 before the first checkpoint
 * @param manifestSha256 SHA-256 of the head's manifest file; null when {@code id} is 0
 * @param parent the head's parent link, or null
 * @param epoch the highest writer epoch claimed
 * @param floor the oldest retained chain member, or 0
 * @param writerId who wrote this version
 * @param version 1 or 2: the format it was read in (always 2 when written)
 */
record Pointer(long id, @Nullable String manifestSha256, Manifest.@Nullable Link parent, long epoch, long floor, String writerId, int version) {
    static final String FORMAT = "checkpointer-pointer";
    /** Largest pointer file read; a pointer is a few hundred bytes. */
    static final int MAX_BYTES = 64 * 1024;

    Pointer {
        Objects.requireNonNull(writerId, "writerId");
    }

    /** A format-2 pointer. */
    static Pointer of(long id, @Nullable String manifestSha256, Manifest.@Nullable Link parent, long epoch, long floor, String writerId) {
        return new Pointer(id, manifestSha256, parent, epoch, floor, writerId, 2);
    }

    /** The head as a link, or null before the first checkpoint. */
    Manifest.@Nullable Link head() {
        return id == 0 || manifestSha256 == null ? null : new Manifest.Link(CheckpointId.of(id), manifestSha256);
    }

    /** Whether the head is the given link (both absent counts as equal). */
    boolean headIs(Manifest.@Nullable Link link) {
        Manifest.Link h = head();
        return Objects.equals(h, link);
    }

    /** The same pointer with another epoch, written by {@code writer}. */
    Pointer withEpoch(long newEpoch, String writer) {
        return of(id, manifestSha256, parent, newEpoch, floor, writer);
    }

    /** The same pointer with another floor, written by {@code writer}. */
    Pointer withFloor(long newFloor, String writer) {
        return of(id, manifestSha256, parent, epoch, newFloor, writer);
    }

    private static String digestV1(long id, long epoch, @Nullable String sha, String writerId) {
        return Sha256.hex((id + "|" + epoch + "|" + (sha == null ? "" : sha) + "|" + writerId).getBytes(StandardCharsets.UTF_8));
    }

    /** The file bytes (always format 2: an envelope whose {@code bodySha256} covers the exact bytes of the body). */
    byte[] encode() {
        ManifestCodec.SelfCheck.require();
        return encodeUnchecked();
    }

    byte[] encodeUnchecked() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(400);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("formatVersion", Manifest.FORMAT_VERSION);
            g.writeNumberField("id", id);
            if (manifestSha256 != null) {
                g.writeStringField("manifestSha256", manifestSha256);
            }
            if (parent != null) {
                g.writeObjectFieldStart("parent");
                g.writeNumberField("id", parent.id().value());
                g.writeStringField("manifestSha256", parent.manifestSha256());
                g.writeEndObject();
            }
            g.writeNumberField("epoch", epoch);
            g.writeNumberField("floor", floor);
            g.writeStringField("writerId", writerId);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise the pointer", e);
        }
        return ManifestCodec.envelope(FORMAT, "pointer", out.toByteArray());
    }

    /**
     * Parses and checks a pointer file of format 1 or 2: the envelope's digest first (so a flipped byte anywhere,
     * the version included, is corruption), then the version, then every field.
     *
     * @throws CorruptMetadataException naming every problem
     * @throws IncompatibleCheckpointException for a newer major format
     */
    static Pointer decode(String key, byte[] bytes) {
        ManifestCodec.SelfCheck.require();
        return decodeUnchecked(key, bytes);
    }

    static Pointer decodeUnchecked(String key, byte[] bytes) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            throw ManifestCodec.corrupt(key, "not valid JSON (" + ManifestCodec.firstLine(e.getMessage()) + ")", e);
        }
        if (tree == null || !tree.isObject()) {
            throw ManifestCodec.corrupt(key, "not a JSON object", null);
        }
        if (!tree.has("format")) {
            return decodeV1(key, tree);
        }
        ManifestCodec.Envelope env = ManifestCodec.envelope(key, bytes);
        if (!FORMAT.equals(env.format())) {
            throw ManifestCodec.corrupt(key, "not a checkpointer pointer (format is '" + env.format() + "')", null);
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(bytes, env.bodyStart(), env.bodyEnd() - env.bodyStart());
        } catch (IOException e) {
            throw ManifestCodec.corrupt(key, "pointer body is not valid JSON", e);
        }
        List<String> problems = new ArrayList<>();
        String v = text(body, "formatVersion", problems);
        if (v != null && Manifest.majorOf(v) > ManifestCodec.MARKER_FORMAT_MAJOR) {
            throw new IncompatibleCheckpointException("'" + key + "' has pointer format " + v + "; this library reads major version "
                    + ManifestCodec.MARKER_FORMAT_MAJOR + " and older: upgrade checkpointer to use this location");
        }
        long id = number(body, "id", true, problems);
        long epoch = number(body, "epoch", true, problems);
        long floor = number(body, "floor", true, problems);
        String sha = body.has("manifestSha256") && !body.get("manifestSha256").isNull() ? text(body, "manifestSha256", problems) : null;
        String writer = text(body, "writerId", problems);
        Manifest.Link parent = null;
        JsonNode p = body.get("parent");
        if (p != null && !p.isNull()) {
            if (!p.isObject()) {
                problems.add("pointer.parent: expected an object {id, manifestSha256}");
            } else {
                long pid = number(p, "id", true, problems);
                String psha = text(p, "manifestSha256", problems);
                if (pid >= 1 && pid <= CheckpointId.MAX_VALUE && psha != null && psha.matches("[0-9a-f]{64}")) {
                    parent = new Manifest.Link(CheckpointId.of(pid), psha);
                } else {
                    problems.add("pointer.parent: not a valid link {id, manifestSha256}");
                }
            }
        }
        check(id, epoch, floor, sha, parent, problems);
        if (!problems.isEmpty()) {
            throw new CorruptMetadataException(key, problems, null);
        }
        return new Pointer(id, id == 0 ? null : sha, id == 0 ? null : parent, epoch, floor, writer, 2);
    }

    private static Pointer decodeV1(String key, JsonNode tree) {
        List<String> problems = new ArrayList<>();
        long id = number(tree, "id", true, problems);
        long epoch = number(tree, "epoch", true, problems);
        String sha = tree.has("manifestSha256") && !tree.get("manifestSha256").isNull() ? text(tree, "manifestSha256", problems) : null;
        String writer = text(tree, "writerId", problems);
        String digest = text(tree, "digest", problems);
        check(id, epoch, 0, sha, null, problems);
        if (!problems.isEmpty()) {
            throw new CorruptMetadataException(key, problems, null);
        }
        if (!digestV1(id, epoch, sha, writer).equals(digest)) {
            throw ManifestCodec.corrupt(key, "pointer digest mismatch: the pointer was altered or corrupted", null);
        }
        return new Pointer(id, id == 0 ? null : sha, null, epoch, 0, writer, 1);
    }

    private static void check(long id, long epoch, long floor, @Nullable String sha, Manifest.@Nullable Link parent, List<String> problems) {
        if (id < 0 || id > CheckpointId.MAX_VALUE) {
            problems.add("id: out of range: " + id);
        }
        if (epoch < 1) {
            problems.add("epoch: must be >= 1, got " + epoch);
        }
        if (floor < 0 || floor > Math.max(id, 0)) {
            problems.add("floor: must be between 0 and the head's id " + id + ", got " + floor);
        }
        if (id > 0 && (sha == null || !sha.matches("[0-9a-f]{64}"))) {
            problems.add("manifestSha256: a pointer to checkpoint " + id + " needs the manifest's 64-hex-digit digest");
        }
        if (parent != null && id > 0 && parent.id().value() >= id) {
            problems.add("parent: " + parent.id() + " is not below the head " + id);
        }
    }

    private static @Nullable String text(JsonNode node, String field, List<String> problems) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            problems.add(field + ": is missing");
            return null;
        }
        if (!v.isTextual()) {
            problems.add(field + ": expected a string");
            return null;
        }
        return v.asText();
    }

    private static long number(JsonNode node, String field, boolean required, List<String> problems) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                problems.add(field + ": is missing");
            }
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            problems.add(field + ": expected a whole number");
            return 0;
        }
        return v.asLong();
    }
}

package dev.checkpointer.reliability;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.Buffers;
import dev.checkpointer.spi.ByteRange;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The suite's own look inside stored objects, written from {@code docs/PROTOCOL.md} and nothing else: plain Jackson
 * trees and SHA-256, never the engine's codecs (which are not public). Every file at a manifest key and the
 * {@code _latest} pointer (format 2) are envelopes {@code {"format":…,"bodySha256":…,"<body>":{…}}} whose
 * {@code bodySha256} is the SHA-256 of the exact bytes of the body object as they appear in the file; the engine
 * writes them as {@code {"format":"F","bodySha256":"H","B":BODY}} followed by a newline, and {@link #seal} writes them
 * the same way (a test checks the bytes are identical). A format-1 pointer is flat: {@code {"id","epoch",…}}.
 */
public final class StoredJson {
    /** The envelope formats of the protocol. */
    public static final String MANIFEST = "checkpointer-manifest";
    public static final String TOMBSTONE = "checkpointer-tombstone";
    public static final String ABORT = "checkpointer-abort";
    public static final String POINTER = "checkpointer-pointer";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = new JsonFactory();

    private StoredJson() {}

    /**
     * SHA-256 in lower-case hex.
     *
     * @param bytes the bytes
     * @return 64 hex digits
     */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The body field of each envelope format. */
    public static String bodyField(String format) {
        return switch (format) {
            case MANIFEST -> "manifest";
            case TOMBSTONE -> "tombstone";
            case ABORT -> "abort";
            case POINTER -> "pointer";
            default -> throw new IllegalArgumentException(format);
        };
    }

    /**
     * An envelope around the exact body bytes given, as the engine writes one.
     *
     * @param format e.g. {@link #MANIFEST}
     * @param body the body object's bytes
     * @return the file
     */
    public static byte[] seal(String format, byte[] body) {
        byte[] head = ("{\"format\":\"" + format + "\",\"bodySha256\":\"" + sha256(body) + "\",\"" + bodyField(format) + "\":")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + body.length + 2];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(body, 0, out, head.length, body.length);
        out[out.length - 2] = '}';
        out[out.length - 1] = '\n';
        return out;
    }

    /**
     * An envelope around a body tree (serialised compactly, in the tree's field order).
     *
     * @param format e.g. {@link #POINTER}
     * @param body the body
     * @return the file
     */
    public static byte[] seal(String format, JsonNode body) {
        try {
            return seal(format, MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The exact bytes of an envelope's body object (whatever its format), found with a streaming parser.
     *
     * @param file the file
     * @return the body's bytes
     * @throws IllegalArgumentException when the file is not an envelope
     */
    public static byte[] body(byte[] file) {
        try (JsonParser p = FACTORY.createParser(file)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.START_OBJECT && !field.equals("format") && !field.equals("bodySha256")) {
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    int end = (int) p.currentLocation().getByteOffset();
                    byte[] out = new byte[end - start];
                    System.arraycopy(file, start, out, 0, out.length);
                    return out;
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not an envelope: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("no body object in the envelope");
    }

    /**
     * Parses JSON bytes into a tree.
     *
     * @param bytes the bytes
     * @return the tree
     * @throws IllegalArgumentException when they are not JSON
     */
    public static JsonNode tree(byte[] bytes) {
        try {
            JsonNode n = MAPPER.readTree(bytes);
            if (n == null || n.isMissingNode()) {
                throw new IllegalArgumentException("empty");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
    }

    /**
     * A mutable copy of an envelope's body, for editing and {@link #seal(String, JsonNode) re-sealing}.
     *
     * @param file the file
     * @return the body
     */
    public static ObjectNode bodyTree(byte[] file) {
        return (ObjectNode) tree(body(file));
    }

    /**
     * The format of an envelope ({@code format} field), or empty when the bytes are not an envelope.
     *
     * @param file the file
     * @return the format
     */
    public static Optional<String> format(byte[] file) {
        try {
            JsonNode t = tree(file);
            return t.hasNonNull("format") ? Optional.of(t.get("format").asText()) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------------------------------------ the pointer

    /**
     * What {@code _latest} says, read with Jackson: format 2 ({@code pointer.id}, {@code pointer.epoch},
     * {@code pointer.floor}) or format 1 (flat, floor 0). Nothing is verified here: the engine does that.
     *
     * @param id the head's id (0: none yet)
     * @param epoch the epoch
     * @param floor the floor
     * @param manifestSha256 the head's manifest digest, or null
     * @param format 1 or 2
     */
    public record PointerFields(long id, long epoch, long floor, String manifestSha256, int format) {
        /** Whether {@code next} is not behind this one in head id, epoch or floor. */
        public boolean noneBehind(PointerFields next) {
            return next.id >= id && next.epoch >= epoch && next.floor >= floor;
        }

        @Override
        public String toString() {
            return "id " + id + "/epoch " + epoch + "/floor " + floor;
        }
    }

    /**
     * Parses pointer bytes.
     *
     * @param bytes the file
     * @return its fields
     * @throws IllegalArgumentException when it is not a pointer Jackson can read
     */
    public static PointerFields pointer(byte[] bytes) {
        JsonNode t = tree(bytes);
        boolean v2 = t.has("pointer");
        JsonNode p = v2 ? t.get("pointer") : t;
        if (p == null || !p.isObject() || !p.has("id") || !p.has("epoch")) {
            throw new IllegalArgumentException("not a pointer: " + new String(bytes, StandardCharsets.UTF_8));
        }
        return new PointerFields(p.get("id").asLong(), p.get("epoch").asLong(), p.path("floor").asLong(0),
                p.hasNonNull("manifestSha256") ? p.get("manifestSha256").asText() : null, v2 ? 2 : 1);
    }

    /**
     * Reads and parses {@code _latest} through the store SPI.
     *
     * @param store the store
     * @return its fields
     */
    public static PointerFields pointer(ObjectStore store) {
        return pointer(read(store, "_latest"));
    }

    /**
     * A format-2 pointer file, sealed, for planting a pointer the engine did not write.
     *
     * @param id the head
     * @param manifestSha256 SHA-256 of the head's manifest file
     * @param parentId the head's parent id (0: none)
     * @param parentSha256 the parent's manifest digest
     * @param epoch the epoch
     * @param floor the floor
     * @param writerId the writer
     * @return the file
     */
    public static byte[] pointerFile(long id, String manifestSha256, long parentId, String parentSha256, long epoch, long floor, String writerId) {
        ObjectNode p = MAPPER.createObjectNode();
        p.put("formatVersion", "2.0");
        p.put("id", id);
        p.put("manifestSha256", manifestSha256);
        if (parentId > 0) {
            p.putObject("parent").put("id", parentId).put("manifestSha256", parentSha256);
        }
        p.put("epoch", epoch);
        p.put("floor", floor);
        p.put("writerId", writerId);
        return seal(POINTER, p);
    }

    // ------------------------------------------------------------------------------------------------ raw access

    /** The manifest key of an id. */
    public static String manifestKey(CheckpointId id) {
        return "checkpoints/" + id.padded() + "/manifest.json";
    }

    /** The manifest key of an id. */
    public static String manifestKey(long id) {
        return manifestKey(CheckpointId.of(id));
    }

    /**
     * An object's bytes through the SPI.
     *
     * @param store the store
     * @param key the key
     * @return the bytes
     */
    public static byte[] read(ObjectStore store, String key) {
        return store.get(key, ByteRange.ALL).flatMap(c -> Buffers.join(c.body())).block(Workload.TIMEOUT);
    }

    /**
     * An object's bytes, or empty when it does not exist.
     *
     * @param store the store
     * @param key the key
     * @return the bytes
     */
    public static Optional<byte[]> readIfPresent(ObjectStore store, String key) {
        try {
            return Optional.of(read(store, key));
        } catch (dev.checkpointer.StoreException e) {
            if (e.isNotFound()) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Writes an object unconditionally through the SPI (what a hostile or broken writer does).
     *
     * @param store the store
     * @param key the key
     * @param bytes the bytes
     */
    public static void put(ObjectStore store, String key, byte[] bytes) {
        store.put(key, Payload.of(bytes), PutOptions.none()).block(Workload.TIMEOUT);
    }
}

package dev.checkpointer.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/**
 * A metadata file as stored ({@code _latest} or a file at a manifest key), read by the wire format that
 * {@code docs/PROTOCOL.md} documents: an envelope {@code {"format", "bodySha256", "<body field>": {...}}} whose digest
 * covers the exact bytes of the body object, or (format 1) a bare object with no {@code format} field. The tool
 * reads these only to show what is stored and to check it is what the library verified; it never writes them.
 *
 * @param format the envelope's {@code format} ({@code checkpointer-manifest}, {@code checkpointer-tombstone},
 *     {@code checkpointer-abort}, {@code checkpointer-pointer}), or null for a format-1 file
 * @param body the body object (the whole file for format 1)
 * @param digestOk whether the body's SHA-256 is the {@code bodySha256} the envelope states (true for format 1, which
 *     this tool does not check)
 * @param sha256 the SHA-256 of the whole file, as links and the pointer name a manifest
 */
record StoredFile(@Nullable String format, JsonNode body, boolean digestOk, String sha256) {
    static final String MANIFEST = "checkpointer-manifest";
    static final String TOMBSTONE = "checkpointer-tombstone";
    static final String ABORT = "checkpointer-abort";
    static final String POINTER = "checkpointer-pointer";

    /**
     * Parses a file.
     *
     * @param bytes the file
     * @return the file, or null when it is not a JSON object of either shape
     */
    static @Nullable StoredFile parse(byte[] bytes) {
        try (JsonParser p = Json.MAPPER.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String format = null;
            String declared = null;
            JsonNode body = null;
            String actual = null;
            JsonNode root = Json.MAPPER.readTree(bytes);
            if (root == null || !root.isObject()) {
                return null;
            }
            if (!root.has("format")) {
                return new StoredFile(null, root, true, hex(bytes, 0, bytes.length));
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("format") && value == JsonToken.VALUE_STRING) {
                    format = p.getText();
                } else if (field.equals("bodySha256") && value == JsonToken.VALUE_STRING) {
                    declared = p.getText();
                } else if (value == JsonToken.START_OBJECT && body == null) {
                    long start = p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    long end = p.currentLocation().getByteOffset();
                    body = root.get(field);
                    actual = hex(bytes, (int) start, (int) (end - start));
                } else {
                    p.skipChildren();
                }
            }
            if (format == null || body == null) {
                return null;
            }
            return new StoredFile(format, body, actual.equals(declared), hex(bytes, 0, bytes.length));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The body's {@code id}, or -1 when it has none. */
    long id() {
        JsonNode id = body.get("id");
        return id != null && id.canConvertToLong() ? id.asLong() : -1;
    }

    /** A numeric field of the body, or the fallback. */
    long number(String field, long fallback) {
        JsonNode n = body.get(field);
        return n != null && n.canConvertToLong() ? n.asLong() : fallback;
    }

    private static String hex(byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, offset, length);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

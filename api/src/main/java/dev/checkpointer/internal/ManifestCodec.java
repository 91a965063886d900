package dev.checkpointer.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.Manifest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The manifest's file format: an envelope whose {@code bodySha256} is the SHA-256 of the exact bytes of the
 * {@code manifest} object as they appear in the file, so that any manifest, read on its own, detects corruption:
 * <pre>{"format":"checkpointer-manifest","bodySha256":"…","manifest":{…}}</pre>
 */
public final class ManifestCodec {
    static final String FORMAT = "checkpointer-manifest";
    private static final byte[] HEAD = "{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MIDDLE = "\",\"manifest\":".getBytes(StandardCharsets.US_ASCII);

    private ManifestCodec() {}

    /** Serialises a manifest into its file bytes. */
    public static byte[] encode(Manifest manifest) {
        try {
            byte[] body = Json.MAPPER.writeValueAsBytes(manifest);
            ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 160);
            out.write(HEAD);
            out.write(Sha256.hex(body).getBytes(StandardCharsets.US_ASCII));
            out.write(MIDDLE);
            out.write(body);
            out.write('}');
            out.write('\n');
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise manifest " + manifest.id(), e);
        }
    }

    /**
     * Parses and checks a manifest file: envelope, body digest, format major version, then every validation rule.
     *
     * @param key where it was read from, for messages
     * @param bytes the file
     * @param expectedFingerprint the fingerprint to insist on, or null
     * @return the valid manifest
     * @throws CorruptMetadataException when it cannot be trusted
     * @throws IncompatibleCheckpointException when its major version is newer, or the fingerprint differs
     */
    public static Manifest decode(String key, byte[] bytes, String expectedFingerprint) {
        String declared = null;
        int bodyStart = -1;
        int bodyEnd = -1;
        String format = null;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw corrupt(key, "not a JSON object", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "format" -> format = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "bodySha256" -> declared = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "manifest" -> {
                        if (value != JsonToken.START_OBJECT) {
                            throw corrupt(key, "'manifest' is not an object", null);
                        }
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
        if (!FORMAT.equals(format)) {
            throw corrupt(key, "not a checkpointer manifest (format is " + (format == null ? "missing" : "'" + format + "'") + ")", null);
        }
        if (declared == null || bodyStart < 0 || bodyEnd <= bodyStart || bodyEnd > bytes.length) {
            throw corrupt(key, "envelope lacks bodySha256 or manifest", null);
        }
        String actual = Sha256.hex(bytes, bodyStart, bodyEnd - bodyStart);
        if (!actual.equals(declared)) {
            throw corrupt(key, "body digest mismatch: envelope says " + declared + ", body hashes to " + actual, null);
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(bytes, bodyStart, bodyEnd - bodyStart);
        } catch (IOException e) {
            throw corrupt(key, "manifest body is not valid JSON", e);
        }
        JsonNode version = tree.get("formatVersion");
        if (version != null && version.isTextual()) {
            Manifest probe = new Manifest(version.asText(), null, 0, null, null, null, null, null, null, null, null);
            if (probe.formatMajor() > Manifest.FORMAT_MAJOR) {
                throw new IncompatibleCheckpointException("'" + key + "' has manifest format " + version.asText()
                        + "; this library reads major version " + Manifest.FORMAT_MAJOR + " and older: upgrade checkpointer to read it");
            }
        }
        Manifest manifest;
        try {
            manifest = Json.MAPPER.treeToValue(tree, Manifest.class);
        } catch (IOException | RuntimeException e) {
            throw corrupt(key, "manifest body does not bind (" + firstLine(e.getMessage()) + ")", e);
        }
        List<String> problems = manifest.validate(null);
        if (!problems.isEmpty()) {
            throw new CorruptMetadataException(key, problems, null);
        }
        if (expectedFingerprint != null && !expectedFingerprint.equals(manifest.fingerprint())) {
            throw new IncompatibleCheckpointException("'" + key + "' was written for pipeline fingerprint '" + manifest.fingerprint()
                    + "', expected '" + expectedFingerprint + "'");
        }
        return manifest;
    }

    private static CorruptMetadataException corrupt(String key, String problem, Throwable cause) {
        return new CorruptMetadataException(key, List.of(problem), cause);
    }

    static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int nl = message.indexOf('\n');
        String line = nl < 0 ? message : message.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}

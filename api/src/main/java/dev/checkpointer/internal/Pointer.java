package dev.checkpointer.internal;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.CorruptMetadataException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The {@code _latest} pointer: the newest committed id, the highest claimed epoch, the SHA-256 of that
 * checkpoint's manifest file, who wrote it, and a digest over those fields so that a flipped byte is detected.
 * Id 0 means "no checkpoint yet" (a pointer written only to claim an epoch).
 *
 * @param id newest committed id, or 0
 * @param epoch highest claimed writer epoch
 * @param manifestSha256 hex SHA-256 of the manifest file of {@code id}; null when id is 0
 * @param writerId the writer that moved it
 * @param digest hex SHA-256 of the canonical form of the other fields
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"id", "epoch", "manifestSha256", "writerId", "digest"})
public record Pointer(long id, long epoch, @Nullable String manifestSha256, String writerId, String digest) {

    /** A pointer with its digest computed. */
    public static Pointer of(long id, long epoch, @Nullable String manifestSha256, String writerId) {
        return new Pointer(id, epoch, manifestSha256, writerId, digestOf(id, epoch, manifestSha256, writerId));
    }

    private static String digestOf(long id, long epoch, @Nullable String sha, String writerId) {
        return Sha256.hex((id + "|" + epoch + "|" + (sha == null ? "" : sha) + "|" + writerId).getBytes(StandardCharsets.UTF_8));
    }

    /** The file bytes. */
    public byte[] encode() {
        try {
            return Json.MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Parses and checks a pointer file. */
    public static Pointer decode(String key, byte[] bytes) {
        Pointer p;
        try {
            JsonNode tree = Json.MAPPER.readTree(bytes);
            if (tree == null || !tree.isObject()) {
                throw new CorruptMetadataException(key, List.of("not a JSON object"), null);
            }
            p = Json.MAPPER.treeToValue(tree, Pointer.class);
        } catch (CorruptMetadataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CorruptMetadataException(key, List.of("not a valid pointer (" + ManifestCodec.firstLine(e.getMessage()) + ")"), e);
        }
        if (p.writerId() == null || p.digest() == null || p.id() < 0 || p.epoch() < 1 || (p.id() > 0 && p.manifestSha256() == null)) {
            throw new CorruptMetadataException(key, List.of("pointer is missing fields or has impossible values"), null);
        }
        String expected = digestOf(p.id(), p.epoch(), p.manifestSha256(), p.writerId());
        if (!expected.equals(p.digest())) {
            throw new CorruptMetadataException(key, List.of("pointer digest mismatch: the pointer was altered or corrupted"), null);
        }
        return p;
    }
}

package dev.checkpointer;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.checkpointer.internal.WireJson;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where one partition's bytes live and what they hash to. Exactly one of three forms:
 * <ul>
 *   <li><b>stored</b>: {@code key} names an object; the bytes are {@code size} bytes at {@code offset} in it
 *       (offset 0 and the whole object for a partition of its own, other offsets inside a packed sidecar);</li>
 *   <li><b>inline</b>: {@code inline} holds the bytes, base64-encoded, inside the manifest itself;</li>
 *   <li><b>chunked</b>: {@code chunks} lists the bytes' content-defined chunks in order (see {@link Chunking}); they
 *       add up to {@code size} bytes hashing to {@code sha256}, and may be shared with other checkpoints.</li>
 * </ul>
 * A JSON value that workers send to a coordinator by any transport: {@link #toJson()} and {@link #fromJson(String)},
 * or any Jackson {@code ObjectMapper} (explicit serializers are named on this type, so every Jackson 2.15+ version and
 * every mapper configuration writes and reads the same bytes). The shape is the one the entry has inside a manifest,
 * fields in this order, {@code key} and {@code inline} only when set:
 * <pre>{"operator":"op","partition":0,"kind":"SNAPSHOT","key":"…","offset":0,"size":5,"sha256":"…"}</pre>
 * and a chunked entry adds {@code "chunks":[{"sha256":"…","size":…,"firstId":7,"token":"…"},…]} (with
 * {@code "codec"} and {@code "stored"} for a compressed chunk).
 * When reading, {@code offset} may be absent (0) and unknown fields are ignored.
 *
 * @param operator operator name
 * @param partition partition number
 * @param kind snapshot or delta
 * @param key the object holding the bytes, or null when inline
 * @param offset where the bytes start in that object
 * @param size the number of bytes
 * @param sha256 lower-case hex SHA-256 of the bytes; for a chunked entry, of its chunks' digests
 *        ({@link ChunkRef#listDigest}), which covers every byte without a second pass over them
 * @param inline base64 of the bytes when inline, else null
 * @param chunks the chunks when chunked, else empty
 */
@JsonSerialize(using = WireJson.EntrySerializer.class)
@JsonDeserialize(using = WireJson.EntryDeserializer.class)
public record PartitionEntry(
        String operator,
        int partition,
        PartitionKind kind,
        @Nullable String key,
        long offset,
        long size,
        String sha256,
        @Nullable String inline,
        List<ChunkRef> chunks) {

    /**
     * Copies the chunk list (null reads as empty).
     *
     * @throws NullPointerException when the list holds null
     */
    public PartitionEntry {
        chunks = chunks == null ? List.of() : List.copyOf(chunks);
    }

    /**
     * An entry that is not chunked (the form every version before chunking wrote).
     *
     * @param operator operator name
     * @param partition partition number
     * @param kind snapshot or delta
     * @param key the object holding the bytes, or null when inline
     * @param offset where the bytes start in that object
     * @param size the number of bytes
     * @param sha256 lower-case hex SHA-256 of the bytes
     * @param inline base64 of the bytes when inline, else null
     */
    public PartitionEntry(String operator, int partition, PartitionKind kind, @Nullable String key, long offset, long size, String sha256,
            @Nullable String inline) {
        this(operator, partition, kind, key, offset, size, sha256, inline, List.of());
    }

    /**
     * An entry for bytes stored in an object.
     *
     * @param operator operator name
     * @param partition partition number
     * @param kind snapshot or delta
     * @param key the object
     * @param offset start of the bytes in the object
     * @param size number of bytes
     * @param sha256 hex SHA-256
     * @return the entry
     */
    public static PartitionEntry stored(String operator, int partition, PartitionKind kind, String key, long offset, long size, String sha256) {
        return new PartitionEntry(operator, partition, kind, key, offset, size, sha256, null);
    }

    /**
     * An entry whose bytes are carried in the manifest.
     *
     * @param operator operator name
     * @param partition partition number
     * @param kind snapshot or delta
     * @param bytes the bytes
     * @param sha256 hex SHA-256 of the bytes
     * @return the entry
     */
    public static PartitionEntry inline(String operator, int partition, PartitionKind kind, byte[] bytes, String sha256) {
        return new PartitionEntry(operator, partition, kind, null, 0, bytes.length, sha256, Base64.getEncoder().encodeToString(bytes));
    }

    /**
     * An entry whose bytes are the concatenation of chunks.
     *
     * @param operator operator name
     * @param partition partition number
     * @param kind snapshot or delta
     * @param size the number of bytes (the chunks' sizes add up to it)
     * @param sha256 {@link ChunkRef#listDigest} of the chunks
     * @param chunks the chunks in order
     * @return the entry
     */
    public static PartitionEntry chunked(String operator, int partition, PartitionKind kind, long size, String sha256, List<ChunkRef> chunks) {
        return new PartitionEntry(operator, partition, kind, null, 0, size, sha256, null, chunks);
    }

    /**
     * Whether the bytes are stored as chunks.
     *
     * @return true when {@link #chunks()} is not empty
     */
    public boolean isChunked() {
        return !chunks.isEmpty();
    }

    /**
     * Whether the bytes are carried in the manifest.
     *
     * @return true when {@link #inline()} is set
     */
    public boolean isInline() {
        return inline != null;
    }

    /**
     * A readable name for messages: {@code operator/partition}.
     *
     * @return the name
     */
    public String name() {
        return operator + "/" + partition;
    }

    /**
     * This entry as JSON, to relay it to a coordinator.
     *
     * @return compact JSON in the documented shape
     */
    public String toJson() {
        return WireJson.entryToJson(this);
    }

    /**
     * Reads an entry relayed as JSON (by {@link #toJson()}, by any Jackson mapper, or by an earlier library version).
     *
     * @param json the JSON text
     * @return the entry
     * @throws InvalidInputException naming every missing or malformed field
     */
    public static PartitionEntry fromJson(String json) {
        return WireJson.entryFromJson(json);
    }
}

package dev.checkpointer;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Base64;
import org.jspecify.annotations.Nullable;

/**
 * Where one partition's bytes live and what they hash to. Exactly one of two forms:
 * <ul>
 *   <li><b>stored</b>: {@code key} names an object; the bytes are {@code size} bytes at {@code offset} in it
 *       (offset 0 and the whole object for a partition of its own, other offsets inside a packed sidecar);</li>
 *   <li><b>inline</b>: {@code inline} holds the bytes, base64-encoded, inside the manifest itself.</li>
 * </ul>
 * A JSON-serialisable value: workers may send it to a coordinator by any transport.
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
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"operator", "partition", "kind", "key", "offset", "size", "sha256", "inline"})
public record PartitionEntry(
        String operator,
        int partition,
        PartitionKind kind,
        @Nullable String key,
        long offset,
        long size,
        String sha256,
        @Nullable String inline) {

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
     * Whether the bytes are carried in the manifest.
     *
     * @return true when {@link #inline()} is set
     */
    @JsonIgnore
    public boolean isInline() {
        return inline != null;
    }

    /**
     * A readable name for messages: {@code operator/partition}.
     *
     * @return the name
     */
    @JsonIgnore
    public String name() {
        return operator + "/" + partition;
    }
}

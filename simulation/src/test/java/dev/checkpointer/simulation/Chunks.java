package dev.checkpointer.simulation;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.Zstd;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The oracles' own reading of chunks, from the wire format of {@code docs/PROTOCOL.md} ("Chunks") and nothing of the
 * engine: a chunk of a manifest entry is {@code {"sha256","size","codec"?,"stored"?,"firstId","token"}}, its object
 * is {@code chunks/{firstId:020d}/{sha256}.{token}}, and its stored bytes are the chunk itself ({@code codec} absent
 * or {@code none}) or its zstd frame ({@code zstd}). Digests of decoded objects are cached by ETag and codec.
 */
final class Chunks {
    /** The key prefix of every chunk. */
    static final String AREA = "chunks/";

    private final Map<String, String> digestByEtag = new HashMap<>();

    /** One chunk reference of a manifest entry. */
    record Ref(String sha256, long size, String codec, long firstId, String token) {
        String key() {
            return Chunks.key(firstId, sha256, token);
        }

        static Ref of(JsonNode c) {
            JsonNode codec = c.get("codec");
            return new Ref(c.path("sha256").asText(""), c.path("size").asLong(-1), codec == null || codec.isNull() ? "none" : codec.asText(),
                    c.path("firstId").asLong(-1), c.path("token").asText(""));
        }
    }

    static String key(long firstId, String sha256, String token) {
        String digits = Long.toString(firstId);
        return AREA + "00000000000000000000".substring(Math.min(20, digits.length())) + digits + "/" + sha256 + "." + token;
    }

    /** The id in a chunk's key, or -1 when the key is not a chunk's. */
    static long firstIdOf(String key) {
        if (!key.startsWith(AREA) || key.length() < AREA.length() + 21 || key.charAt(AREA.length() + 20) != '/') {
            return -1;
        }
        try {
            return Long.parseLong(key.substring(AREA.length(), AREA.length() + 20));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** What is wrong with the object holding a chunk, or null when it is there and decodes to the chunk's digest. */
    @Nullable String problem(Ref ref, SimStore.@Nullable Obj obj) {
        if (obj == null) {
            return ref.key() + " is gone";
        }
        String digest = digestByEtag.computeIfAbsent(ref.codec() + " " + ref.size() + " " + obj.etag(), k -> decodedDigest(ref, obj.bytes()));
        return ref.sha256().equals(digest) ? null : ref.key() + " does not decode (" + ref.codec() + ") to its " + ref.size() + " bytes of SHA-256 "
                + ref.sha256();
    }

    private static String decodedDigest(Ref ref, byte[] stored) {
        byte[] bytes;
        switch (ref.codec()) {
            case "none" -> bytes = stored;
            case "zstd" -> {
                if (ref.size() < 0 || ref.size() > (1 << 20)) {
                    return "bad size";
                }
                try {
                    bytes = Zstd.decompress(stored, (int) ref.size());
                } catch (RuntimeException e) {
                    return "not zstd: " + e.getMessage();
                }
            }
            default -> {
                return "unknown codec";
            }
        }
        return bytes.length == ref.size() ? SimStore.sha256(bytes) : "wrong size " + bytes.length;
    }

    /** The digest of a chunked entry: SHA-256 of its chunks' 32-byte digests in order. */
    static String listDigest(JsonNode chunks) {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (JsonNode c : chunks) {
            String sha = c.path("sha256").asText("");
            if (sha.length() != 64) {
                return "malformed chunk digest " + sha;
            }
            md.update(HexFormat.of().parseHex(sha));
        }
        return HexFormat.of().formatHex(md.digest());
    }
}

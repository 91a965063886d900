package dev.checkpointer.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The white-box oracle reads the v2 wire format of {@code docs/PROTOCOL.md} as written there, and flags each kind of
 * broken chain: objects written by hand, as a v2 engine would (or would not) write them.
 */
class ChainOracleTest {
    private SimTime time;
    private SimStore store;
    private Oracle oracle;
    private final SimProcess writer = new SimProcess("t", Duration.ZERO);
    private int step;

    @BeforeEach
    void setUp() {
        time = SimTime.install();
        store = new SimStore(time, 3, null);
        oracle = new Oracle(store, 0);
        store.observe(oracle);
    }

    @AfterEach
    void tearDown() {
        time.close();
    }

    private void put(String key, String text) {
        store.putRaw(key, text.getBytes(StandardCharsets.UTF_8), writer);
        oracle.afterStep(++step);
    }

    private static String link(long id, String sha) {
        return "{\"id\":" + id + ",\"manifestSha256\":\"" + sha + "\"}";
    }

    /** A manifest file; returns its bytes' SHA-256 through the store afterwards. */
    private String manifest(long id, long epoch, @Nullable String parent, String tag, String artifactKey, byte[] artifact) {
        String body = "{\"formatVersion\":\"2.0\",\"id\":" + id + ",\"epoch\":" + epoch + ",\"createdAt\":\"2026-01-01T00:00:00Z\",\"writerId\":\"t\""
                + (parent == null ? "" : ",\"parent\":" + parent)
                + ",\"partitions\":[{\"operator\":\"counts\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"key\":\"" + artifactKey
                + "\",\"offset\":0,\"size\":" + artifact.length + ",\"sha256\":\"" + SimStore.sha256(artifact) + "\"}]"
                + ",\"metadata\":{\"save\":\"" + tag + "\"}}";
        String file = "{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"" + SimStore.sha256(body.getBytes(StandardCharsets.UTF_8))
                + "\",\"manifest\":" + body + "}\n";
        store.putRaw(artifactKey, artifact, writer);
        put(Oracle.Layout.manifest(id), file);
        return SimStore.sha256(file.getBytes(StandardCharsets.UTF_8));
    }

    private void pointer(long id, @Nullable String sha, @Nullable String parent, long epoch, long floor) {
        String body = "{\"formatVersion\":\"2.0\",\"id\":" + id
                + (sha == null ? "" : ",\"manifestSha256\":\"" + sha + "\"") + (parent == null ? "" : ",\"parent\":" + parent)
                + ",\"epoch\":" + epoch + ",\"floor\":" + floor + ",\"writerId\":\"t\"}";
        put("_latest", "{\"format\":\"checkpointer-pointer\",\"bodySha256\":\"" + SimStore.sha256(body.getBytes(StandardCharsets.UTF_8))
                + "\",\"pointer\":" + body + "}");
    }

    private static String artifact(long id) {
        return Oracle.Layout.dir(id) + "counts/0.abcd.snapshot";
    }

    /** A chunk: its reference's JSON, after storing its object (zstd-compressed when asked). */
    private String chunk(long firstId, String token, byte[] bytes, boolean zstd) {
        String sha = SimStore.sha256(bytes);
        byte[] stored = zstd ? com.github.luben.zstd.Zstd.compress(bytes, 3) : bytes;
        store.putRaw(Chunks.key(firstId, sha, token), stored, writer);
        return "{\"sha256\":\"" + sha + "\",\"size\":" + bytes.length + (zstd ? ",\"codec\":\"zstd\",\"stored\":" + stored.length : "")
                + ",\"firstId\":" + firstId + ",\"token\":\"" + token + "\"}";
    }

    /** A format-3.0 manifest with one chunked partition; returns the file's SHA-256. */
    private String chunkedManifest(long id, long epoch, @Nullable String parent, String tag, byte[][] parts, String... chunks) {
        long size = 0;
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (byte[] b : parts) {
            size += b.length;
            md.update(java.util.HexFormat.of().parseHex(SimStore.sha256(b)));
        }
        String body = "{\"formatVersion\":\"3.0\",\"id\":" + id + ",\"epoch\":" + epoch + ",\"createdAt\":\"2026-01-01T00:00:00Z\",\"writerId\":\"t\""
                + (parent == null ? "" : ",\"parent\":" + parent)
                + ",\"partitions\":[{\"operator\":\"counts\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"offset\":0,\"size\":" + size
                + ",\"sha256\":\"" + java.util.HexFormat.of().formatHex(md.digest()) + "\",\"chunks\":[" + String.join(",", chunks) + "]}]"
                + ",\"metadata\":{\"save\":\"" + tag + "\"}}";
        String file = "{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"" + SimStore.sha256(body.getBytes(StandardCharsets.UTF_8))
                + "\",\"manifest\":" + body + "}\n";
        put(Oracle.Layout.manifest(id), file);
        return SimStore.sha256(file.getBytes(StandardCharsets.UTF_8));
    }

    private static final byte[] A = "aaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbb".getBytes(StandardCharsets.UTF_8);
    private static final byte[] B = "ccccccccccccccccccccddddddddddddd".getBytes(StandardCharsets.UTF_8);
    private static final byte[] C = "eeeeeeeeeeeeeeffffffffffffffffffff".getBytes(StandardCharsets.UTF_8);

    /** Checkpoint 1 with chunks A (zstd) and B; checkpoint 2 on it reusing A and adding C. Returns 2's digest. */
    private String chunkedChain() {
        pointer(0, null, null, 1, 0);
        String a = chunk(1, "t1", A, true);
        String b = chunk(1, "t1", B, false);
        String m1 = chunkedManifest(1, 1, null, "s1", new byte[][] {A, B}, a, b);
        pointer(1, m1, null, 1, 0);
        String c = chunk(2, "t2", C, false);
        String m2 = chunkedManifest(2, 1, link(1, m1), "s2", new byte[][] {A, C}, a, c);
        pointer(2, m2, link(1, m1), 1, 0);
        return m2;
    }

    @Test
    void aChunkedChainWithReusedAndCompressedChunksPasses() {
        chunkedChain();
        oracle.finish();
        assertThat(check()).isEqualTo("none");
    }

    @Test
    void aLiveMemberLosingAReusedChunkIsI8() {
        chunkedChain();
        store.removeRaw(Chunks.key(1, SimStore.sha256(A), "t1"), writer);
        oracle.afterStep(++step);
        assertThat(check()).isEqualTo("I8");
    }

    @Test
    void aCompressedChunkThatDoesNotDecodeToItsDigestIsI8() {
        chunkedChain();
        put(Chunks.key(1, SimStore.sha256(A), "t1"), "not a zstd frame");
        assertThat(check()).isEqualTo("I8");
    }

    @Test
    void aChunkOnlyAnExpiredMemberReferencesMayGo() {
        String m2 = chunkedChain();
        pointer(2, m2, link(1, sha(1)), 1, 2); // floor 2: member 1 expired
        store.removeRaw(Chunks.key(1, SimStore.sha256(B), "t1"), writer);
        oracle.afterStep(++step);
        oracle.finish();
        assertThat(check()).isEqualTo("none");
    }

    @Test
    void aPublishablePreparedManifestLosingAChunkOfItsTombstonedHeadIsI9() {
        String m2 = chunkedChain();
        oracle.deleteIssued(2);
        put(Oracle.Layout.manifest(2), "{\"format\":\"checkpointer-tombstone\",\"bodySha256\":\"x\",\"tombstone\":{\"formatVersion\":\"2.0\",\"id\":2,"
                + "\"manifestSha256\":\"" + m2 + "\",\"epoch\":1,\"parent\":" + link(1, sha(1)) + "}}");
        String c = "{\"sha256\":\"" + SimStore.sha256(C) + "\",\"size\":" + C.length + ",\"firstId\":2,\"token\":\"t2\"}";
        chunkedManifest(3, 1, link(2, m2), "s3", new byte[][] {C}, c); // prepared on the (tombstoned) head, reusing C
        assertThat(check()).isEqualTo("none");
        store.removeRaw(Chunks.key(2, SimStore.sha256(C), "t2"), writer); // only the tombstoned head referenced it
        oracle.afterStep(++step);
        assertThat(check()).isEqualTo("I9");
    }

    @Test
    void aChunkAboveTheHeadDeletedByAnotherProcessIsI9() {
        chunkedChain();
        chunk(3, "t3", C, false);
        store.removeRaw(Chunks.key(3, SimStore.sha256(C), "t3"), new SimProcess("p0.1", Duration.ZERO));
        assertThat(check()).isEqualTo("I9");
    }

    @Test
    void aChunkAboveTheHeadDeletedByTheSaveThatWroteItIsNot() {
        chunkedChain();
        chunk(3, "t3", C, false);
        store.removeRaw(Chunks.key(3, SimStore.sha256(C), "t3"), writer);
        oracle.afterStep(++step);
        oracle.finish();
        assertThat(check()).isEqualTo("none");
    }

    private String sha(long id) {
        return SimStore.sha256(store.objects().get(Oracle.Layout.manifest(id)).bytes());
    }

    private String check() {
        return oracle.violation() == null ? "none" : oracle.violation().check;
    }

    @Test
    void aWellFormedChainPasses() {
        pointer(0, null, null, 1, 0);
        String m1 = manifest(1, 1, null, "s1", artifact(1), new byte[20]);
        pointer(1, m1, null, 1, 0);
        String m2 = manifest(2, 1, link(1, m1), "s2", artifact(2), new byte[30]);
        pointer(2, m2, link(1, m1), 1, 0);
        oracle.finish();
        assertThat(check()).isEqualTo("none");
    }

    @Test
    void aPointerMovingBackIsI6() {
        pointer(0, null, null, 2, 0);
        pointer(0, null, null, 1, 0);
        assertThat(check()).isEqualTo("I6");
    }

    @Test
    void publishingAManifestOfALowerEpochIsI4() {
        pointer(0, null, null, 2, 0);
        String m1 = manifest(1, 1, null, "s1", artifact(1), new byte[20]);
        pointer(1, m1, null, 2, 0);
        assertThat(check()).isEqualTo("I4");
    }

    @Test
    void publishingAManifestNotPreparedOnTheHeadIsI4() {
        pointer(0, null, null, 1, 0);
        String m1 = manifest(1, 1, null, "s1", artifact(1), new byte[20]);
        pointer(1, m1, null, 1, 0);
        String m2 = manifest(2, 1, null, "s2", artifact(2), new byte[20]);
        pointer(2, m2, null, 1, 0);
        assertThat(check()).isEqualTo("I4");
    }

    @Test
    void aChainMemberLosingAnArtifactIsI5() {
        pointer(0, null, null, 1, 0);
        String m1 = manifest(1, 1, null, "s1", artifact(1), new byte[20]);
        pointer(1, m1, null, 1, 0);
        put(artifact(1), "other bytes");
        assertThat(check()).isEqualTo("I5");
    }

    @Test
    void aChainMemberReplacedIsCaught() {
        pointer(0, null, null, 1, 0);
        String m1 = manifest(1, 1, null, "s1", artifact(1), new byte[20]);
        pointer(1, m1, null, 1, 0);
        String m2 = manifest(2, 1, link(1, m1), "s2", artifact(2), new byte[20]);
        pointer(2, m2, link(1, m1), 1, 0);
        manifest(1, 1, null, "s9", artifact(1), new byte[20]);
        assertThat(check()).isIn("I1", "I5", "BB5");
    }

    @Test
    void aPublishablePreparedManifestLosingAnArtifactIsI5() {
        pointer(0, null, null, 1, 0);
        String m1 = manifest(1, 1, null, "s1", artifact(1), new byte[20]);
        pointer(1, m1, null, 1, 0);
        manifest(2, 1, link(1, m1), "s2", artifact(2), new byte[20]);
        put(artifact(2), "swept");
        assertThat(check()).isEqualTo("I5");
    }

    @Test
    void aTombstoneKeepsTheWalkGoing() {
        pointer(0, null, null, 1, 0);
        String m1 = manifest(1, 1, null, "s1", artifact(1), new byte[20]);
        pointer(1, m1, null, 1, 0);
        String m2 = manifest(2, 1, link(1, m1), "s2", artifact(2), new byte[20]);
        pointer(2, m2, link(1, m1), 1, 0);
        oracle.deleteIssued(1);
        put(Oracle.Layout.manifest(1), "{\"format\":\"checkpointer-tombstone\",\"bodySha256\":\"x\",\"tombstone\":{\"formatVersion\":\"2.0\",\"id\":1,"
                + "\"manifestSha256\":\"" + m1 + "\",\"epoch\":1}}");
        oracle.finish();
        assertThat(check()).isEqualTo("none");
    }
}

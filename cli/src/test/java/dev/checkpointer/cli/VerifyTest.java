package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Manifest;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyTest {
    private final String uri = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
    }

    private FaultInjectingStore raw() {
        return new FaultInjectingStore(MemoryStore.named(Cli.bucket(uri)));
    }

    @Test
    void everythingVerifies() {
        Cli.seed(uri, 3);
        Cli.Result r = Cli.run("verify", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("checkpoint 1  OK", "checkpoint 2  OK", "checkpoint 3  OK")
                .contains("verified 3 checkpoints, 6 partitions").contains("all OK");
        assertThat(r.err()).as("no progress when not on a terminal").isEmpty();
        assertThat(Cli.run("verify", uri, "2").exit()).isZero();
        assertThat(Cli.run("verify", uri, "latest").out()).contains("checkpoint 3  OK").doesNotContain("checkpoint 2");
    }

    @Test
    void aFlippedByteFailsWithExit1AndNamesThePartition() {
        List<Manifest> saved = Cli.seed(uri, 3);
        raw().flipByte(Cli.storedKey(saved.get(1)), 5000);
        Cli.Result r = Cli.run("verify", uri, "all");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.out()).contains("checkpoint 1  OK", "checkpoint 3  OK")
                .contains("checkpoint 2  FAILED")
                .contains("counts/1: integrity check failed for '" + Cli.storedKey(saved.get(1)) + "'")
                .contains("1 FAILED");
        assertThat(Cli.run("verify", uri, "1").exit()).isZero();
        assertThat(Cli.run("verify", uri, "2").exit()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
    }

    @Test
    void verifyJsonShape() {
        List<Manifest> saved = Cli.seed(uri, 2);
        raw().flipByte(Cli.storedKey(saved.get(0)), 0);
        Cli.Result r = Cli.run("verify", uri, "--json");
        assertThat(r.exit()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        JsonNode j = r.json();
        assertThat(j.get("ok").asBoolean()).isFalse();
        assertThat(j.get("bytesVerified").asLong()).isEqualTo(saved.get(0).totalBytes() + saved.get(1).totalBytes());
        JsonNode first = j.get("checkpoints").get(0);
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(first.get("ok").asBoolean()).isFalse();
        assertThat(first.get("partitions").asInt()).isEqualTo(2);
        JsonNode failure = first.get("failures").get(0);
        assertThat(failure.get("operator").asText()).isEqualTo("counts");
        assertThat(failure.get("partition").asInt()).isEqualTo(1);
        assertThat(failure.get("code").asText()).isEqualTo("INTEGRITY");
        assertThat(failure.get("message").asText()).contains("integrity check failed");
        JsonNode second = j.get("checkpoints").get(1);
        assertThat(second.get("ok").asBoolean()).isTrue();
        assertThat(second.get("failures").size()).isZero();
    }

    @Test
    void aTruncatedOrMissingArtifactFails() {
        List<Manifest> saved = Cli.seed(uri, 2);
        raw().truncate(Cli.storedKey(saved.get(0)), 10);
        raw().delete(Cli.storedKey(saved.get(1))).block();
        Cli.Result r = Cli.run("verify", uri, "--json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.json().get("checkpoints").get(0).get("failures").get(0).get("code").asText()).isEqualTo("INTEGRITY");
        assertThat(r.json().get("checkpoints").get(1).get("failures").get(0).get("code").asText()).isEqualTo("STORE_NOT_FOUND");
        assertThat(r.json().get("checkpoints").get(1).get("failures").get(0).get("message").asText())
                .isEqualTo("artifact '" + Cli.storedKey(saved.get(1)) + "' is missing, yet checkpoint 2 is still committed");
        assertThat(r.json().get("problems").size()).as("the pointer is sound").isZero();
    }

    @Test
    void aCorruptManifestIsReportedByVerifyAll() {
        List<Manifest> saved = Cli.seed(uri, 3);
        String manifest = "checkpoints/" + saved.get(1).id().padded() + "/manifest.json";
        raw().flipByte(manifest, 40);
        Cli.Result r = Cli.run("verify", uri);
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.out()).contains("checkpoint 2  FAILED").contains("manifest: ").contains("checkpoint 3  OK");
        // The newest one, which list() would pass over, is reported too.
        raw().flipByte("checkpoints/" + saved.get(2).id().padded() + "/manifest.json", 40);
        Cli.Result newest = Cli.run("verify", uri, "--json");
        assertThat(newest.exit()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(newest.json().get("checkpoints").findValuesAsText("id")).contains("2", "3");
    }

    @Test
    void missingCheckpointExits3AndEmptyLocationIsFine() {
        Cli.Result empty = Cli.run("verify", uri);
        assertThat(empty.exit()).isZero();
        assertThat(empty.out()).contains("nothing to verify");
        assertThat(Cli.run("verify", uri, "latest").exit()).isEqualTo(ExitCodes.NOT_FOUND);
        Cli.seed(uri, 1);
        assertThat(Cli.run("verify", uri, "7").exit()).isEqualTo(ExitCodes.NOT_FOUND);
    }

    // ------------------------------------------------------------------------------------------------ protocol v2

    /** A missing _latest while checkpoints exist fails verify, whatever is verified; the recovered chain is verified too. */
    @Test
    void aMissingPointerFailsAndTheRecoveredChainIsStillVerified(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 3);
        Files.delete(dir.resolve("_latest"));
        Cli.Result r = Cli.run("verify", files);
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.out()).contains("location " + Format.location(files) + "  FAILED  POINTER_RECOVERED: _latest cannot be used")
                .contains("missing").contains("checkpoint 3, recovered from the manifests").contains("checkpointer repair")
                .contains("checkpoint 3  OK").contains("location FAILED").doesNotContain("nothing to verify");
        JsonNode j = Cli.run("verify", files, "--json").json();
        assertThat(j.get("ok").asBoolean()).isFalse();
        assertThat(j.get("problems").get(0).get("code").asText()).isEqualTo("POINTER_RECOVERED");

        Cli.Result latest = Cli.run("verify", files, "latest");
        assertThat(latest.exit()).as(latest.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(latest.out()).contains("POINTER_RECOVERED").contains("checkpoint 3  OK");
        Cli.Result one = Cli.run("verify", files, "1");
        assertThat(one.exit()).as(one.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(one.out()).contains("POINTER_RECOVERED");
    }

    @Test
    void aCorruptPointerFails(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 3);
        Files.writeString(dir.resolve("_latest"), "{\"format\":\"checkpointer-pointer\",\"bodySha256\":\"00\",\"pointer\":{}}");
        Cli.Result r = Cli.run("verify", files, "--json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        JsonNode j = r.json();
        assertThat(j.get("problems").get(0).get("code").asText()).isEqualTo("POINTER_RECOVERED");
        assertThat(j.get("problems").get(0).get("message").asText()).contains("corrupt");
        assertThat(j.get("checkpoints").findValuesAsText("id")).containsExactly("1", "2", "3");
        assertThat(j.get("checkpoints").findValuesAsText("ok")).containsOnly("true");
        Cli.Result two = Cli.run("verify", files, "2");
        assertThat(two.exit()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(two.out()).contains("checkpoint 2  OK").contains("POINTER_RECOVERED");
    }

    /**
     * The only manifest, without _latest: reads recover it (and say so), and verify reports the pointer as a
     * failure of the location, never "nothing to verify".
     */
    @Test
    void aLoneManifestWithoutPointerIsAFailure(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 1);
        Files.delete(dir.resolve("_latest"));
        for (String what : List.of("all", "latest", "1")) {
            Cli.Result r = Cli.run("verify", files, what);
            assertThat(r.exit()).as(what + ": " + r).isEqualTo(ExitCodes.VERIFICATION_FAILED);
            assertThat(r.out()).contains("POINTER_RECOVERED").contains("_latest is missing but checkpoints exist")
                    .contains("checkpointer repair").doesNotContain("nothing to verify");
        }
        Cli.Result list = Cli.run("list", files);
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.err()).contains("warning: ").contains("_latest is missing");
        // An empty location is still fine.
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThat(Cli.run("verify", empty.toUri().toString()).out()).contains("nothing to verify");
    }

    /** When no manifest can be read at all, reads recover nothing and say so, and verify fails the manifest it found. */
    @Test
    void unreadableManifestsWithoutPointerAreAFailure(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 1);
        Files.delete(dir.resolve("_latest"));
        Files.writeString(dir.resolve("checkpoints/00000000000000000001/manifest.json"), "{ not json");
        Cli.Result r = Cli.run("verify", files, "all");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.out()).contains("POINTER_RECOVERED").contains("reads fell back to nothing")
                .contains("checkpoint 1  FAILED").contains("[CORRUPT_METADATA]").doesNotContain("nothing to verify");
    }

    /** A chain member whose manifest is gone is reported by list() through the listener: a failure. */
    @Test
    void aChainMemberWithoutItsManifestFails(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 3);
        Files.delete(dir.resolve("checkpoints/00000000000000000002/manifest.json"));
        Cli.Result r = Cli.run("verify", files, "--json");
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        JsonNode cps = r.json().get("checkpoints");
        assertThat(cps.findValuesAsText("id")).containsExactly("1", "2", "3");
        assertThat(cps.get(1).get("failures").get(0).get("code").asText()).isEqualTo("MANIFEST_MISSING");
        assertThat(cps.get(1).get("failures").get(0).get("message").asText()).contains("on the chain but its manifest is missing");
        assertThat(cps.get(0).get("ok").asBoolean()).isTrue();
        assertThat(cps.get(2).get("ok").asBoolean()).isTrue();
        Cli.Result list = Cli.run("list", files);
        assertThat(list.out()).contains("2 checkpoints");
        assertThat(list.err()).contains("warning: checkpoint 2 cannot be read or trusted");
    }

    /** The walk steps over one unreadable member, not two: what lies below is reported as unverified. */
    @Test
    void twoUnreadableMembersInARowBreakTheChain(@TempDir Path dir) throws Exception {
        String files = dir.toUri().toString();
        Cli.seed(files, 4);
        for (String id : List.of("2", "3")) {
            Path m = dir.resolve("checkpoints/0000000000000000000" + id + "/manifest.json");
            byte[] b = Files.readAllBytes(m);
            b[b.length - 10] ^= 1;
            Files.write(m, b);
        }
        Cli.Result r = Cli.run("verify", files);
        assertThat(r.exit()).as(r.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(r.out()).contains("CHAIN_BROKEN: the chain cannot be followed below checkpoint 2 (unreadable): 1 manifest below it (id 1)")
                .contains("checkpoint 2  FAILED", "checkpoint 3  FAILED", "checkpoint 4  OK").doesNotContain("checkpoint 1  OK");
    }

    @Test
    void progressGoesToStderrWhenForced() {
        Cli.seed(uri, 2);
        Cli.Result r = Cli.run("verify", uri, "--progress=always", "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("verify").contains("100%").contains("/s").contains("done in");
        assertThat(r.json().get("ok").asBoolean()).as("stdout stays pure JSON").isTrue();
    }
}

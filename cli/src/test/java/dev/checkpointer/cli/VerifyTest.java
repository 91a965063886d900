package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Manifest;
import dev.checkpointer.store.memory.MemoryObjectStore;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VerifyTest {
    private final String uri = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
    }

    private MemoryObjectStore raw() {
        return MemoryObjectStore.named(Cli.bucket(uri));
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

    @Test
    void progressGoesToStderrWhenForced() {
        Cli.seed(uri, 2);
        Cli.Result r = Cli.run("verify", uri, "--progress=always", "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("verify").contains("100%").contains("/s").contains("done in");
        assertThat(r.json().get("ok").asBoolean()).as("stdout stays pure JSON").isTrue();
    }
}

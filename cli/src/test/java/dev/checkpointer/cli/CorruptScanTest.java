package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Manifest;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** 'verify all' and 'list' look at every file at a manifest key and at _latest, not only at what list() reaches. */
class CorruptScanTest {
    private final String uri = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
    }

    private FaultInjectingStore store() {
        return new FaultInjectingStore(MemoryStore.named(Cli.bucket(uri)));
    }

    @Test
    void aFlippedByteInTheOldestManifestFailsVerifyAllAndListNamingTheKey() {
        List<Manifest> saved = Cli.seed(uri, 3);
        String key = "checkpoints/" + saved.get(0).id().padded() + "/manifest.json";
        store().flipByte(key, 200); // inside the body, past the envelope's format and digest

        Cli.Result v = Cli.run("verify", uri, "all");
        assertThat(v.exit()).as(v.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(v.out()).contains(key).doesNotContain("all OK");
        JsonNode j = Cli.run("verify", uri, "all", "--json").json();
        assertThat(j.get("ok").asBoolean()).isFalse();
        assertThat(j.get("stored").get("corrupt").asInt()).isEqualTo(1);
        assertThat(j.get("stored").get("manifests").asInt()).isEqualTo(2);

        Cli.Result l = Cli.run("list", uri);
        assertThat(l.exit()).as(l.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(l.out()).contains("CORRUPT  " + key + ": ").contains("the SHA-256 of its body does not match");
        JsonNode lj = Cli.run("list", uri, "--json").json();
        assertThat(lj.get("corrupt").get(0).get("key").asText()).isEqualTo(key);
        assertThat(lj.get("corrupt").get(0).get("id").asLong()).isEqualTo(1);
    }

    @Test
    void aCorruptPointerFailsVerifyAndListNamingIt() {
        Cli.seed(uri, 2);
        store().flipByte(Location.POINTER, 40);
        Cli.Result v = Cli.run("verify", uri, "all");
        assertThat(v.exit()).as(v.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(v.out()).contains("_latest");
        Cli.Result one = Cli.run("verify", uri, "latest");
        assertThat(one.exit()).as(one.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        Cli.Result l = Cli.run("list", uri);
        assertThat(l.exit()).as(l.toString()).isEqualTo(ExitCodes.VERIFICATION_FAILED);
        assertThat(l.out()).contains("CORRUPT  _latest: ");
    }

    @Test
    void tombstonesAndAbortMarkersAreRecognisedAndASoundLocationStillPasses() {
        Cli.seed(uri, 3);
        assertThat(Cli.run("delete", uri, "2").exit()).isZero();
        try (dev.checkpointer.Checkpointer cp = dev.checkpointer.Checkpointer.open(uri)) {
            cp.abort(dev.checkpointer.CheckpointId.of(10)).block();
        }
        Cli.Result v = Cli.run("verify", uri, "all");
        assertThat(v.exit()).as(v.toString()).isZero();
        assertThat(v.out()).contains("2 manifest(s), 1 tombstone(s), 1 abort marker(s), 0 corrupt").contains("all OK");
        Cli.Result l = Cli.run("list", uri);
        assertThat(l.exit()).as(l.toString()).isZero();
        assertThat(l.out()).doesNotContain("CORRUPT");
    }
}

package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.checkpointer.Manifest;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ListInspectTest {
    private final String uri = Cli.memory();

    @AfterEach
    void drop() {
        Cli.drop(uri);
    }

    @Test
    void listOfAnEmptyLocation() {
        Cli.Result r = Cli.run("list", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("no checkpoints at " + uri);
        Cli.Result j = Cli.run("list", uri, "--json");
        assertThat(j.json().get("checkpoints").size()).isZero();
    }

    @Test
    void listShowsIdEpochTimePartitionsAndBytes() {
        List<Manifest> saved = Cli.seed(uri, 3);
        Cli.Result r = Cli.run("list", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("ID", "EPOCH", "CREATED", "PARTITIONS", "BYTES")
                .contains(saved.get(2).createdAt().toString())
                .contains("3 checkpoints");
        assertThat(r.out().lines().filter(l -> l.matches("^[123]\\s+1\\s+.*\\s2\\s+100 KiB$"))).hasSize(3);
    }

    @Test
    void listJsonShape() {
        List<Manifest> saved = Cli.seed(uri, 2);
        Cli.Result r = Cli.run("list", uri, "--json");
        assertThat(r.exit()).isZero();
        JsonNode list = r.json().get("checkpoints");
        assertThat(list.size()).isEqualTo(2);
        JsonNode first = list.get(0);
        assertThat(first.get("id").asLong()).isEqualTo(1);
        assertThat(first.get("epoch").asLong()).isEqualTo(saved.get(0).epoch());
        assertThat(first.get("createdAt").asText()).isEqualTo(saved.get(0).createdAt().toString());
        assertThat(first.get("partitions").asInt()).isEqualTo(2);
        assertThat(first.get("bytes").asLong()).isEqualTo(saved.get(0).totalBytes());
        assertThat(first.has("writerId")).isTrue();
        assertThat(list.get(1).get("id").asLong()).isEqualTo(2);
    }

    @Test
    void inspectShowsTheManifestWithInlineBytesAsSizes() {
        List<Manifest> saved = Cli.seed(uri, 2);
        Manifest m = saved.get(1);
        String inline = m.partitions().stream().filter(e -> e.isInline()).findFirst().orElseThrow().inline();
        Cli.Result r = Cli.run("inspect", uri);
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).startsWith("checkpoint 2")
                .contains("epoch", "fingerprint", "test-pipeline")
                .contains("inline in manifest", Cli.storedKey(m), "100 KiB", "13 B")
                .contains(m.partitions().get(1).sha256())
                .contains("clicks: 0=200 1=400")
                .contains("out: 2")
                .contains("run = seed-2")
                .doesNotContain(inline);
        Cli.Result one = Cli.run("inspect", uri, "1");
        assertThat(one.exit()).isZero();
        assertThat(one.out()).startsWith("checkpoint 1").contains("clicks: 0=100 1=200");
    }

    @Test
    void inspectJsonIsTheManifest() {
        Manifest m = Cli.seed(uri, 1).get(0);
        Cli.Result r = Cli.run("inspect", uri, "latest", "--json");
        assertThat(r.exit()).isZero();
        JsonNode j = r.json();
        assertThat(j.get("id").asLong()).isEqualTo(1);
        assertThat(j.get("formatVersion").asText()).isEqualTo(Manifest.FORMAT_VERSION);
        assertThat(j.get("fingerprint").asText()).isEqualTo("test-pipeline");
        assertThat(j.get("offsets").get("clicks").get("1").asText()).isEqualTo("200");
        assertThat(j.get("partitions").size()).isEqualTo(2);
        JsonNode p0 = j.get("partitions").get(0);
        assertThat(p0.get("operator").asText()).isEqualTo("counts");
        assertThat(new String(Base64.getDecoder().decode(p0.get("inline").asText()), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("small state 1");
        assertThat(j.get("partitions").get(1).get("sha256").asText()).isEqualTo(m.partitions().get(1).sha256());
    }

    @Test
    void inspectOfAMissingCheckpointExits3() {
        Cli.Result none = Cli.run("inspect", uri);
        assertThat(none.exit()).as(none.toString()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(none.err()).contains("no checkpoint at " + uri);
        Cli.seed(uri, 1);
        Cli.Result r = Cli.run("inspect", uri, "42");
        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.err()).contains("checkpoint 42 does not exist");
    }
}

package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tool's reading of the documented wire format: envelopes and their body digest, as the engine writes them. */
class StoredFileTest {

    @Test
    void readsTheEnginesManifestAndPointerAndChecksTheBodyDigest(@TempDir Path dir) throws Exception {
        Cli.seed(dir.toUri().toString(), 2);
        byte[] manifest = Files.readAllBytes(dir.resolve("checkpoints/00000000000000000002/manifest.json"));
        StoredFile m = StoredFile.parse(manifest);
        assertThat(m).isNotNull();
        assertThat(m.format()).isEqualTo(StoredFile.MANIFEST);
        assertThat(m.digestOk()).isTrue();
        assertThat(m.id()).isEqualTo(2);

        StoredFile p = StoredFile.parse(Files.readAllBytes(dir.resolve("_latest")));
        assertThat(p).isNotNull();
        assertThat(p.format()).isEqualTo(StoredFile.POINTER);
        assertThat(p.digestOk()).isTrue();
        assertThat(p.id()).isEqualTo(2);
        assertThat(p.number("epoch", -1)).isEqualTo(1);
        assertThat(p.body().get("manifestSha256").asText()).isEqualTo(m.sha256());

        // A changed byte inside the body (still valid JSON) breaks the digest.
        String text = new String(manifest, StandardCharsets.UTF_8).replace("seed-2", "seed-3");
        StoredFile altered = StoredFile.parse(text.getBytes(StandardCharsets.UTF_8));
        assertThat(altered).isNotNull();
        assertThat(altered.digestOk()).isFalse();
    }

    @Test
    void formatOneFilesAndGarbage() {
        StoredFile v1 = StoredFile.parse("{\"formatVersion\":\"1.0\",\"id\":3,\"epoch\":1}".getBytes(StandardCharsets.UTF_8));
        assertThat(v1).isNotNull();
        assertThat(v1.format()).isNull();
        assertThat(v1.id()).isEqualTo(3);
        assertThat(StoredFile.parse("not json".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(StoredFile.parse("[1,2]".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(StoredFile.parse("{\"format\":\"checkpointer-manifest\"}".getBytes(StandardCharsets.UTF_8))).as("no body").isNull();
    }
}

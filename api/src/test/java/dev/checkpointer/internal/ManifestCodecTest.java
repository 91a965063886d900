package dev.checkpointer.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.CorruptMetadataException;
import dev.checkpointer.IncompatibleCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.PartitionKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
    private static final String SHA = "a".repeat(64);

    static Manifest sample() {
        return new Manifest(Manifest.FORMAT_VERSION, CheckpointId.of(7), 3, Instant.parse("2026-11-22T10:00:00Z"), "host/1/ab",
                List.of(PartitionEntry.stored("counts", 0, PartitionKind.SNAPSHOT, "checkpoints/00000000000000000007/counts/0.t.snapshot", 0, 10, SHA),
                        PartitionEntry.inline("counts", 1, PartitionKind.DELTA, new byte[] {1, 2, 3}, SHA)),
                Map.of("clicks", Map.of("0", "42")), Map.of("sink", 2L), Map.of("clicks", Instant.parse("2026-11-22T09:59:00Z")),
                "fp", Map.of("k", "v"));
    }

    private static byte[] wrap(String body) {
        String sha = Sha256.hex(body.getBytes(StandardCharsets.UTF_8));
        return ("{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"" + sha + "\",\"manifest\":" + body + "}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void roundTripsExactly() {
        Manifest m = sample();
        assertThat(ManifestCodec.decode("k", ManifestCodec.encode(m), null)).isEqualTo(m);
        assertThat(ManifestCodec.decode("k", ManifestCodec.encode(m), "fp")).isEqualTo(m);
    }

    @Test
    void everySingleFlippedByteIsDetected() {
        byte[] file = ManifestCodec.encode(sample());
        for (int i = 0; i < file.length; i++) {
            for (int bit : new int[] {0x01, 0x20, 0x80}) {
                byte[] bad = file.clone();
                bad[i] ^= (byte) bit;
                int at = i;
                Throwable t = catchThrowable(() -> ManifestCodec.decode("k", bad, null));
                assertThat(t).as("byte %d flipped with %x", at, bit).isInstanceOfAny(CorruptMetadataException.class, IncompatibleCheckpointException.class);
            }
        }
    }

    @Test
    void everyTruncationIsDetected() {
        byte[] file = ManifestCodec.encode(sample());
        for (int len = 0; len < file.length - 1; len++) { // the final newline is not part of the envelope
            byte[] cut = Arrays.copyOf(file, len);
            assertThat(catchThrowable(() -> ManifestCodec.decode("k", cut, null))).as("cut at %d", len).isInstanceOf(CorruptMetadataException.class);
        }
    }

    @Test
    void fuzzedManifestsFailOnlyWithTheDocumentedErrors() {
        byte[] file = ManifestCodec.encode(sample());
        Random random = new Random(2026);
        for (int round = 0; round < 3000; round++) {
            byte[] bad = file.clone();
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            if (random.nextBoolean()) {
                bad = Arrays.copyOf(bad, random.nextInt(bad.length + 1));
            }
            byte[] input = bad;
            Throwable t = catchThrowable(() -> ManifestCodec.decode("k", input, null));
            if (t != null) {
                assertThat(t).isInstanceOfAny(CorruptMetadataException.class, IncompatibleCheckpointException.class);
            } else {
                assertThat(ManifestCodec.decode("k", input, null)).isEqualTo(sample()); // only a no-op edit may pass
            }
        }
    }

    @Test
    void unknownFieldsOfANewerMinorAreIgnored() {
        String body = "{\"formatVersion\":\"1.9\",\"id\":3,\"epoch\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"partitions\":[],\"shinyNewField\":{\"x\":1}}";
        Manifest m = ManifestCodec.decode("k", wrap(body), null);
        assertThat(m.id()).isEqualTo(CheckpointId.of(3));
        assertThat(m.formatVersion()).isEqualTo("1.9");
    }

    @Test
    void aNewerMajorIsRefusedNamingTheVersions() {
        String body = "{\"formatVersion\":\"2.0\",\"id\":3,\"epoch\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"partitions\":[]}";
        assertThatThrownBy(() -> ManifestCodec.decode("k", wrap(body), null))
                .isInstanceOf(IncompatibleCheckpointException.class)
                .hasMessageContaining("2.0").hasMessageContaining("major version 1");
    }

    @Test
    void validationReportsEveryProblemAtOnce() {
        String body = "{\"formatVersion\":\"one\",\"epoch\":0,\"partitions\":[{\"operator\":\"..\",\"partition\":-1,\"offset\":0,\"size\":-5,\"sha256\":\"xyz\"},"
                + "{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA + "\",\"key\":\"k\"},"
                + "{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA + "\",\"key\":\"k\"}]}";
        CorruptMetadataException e = (CorruptMetadataException) catchThrowable(() -> ManifestCodec.decode("k", wrap(body), null));
        assertThat(e.problems()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(String.join("\n", e.problems())).contains("formatVersion", "id is missing", "epoch", "createdAt",
                "partition must be >= 0", "size must be >= 0", "sha256", "listed twice", "neither an inline value nor a key");
    }

    @Test
    void aForeignFingerprintIsIncompatible() {
        assertThatThrownBy(() -> ManifestCodec.decode("k", ManifestCodec.encode(sample()), "other"))
                .isInstanceOf(IncompatibleCheckpointException.class).hasMessageContaining("'fp'").hasMessageContaining("'other'");
    }

    @Test
    void somethingThatIsNotAManifestSaysSo() {
        assertThatThrownBy(() -> ManifestCodec.decode("k", "[]".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> ManifestCodec.decode("k", "{\"format\":\"zip\"}".getBytes(StandardCharsets.UTF_8), null))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("'zip'");
        assertThatThrownBy(() -> ManifestCodec.decode("k", new byte[0], null)).isInstanceOf(CorruptMetadataException.class);
    }

    @Test
    void thePointerDetectsTampering() {
        Pointer p = Pointer.of(5, 2, SHA, "w");
        assertThat(Pointer.decode("_latest", p.encode())).isEqualTo(p);
        String forged = new String(p.encode(), StandardCharsets.UTF_8).replace("\"id\":5", "\"id\":6");
        assertThatThrownBy(() -> Pointer.decode("_latest", forged.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("digest");
        assertThatThrownBy(() -> Pointer.decode("_latest", "{\"id\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class);
    }
}

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
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ManifestCodecTest {
    private static final String SHA = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);
    private static final CheckpointId ID = CheckpointId.of(7);
    private static final String KEY = "checkpoints/00000000000000000007/manifest.json";

    static Manifest sample() {
        return Manifest.builder().id(ID).epoch(3).createdAt(Instant.parse("2026-11-22T10:00:00Z")).writerId("host/1/ab")
                .parent(new Manifest.Link(CheckpointId.of(6), SHA_B)).grandparent(new Manifest.Link(CheckpointId.of(4), SHA))
                .partition(PartitionEntry.stored("counts", 0, PartitionKind.SNAPSHOT, "checkpoints/00000000000000000007/counts/0.t.snapshot", 0, 10, SHA))
                .partition(PartitionEntry.inline("counts", 1, PartitionKind.DELTA, new byte[] {1, 2, 3}, SHA))
                .offsets(Map.of("clicks", Map.of("0", "42"))).sinkEpochs(Map.of("sink", 2L))
                .watermarks(Map.of("clicks", Instant.parse("2026-11-22T09:59:00Z"))).fingerprint("fp").metadata(Map.of("k", "v"))
                .build();
    }

    private static byte[] wrap(String body) {
        String sha = Sha256.hex(body.getBytes(StandardCharsets.UTF_8));
        return ("{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"" + sha + "\",\"manifest\":" + body + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static Manifest decode(byte[] bytes) {
        ManifestFile f = ManifestCodec.decode(KEY, ID, bytes);
        assertThat(f).isInstanceOf(ManifestFile.Live.class);
        return ((ManifestFile.Live) f).manifest();
    }

    @Test
    void roundTripsExactlyWithTheFileDigest() {
        byte[] file = ManifestCodec.encode(sample());
        ManifestFile f = ManifestCodec.decode(KEY, ID, file);
        assertThat(((ManifestFile.Live) f).manifest()).isEqualTo(sample());
        assertThat(f.sha256()).isEqualTo(Sha256.hex(file));
        assertThat(f.linkedSha256()).isEqualTo(Sha256.hex(file));
        assertThat(f.parent()).isEqualTo(new Manifest.Link(CheckpointId.of(6), SHA_B));
        assertThat(new String(file, StandardCharsets.UTF_8)).startsWith("{\"format\":\"checkpointer-manifest\",\"bodySha256\":\"")
                .contains("\"formatVersion\":\"2.0\"", "\"parent\":{\"id\":6,\"manifestSha256\":\"" + SHA_B + "\"}", "\"inline\":\"AQID\"");
    }

    @Test
    void everySingleFlippedByteIsDetected() {
        byte[] file = ManifestCodec.encode(sample());
        for (int i = 0; i < file.length; i++) {
            for (int bit : new int[] {0x01, 0x20, 0x80}) {
                byte[] bad = file.clone();
                bad[i] ^= (byte) bit;
                int at = i;
                Throwable t = catchThrowable(() -> ManifestCodec.decode(KEY, ID, bad));
                assertThat(t).as("byte %d flipped with %x", at, bit).isInstanceOfAny(CorruptMetadataException.class, IncompatibleCheckpointException.class);
            }
        }
    }

    @Test
    void everyTruncationIsDetected() {
        byte[] file = ManifestCodec.encode(sample());
        for (int len = 0; len < file.length - 1; len++) { // the final newline is not part of the envelope
            byte[] cut = Arrays.copyOf(file, len);
            assertThat(catchThrowable(() -> ManifestCodec.decode(KEY, ID, cut))).as("cut at %d", len).isInstanceOf(CorruptMetadataException.class);
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
            Throwable t = catchThrowable(() -> ManifestCodec.decode(KEY, ID, input));
            if (t != null) {
                assertThat(t).isInstanceOfAny(CorruptMetadataException.class, IncompatibleCheckpointException.class);
            } else {
                assertThat(decode(input)).isEqualTo(sample()); // only a no-op edit may pass
            }
        }
    }

    @Test
    void unknownFieldsOfANewerMinorAreIgnoredAndOptionalOnesDefault() {
        String body = "{\"formatVersion\":\"2.9\",\"id\":7,\"epoch\":1,\"createdAt\":\"2026-01-01T00:00:00Z\","
                + "\"partitions\":[{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"size\":1,\"sha256\":\"" + SHA + "\",\"inline\":\"AQ==\",\"future\":1}],"
                + "\"shinyNewField\":{\"x\":1}}";
        Manifest m = decode(wrap(body));
        assertThat(m.id()).isEqualTo(ID);
        assertThat(m.formatVersion()).isEqualTo("2.9");
        assertThat(m.partition("a", 0).orElseThrow().offset()).isZero();
        assertThat(m.parent()).isEmpty();
        assertThat(m.offsets()).isEmpty();
    }

    @Test
    void tombstonesStayAtMajor2ThoughManifestsReadMajor3() {
        byte[] tombstone = ManifestCodec.envelope("checkpointer-tombstone", "tombstone",
                "{\"formatVersion\":\"3.0\",\"id\":7}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> ManifestCodec.decode(KEY, ID, tombstone))
                .isInstanceOf(IncompatibleCheckpointException.class).hasMessageContaining("major version 2");
    }

    @Test
    void aNewerMajorIsRefusedNamingTheVersions() {
        String body = "{\"formatVersion\":\"4.0\",\"id\":7,\"epoch\":1,\"createdAt\":\"2026-01-01T00:00:00Z\",\"partitions\":[]}";
        assertThatThrownBy(() -> ManifestCodec.decode(KEY, ID, wrap(body)))
                .isInstanceOf(IncompatibleCheckpointException.class)
                .hasMessageContaining("4.0").hasMessageContaining("major version 3");
    }

    @Test
    void aFormatOneManifestStillReads() {
        String body = "{\"formatVersion\":\"1.0\",\"id\":7,\"epoch\":2,\"createdAt\":\"2026-01-01T00:00:00Z\",\"writerId\":\"w\","
                + "\"partitions\":[{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA + "\",\"inline\":\"AQ==\"}],"
                + "\"offsets\":{},\"sinkEpochs\":{},\"watermarks\":{},\"metadata\":{}}";
        ManifestFile.Live live = (ManifestFile.Live) ManifestCodec.decode(KEY, ID, wrap(body));
        assertThat(live.isV1()).isTrue();
        assertThat(live.manifest().epoch()).isEqualTo(2);
    }

    @Test
    void everyProblemIsReportedAtOnceNamingTheField() {
        String body = "{\"formatVersion\":\"one\",\"epoch\":\"zero\",\"createdAt\":\"yesterday\",\"partitions\":[{\"operator\":\"..\",\"partition\":-1,\"offset\":0,\"size\":-5,\"sha256\":\"xyz\",\"kind\":\"FULL\"},"
                + "{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA + "\",\"key\":\"k\"},"
                + "{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"offset\":null,\"size\":1,\"sha256\":\"" + SHA + "\"}]}";
        CorruptMetadataException e = (CorruptMetadataException) catchThrowable(() -> ManifestCodec.decode(KEY, ID, wrap(body)));
        assertThat(e.key()).isEqualTo(KEY);
        assertThat(String.join("\n", e.problems())).contains("manifest.id: is missing", "manifest.epoch: expected a whole number, got string",
                "manifest.createdAt: not an ISO-8601 instant", "manifest.partitions[0].kind: unknown kind 'FULL'");
        String body2 = "{\"formatVersion\":\"2.0\",\"id\":7,\"epoch\":0,\"createdAt\":\"2026-01-01T00:00:00Z\",\"partitions\":["
                + "{\"operator\":\"..\",\"partition\":-1,\"kind\":\"SNAPSHOT\",\"offset\":0,\"size\":-5,\"sha256\":\"xyz\",\"key\":\"checkpoints/00000000000000000007/x\"},"
                + "{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"offset\":0,\"size\":1,\"sha256\":\"" + SHA + "\",\"key\":\"_latest\"},"
                + "{\"operator\":\"a\",\"partition\":0,\"kind\":\"SNAPSHOT\",\"size\":1,\"sha256\":\"" + SHA + "\"}]}";
        CorruptMetadataException e2 = (CorruptMetadataException) catchThrowable(() -> ManifestCodec.decode(KEY, ID, wrap(body2)));
        assertThat(String.join("\n", e2.problems())).contains("epoch must be >= 1", "partition must be >= 0", "size must be >= 0", "sha256",
                "listed twice", "neither an inline value nor a key", "'_latest' is not an artifact of checkpoint 7");
    }

    @Test
    void aKeyOutsideItsOwnCheckpointIsRefused() {
        Manifest m = sample().toBuilder().partitions(java.util.List.of(
                PartitionEntry.stored("x", 0, PartitionKind.SNAPSHOT, "checkpoints/00000000000000000006/x/0.t.snapshot", 0, 1, SHA))).build();
        assertThatThrownBy(() -> ManifestCodec.decode(KEY, ID, ManifestCodec.encode(m)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("not an artifact of checkpoint 7");
    }

    @Test
    void aFileUnderAnotherIdsKeyIsRefused() {
        assertThatThrownBy(() -> ManifestCodec.decode("checkpoints/00000000000000000008/manifest.json", CheckpointId.of(8), ManifestCodec.encode(sample())))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("says it is checkpoint 7");
    }

    @Test
    void tombstonesAndAbortMarkersRoundTrip() {
        byte[] t = ManifestCodec.encodeTombstone(ID, SHA, 3, Instant.parse("2026-01-01T00:00:00Z"), new Manifest.Link(CheckpointId.of(6), SHA_B), null,
                Instant.parse("2026-01-02T00:00:00Z"), "deleter");
        ManifestFile.Tombstone tomb = (ManifestFile.Tombstone) ManifestCodec.decode(KEY, ID, t);
        assertThat(tomb.linkedSha256()).isEqualTo(SHA);
        assertThat(tomb.sha256()).isEqualTo(Sha256.hex(t));
        assertThat(tomb.parent()).isEqualTo(new Manifest.Link(CheckpointId.of(6), SHA_B));
        assertThat(tomb.deletedBy()).isEqualTo("deleter");
        byte[] a = ManifestCodec.encodeAbort(ID, Instant.parse("2026-01-02T00:00:00Z"), "aborter");
        ManifestFile.Aborted abort = (ManifestFile.Aborted) ManifestCodec.decode(KEY, ID, a);
        assertThat(abort.linkedSha256()).isNull();
        assertThat(abort.abortedBy()).isEqualTo("aborter");
        byte[] flipped = t.clone();
        flipped[flipped.length / 2] ^= 1;
        assertThat(catchThrowable(() -> ManifestCodec.decode(KEY, ID, flipped))).isInstanceOf(CorruptMetadataException.class);
    }

    @Test
    void somethingThatIsNotAManifestSaysSo() {
        assertThatThrownBy(() -> ManifestCodec.decode(KEY, ID, "[]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> ManifestCodec.decode(KEY, ID, "{\"format\":\"zip\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("'zip'");
        assertThatThrownBy(() -> ManifestCodec.decode(KEY, ID, new byte[0])).isInstanceOf(CorruptMetadataException.class);
    }

    @Test
    void thePointerRoundTripsAndDetectsTampering() {
        Pointer p = Pointer.of(5, SHA, new Manifest.Link(CheckpointId.of(3), SHA_B), 2, 3, "w");
        assertThat(Pointer.decode("_latest", p.encode())).isEqualTo(p);
        String forged = new String(p.encode(), StandardCharsets.UTF_8).replace("\"floor\":3", "\"floor\":4");
        assertThatThrownBy(() -> Pointer.decode("_latest", forged.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("digest");
        assertThatThrownBy(() -> Pointer.decode("_latest", "{\"id\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class);
        Pointer claim = Pointer.of(0, null, null, 4, 0, "w");
        assertThat(Pointer.decode("_latest", claim.encode())).isEqualTo(claim);
        // A flipped byte in the version is corruption (the envelope's digest covers it) ...
        String flipped = new String(p.encode(), StandardCharsets.UTF_8).replace("\"formatVersion\":\"2.0\"", "\"formatVersion\":\"3.0\"");
        assertThatThrownBy(() -> Pointer.decode("_latest", flipped.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("digest");
        // ... while a pointer sealed by a newer major is refused as such.
        byte[] newer = ManifestCodec.envelope("checkpointer-pointer", "pointer",
                "{\"formatVersion\":\"3.1\",\"id\":5,\"somethingNew\":true}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Pointer.decode("_latest", newer))
                .isInstanceOf(IncompatibleCheckpointException.class).hasMessageContaining("3.1");
    }

    @Test
    void aFormatOnePointerStillReads() {
        String v1 = "{\"id\":4,\"epoch\":3,\"manifestSha256\":\"ce51d585f54b4087ac1c17f5559486babcc34751441bc1867f6c14017bfee89b\","
                + "\"writerId\":\"golden-host/4242/0a1b2c3d\",\"digest\":\"1e7fb12a7e0b1699f69eb94866ebb5cfbfa87442601a8df50057aaf43c4ca2c3\"}";
        Pointer p = Pointer.decode("_latest", v1.getBytes(StandardCharsets.UTF_8));
        assertThat(p.version()).isEqualTo(1);
        assertThat(p.id()).isEqualTo(4);
        assertThat(p.floor()).isZero();
        assertThat(p.parent()).isNull();
        assertThatThrownBy(() -> Pointer.decode("_latest", v1.replace("\"epoch\":3", "\"epoch\":4").getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptMetadataException.class).hasMessageContaining("digest");
    }

    @Test
    void theSelfCheckHoldsOnThisClassPath() {
        assertThat(ManifestCodec.SelfCheck.run(ManifestCodec::encode, ManifestCodec::decode, Json.MAPPER)).isNull();
        assertThat(ManifestCodec.SelfCheck.run(ManifestCodec::encode, ManifestCodec::decode, new com.fasterxml.jackson.databind.ObjectMapper())).isNull();
    }

    @Test
    void aCodecThatLosesAFieldFailsTheSelfCheckNamingTheJacksonVersion() {
        // What Jackson 2.17-2.20 did to record-bound entries: the inline field vanished on the way out.
        java.util.function.Function<Manifest, byte[]> lossy = m -> {
            String file = new String(ManifestCodec.encode(m), StandardCharsets.UTF_8);
            String body = file.substring(file.indexOf("\"manifest\":") + 11, file.length() - 2).replaceAll(",\"inline\":\"[^\"]*\"", "");
            return wrap(body);
        };
        String failure = ManifestCodec.SelfCheck.run(lossy, ManifestCodec::decode, Json.MAPPER);
        assertThat(failure).contains("self-check").contains("jackson-databind " + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION)
                .contains("refusing to write or read");
    }

    @Test
    void aMapperThatBypassesTheExplicitSerializersFailsTheSelfCheck() {
        // A mapper told to ignore annotations binds the record by reflection: different bytes, so the check refuses it.
        com.fasterxml.jackson.databind.ObjectMapper noAnnotations = com.fasterxml.jackson.databind.json.JsonMapper.builder()
                .disable(com.fasterxml.jackson.databind.MapperFeature.USE_ANNOTATIONS).build();
        assertThat(ManifestCodec.SelfCheck.run(ManifestCodec::encode, ManifestCodec::decode, noAnnotations))
                .contains("differs from its documented form");
    }

    @Test
    void aCodecThatThrowsFailsTheSelfCheckWithTheCause() {
        String failure = ManifestCodec.SelfCheck.run(m -> {
            throw new NoSuchMethodError("com.fasterxml.jackson.core.JsonGenerator.writeStringField");
        }, ManifestCodec::decode, Json.MAPPER);
        assertThat(failure).contains("NoSuchMethodError").contains("writeStringField");
    }
}

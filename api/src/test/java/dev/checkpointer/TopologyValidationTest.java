package dev.checkpointer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code Manifest.validate(expectedTopology)} reports every problem together; {@link Topology} and {@link Offsets} values. */
class TopologyValidationTest {
    private static final String SHA = "0".repeat(64);

    private static Manifest.Builder manifest() {
        return Manifest.builder().id(CheckpointId.of(5)).epoch(1).createdAt(Instant.parse("2026-12-07T10:00:00Z"))
                .partition(PartitionEntry.inline("counts", 0, PartitionKind.SNAPSHOT, new byte[0], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    @Test
    void validateAgainstATopologyReportsEveryProblemTogether() {
        Manifest m = manifest()
                .partition(PartitionEntry.inline("counts", 9, PartitionKind.SNAPSHOT, new byte[0], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"))
                .offsets(Map.of("clicks", Map.of("0", "1"), "legacy-feed", Map.of("0", "2")))
                .sinkEpochs(Map.of("warehouse", 3L, "old-sink", 2L))
                .topology(Topology.of(Set.of("clicks", "legacy-feed"), Set.of("warehouse", "old-sink"), 16))
                .build();
        List<String> problems = m.validate(Topology.of(Set.of("clicks", "views"), Set.of("warehouse"), 8));
        assertThat(problems).containsExactlyInAnyOrder(
                "offsets recorded for source 'legacy-feed', which is not in the topology [clicks, views]",
                "sink epoch recorded for sink 'old-sink', which is not in the topology [warehouse]",
                "vnode count mismatch: expected 8, checkpoint has 16",
                "partition counts/9 is outside the expected vnode count 8",
                "topology: checkpoint has source 'legacy-feed', which the expected topology does not",
                "topology: expected source 'views' is not in the checkpoint's topology",
                "topology: checkpoint has sink 'old-sink', which the expected topology does not");
    }

    @Test
    void aManifestWithoutATopologyIsCheckedByItsOffsetsSinksAndPartitionsAndTheBasicRulesStillApply() {
        Manifest older = manifest().offsets(Map.of("clicks", Map.of("0", "1"))).sinkEpochs(Map.of("gone", 1L)).epoch(0).build();
        assertThat(older.topology()).isEmpty();
        assertThat(older.validate(Topology.of(Set.of("clicks"), Set.of(), 1))).containsExactly(
                "epoch must be >= 1, got 0",
                "sink epoch recorded for sink 'gone', which is not in the topology []");
        assertThat(manifest().offsets(Map.of("clicks", Map.of("0", "1"))).build().validate(Topology.of(Set.of("clicks"), Set.of(), 1))).isEmpty();
    }

    @Test
    void preparedSinkDataNeedsASinkEpoch() {
        assertThatThrownBy(() -> CheckpointMetadata.builder().sinkPrepared("out", "x").build())
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no sink epoch");
        assertThatThrownBy(() -> Snapshot.builder().sinkPrepared("out", "x".repeat(4097))).isInstanceOf(InvalidInputException.class);
        assertThat(manifest().sinkPrepared(Map.of("out", "x")).build().validate()).contains("sinkPrepared['out'] has no sink epoch");
    }

    @Test
    void topologiesAreValidatedAndSorted() {
        assertThat(Topology.of(Set.of("b", "a"), Set.of()).sources()).containsExactly("a", "b");
        assertThatThrownBy(() -> Topology.of(Set.of(""), Set.of())).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Topology.of(Set.of(), Set.of(), 0)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void kafkaAndOpaqueOffsetsMapToTheManifestShapeAndBack() {
        Offsets o = Offsets.empty().with(Offsets.kafka("words", 1, 43)).with(Offsets.kafka("words", 0, 7)).with(Offsets.opaque("file", "line:9"));
        assertThat(o.asMap()).isEqualTo(Map.of("words", Map.of("0", "7", "1", "43"), "file", Map.of("position", "line:9")));
        Offsets back = Offsets.of(o.asMap());
        assertThat(back).isEqualTo(o);
        assertThat(back.kafkaPositions("words")).containsExactly(Map.entry(0, 7L), Map.entry(1, 43L));
        assertThat(back.kafkaPosition("words", 2)).isEmpty();
        assertThat(back.opaqueValue("file")).hasValue("line:9");
        assertThatThrownBy(() -> Offsets.of(Map.of("words", Map.of("x", "1"))).kafkaPositions("words"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a partition number");
        assertThatThrownBy(() -> Offsets.of(Map.of("words", Map.of("0", "abc"))).kafkaPosition("words", 0))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("not a decimal offset");
        assertThatThrownBy(() -> Offsets.kafka("words", -1, 0)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void stateCodecsRoundTrip() {
        byte[] b = {1, 2, 3};
        byte[] encoded = StateCodec.bytes().encode(b);
        b[0] = 9;
        assertThat(encoded).containsExactly(1, 2, 3);
        StateCodec<String> text = StateCodec.of(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8), x -> new String(x, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(text.decode(text.encode("hé"))).isEqualTo("hé");
        StateCodec<Map> json = StateCodec.jackson(new com.fasterxml.jackson.databind.ObjectMapper(), Map.class);
        assertThat(json.decode(json.encode(Map.of("a", 1)))).isEqualTo(Map.of("a", 1));
        assertThatThrownBy(() -> json.decode("not json".getBytes()))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT_METADATA));
    }
}

package dev.checkpointer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Bad snapshots and settings are refused where they are written, with a message naming the problem. */
class SnapshotValidationTest {

    @Test
    void duplicatePartitionsAreRefused() {
        Snapshot.Builder b = Snapshot.builder().partition("counts", 0, Payload.of(new byte[1]));
        assertThatThrownBy(() -> b.partition("counts", 0, PartitionKind.DELTA, Payload.of(new byte[2])))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("added twice").hasMessageContaining("counts");
    }

    @Test
    void aNameThatIsValidButTooLongAsAKeyIsRefusedWhereItIsGiven() {
        String euros = "€".repeat(100); // 100 characters, but 9 bytes each once percent-encoded: 900 bytes
        assertThatThrownBy(() -> Snapshot.builder().partition(euros, 0, Payload.of(new byte[1])))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("900 bytes").hasMessageContaining("255");
        String ascii = "a".repeat(OperatorNames.MAX_LENGTH);
        assertThat(Snapshot.builder().partition(ascii, 0, Payload.of(new byte[1])).build().partitions()).hasSize(1);
        String justFits = "a".repeat(3) + "é".repeat(42); // 3 + 42 * 6 = 255 bytes
        assertThat(OperatorNames.encode(justFits)).hasSize(255);
        assertThatThrownBy(() -> OperatorNames.validate(justFits + "é")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void nullsAreRefusedClearly() {
        assertThatThrownBy(() -> Snapshot.builder().partition("counts", 0, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("payload must not be null");
        assertThatThrownBy(() -> Snapshot.builder().partition("counts", 0, null, Payload.of(new byte[1])))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("kind");
        assertThatThrownBy(() -> Snapshot.builder().partition(null, 0, Payload.of(new byte[1])))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("operator name");
        Map<String, String> withNull = new HashMap<>();
        withNull.put("0", null);
        assertThatThrownBy(() -> Snapshot.builder().offsets("clicks", withNull))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("clicks");
        assertThatThrownBy(() -> Snapshot.builder().metadata("k", null)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void badNumbersAreRefused() {
        assertThatThrownBy(() -> Snapshot.builder().partition("counts", -1, Payload.of(new byte[1])))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> Snapshot.builder().epoch(0)).hasMessageContaining("epoch");
        assertThatThrownBy(() -> Snapshot.builder().sinkEpoch("sink", -3)).hasMessageContaining("-3");
        assertThatThrownBy(() -> Payload.of(() -> reactor.core.publisher.Flux.just(ByteBuffer.allocate(1)), -5))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("-5");
        assertThatThrownBy(() -> Payload.of(Path.of("/no/such/file/anywhere")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("/no/such/file/anywhere");
        assertThatThrownBy(() -> CheckpointId.of(0)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void badSettingsAreRefusedOnTheBuilder() {
        CheckpointerBuilder b = Checkpointer.builder();
        assertThatThrownBy(() -> b.inlineThreshold(-1)).hasMessageContaining("inlineThreshold");
        assertThatThrownBy(() -> b.orphanGracePeriod(Duration.ofSeconds(-1))).hasMessageContaining("orphanGracePeriod");
        assertThatThrownBy(() -> b.writerId("bad\nid")).hasMessageContaining("writerId");
        assertThatThrownBy(() -> b.location(" ")).hasMessageContaining("blank");
        assertThatThrownBy(() -> Retention.keepLast(0)).hasMessageContaining("keepLast");
        assertThatThrownBy(() -> RetrySettings.defaults().withMaxAttempts(0)).isInstanceOf(RuntimeException.class);
    }

    @Test
    void snapshotsAreImmutable() {
        Snapshot s = Snapshot.builder().partition("a", 0, Payload.of(new byte[1])).offsets("src", Map.of("0", "1")).build();
        assertThatThrownBy(() -> s.partitions().clear()).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.offsets().get("src").put("1", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(s.checkpointMetadata().offsets()).isEqualTo(Map.of("src", Map.of("0", "1")));
    }
}

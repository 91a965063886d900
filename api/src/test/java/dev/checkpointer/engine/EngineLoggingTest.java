package dev.checkpointer.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ConcurrentCheckpointException;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the engine logs: one DEBUG line per save and per restore, INFO for epoch claims and fencing. */
class EngineLoggingTest {
    private static final Duration T = Duration.ofSeconds(10);

    private LogCapture logs;

    @BeforeEach
    void captureLogs() {
        logs = new LogCapture("dev.checkpointer.internal");
    }

    @AfterEach
    void releaseLogs() {
        logs.close();
    }

    private List<String> lines(Level level, String startingWith) {
        return logs.lines(level, startingWith);
    }

    @Test
    void aSaveLogsOneDebugSummaryAndARestoreAnother() {
        MapStore store = new MapStore();
        Checkpointer cp = Checkpointer.builder().store(store).build();
        Manifest m = cp.save(Snapshot.builder()
                .partition("counts", 0, Payload.of(new byte[300]))
                .partition("counts", 1, Payload.of(new byte[200]))
                .partition("joins", 0, Payload.of(new byte[24]))
                .build()).block(T);
        assertThat(m.totalBytes()).isEqualTo(524);

        assertThat(lines(Level.DEBUG, "saved checkpoint")).singleElement().satisfies(line -> assertThat(line)
                .matches("saved checkpoint " + m.id() + " at map://test: 3 partitions, 524 bytes, epoch 1, \\d+ ms"));
        assertThat(lines(Level.INFO, "claimed writer epoch 1")).hasSize(1);

        cp.latest().block(T);
        cp.load(m.id()).block(T);
        assertThat(lines(Level.DEBUG, "restored checkpoint")).hasSize(2);
        assertThat(lines(Level.DEBUG, "restored checkpoint").get(0)).matches("restored checkpoint " + m.id()
                + " at map://test \\(latest\\(\\)\\): 3 partitions, 524 bytes, \\d+ ms");
        assertThat(lines(Level.DEBUG, "restored checkpoint").get(1)).contains("(load(" + m.id() + "))");
        assertThat(lines(Level.DEBUG, "saved checkpoint")).hasSize(1); // reads add no save lines
    }

    @Test
    void anEmptyLocationAndAFailedSaveAreOneLineEach() {
        Checkpointer cp = Checkpointer.builder().store(new MapStore()).build();
        assertThat(cp.latest().block(T)).isNull();
        assertThat(lines(Level.DEBUG, "no checkpoint to restore at map://test (latest())")).hasSize(1);

        MapStore refusing = new MapStore();
        refusing.refusePuts = true;
        Checkpointer failing = Checkpointer.builder().store(refusing).build();
        assertThatThrownBy(() -> failing.save(Snapshot.builder().partition("p", 0, Payload.of(new byte[] {1})).build()).block(T));
        assertThat(lines(Level.DEBUG, "save failed at map://test after")).singleElement()
                .satisfies(line -> assertThat(line).contains("(1 partitions)").contains("write access revoked"));
        assertThat(lines(Level.DEBUG, "saved checkpoint")).isEmpty();
    }

    @Test
    void aFencedWriterLogsOneInfoLine() {
        MapStore store = new MapStore();
        Checkpointer zombie = Checkpointer.builder().store(store).build();
        zombie.save(Snapshot.builder().partition("p", 0, Payload.of(new byte[] {1})).build()).block(T);
        Checkpointer.builder().store(store).build().save(Snapshot.builder().partition("p", 0, Payload.of(new byte[] {2})).build()).block(T);
        logs.events().clear();

        assertThatThrownBy(() -> zombie.save(Snapshot.builder().partition("p", 0, Payload.of(new byte[] {3})).build()).block(T))
                .isInstanceOfSatisfying(ConcurrentCheckpointException.class, e -> assertThat(e.fenced()).isTrue());

        List<ILoggingEvent> info = logs.events().stream().filter(e -> e.getLevel() == Level.INFO).toList();
        assertThat(info).singleElement().satisfies(e -> {
            assertThat(e.getFormattedMessage()).startsWith("writer ").contains(" is fenced at map://test").contains("epoch 2");
            assertThat(e.getThrowableProxy()).isNull();
        });
        assertThat(lines(Level.DEBUG, "save failed")).as("the INFO line is the save's summary").isEmpty();
    }
}

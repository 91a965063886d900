package dev.checkpointer.examples.kafka;

import java.nio.file.Paths;
import java.util.List;

/** The kill test with checkpoints on the local disk ({@code file:} under target/). */
class FileKillTest extends AbstractKillTest {
    @Override
    String store() {
        return "file";
    }

    @Override
    List<String> location(String name) {
        return List.of("location=" + Paths.get(System.getProperty("kafka.workDir", "target/kafka")).toAbsolutePath().resolve("checkpoints").resolve(name).toUri());
    }

    @Override
    int kills() {
        return Integer.getInteger("kill.count", 24);
    }
}

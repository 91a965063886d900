package dev.checkpointer.examples.webflux;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The restart test against the filesystem store in a temporary directory. */
class FileSystemCounterRestartTest extends AbstractCounterRestartTest {

    @TempDir
    Path dir;

    @Override
    List<String> storeProperties() {
        return List.of("checkpointer.location=" + dir.toUri(), "checkpointer.options.fsync=false");
    }

    @Override
    String scheme() {
        return "file";
    }
}

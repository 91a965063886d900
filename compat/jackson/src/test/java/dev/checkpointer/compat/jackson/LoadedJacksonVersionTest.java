package dev.checkpointer.compat.jackson;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The row tests the Jackson it names: every Jackson jar the library uses at run time is the requested version. It also
 * records what actually ran (Java and Jackson) for {@code scripts/compat-matrix.sh}, before asserting, so a failing
 * row still reports what it loaded.
 */
class LoadedJacksonVersionTest {

    @Test
    void theRequestedJacksonIsTheOneLoaded() throws IOException {
        String requested = Compat.property("compat.jackson.version");
        String databind = com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString();
        String core = com.fasterxml.jackson.core.json.PackageVersion.VERSION.toString();
        String jsr310 = com.fasterxml.jackson.datatype.jsr310.PackageVersion.VERSION.toString();

        Properties runtime = new Properties();
        runtime.setProperty("java.version", System.getProperty("java.version"));
        runtime.setProperty("java.vendor", System.getProperty("java.vendor"));
        runtime.setProperty("java.home", System.getProperty("java.home"));
        runtime.setProperty("library", "jackson-databind");
        runtime.setProperty("library.version", databind);
        runtime.setProperty("jackson.core.version", core);
        runtime.setProperty("jackson.jsr310.version", jsr310);
        Path file = Path.of(Compat.property("compat.runtime.file"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            runtime.store(out, "what the compat/jackson tests ran on");
        }

        assertThat(databind).as("jackson-databind loaded").isEqualTo(requested);
        assertThat(new ObjectMapper().version().toString()).as("ObjectMapper.version()").isEqualTo(requested);
        assertThat(core).as("jackson-core loaded").isEqualTo(requested);
        assertThat(jsr310).as("jackson-datatype-jsr310 loaded").isEqualTo(requested);
        // The classes come from the requested jar, not from a copy shaded or duplicated elsewhere on the class path.
        assertThat(ObjectMapper.class.getProtectionDomain().getCodeSource().getLocation().toString())
                .contains("jackson-databind-" + requested + ".jar");
    }
}

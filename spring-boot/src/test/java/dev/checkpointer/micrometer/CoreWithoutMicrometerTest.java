package dev.checkpointer.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/**
 * micrometer-core is an optional dependency of checkpointer-api: the core must load and work without it as long as
 * {@code meterRegistry(..)} is not called. The probe runs in a class loader built from this test's class path minus
 * every Micrometer jar, with only the JDK as parent, so a Micrometer class the builder or engine touched would fail
 * with {@code NoClassDefFoundError}.
 */
class CoreWithoutMicrometerTest {

    @Test
    void theCoreBuildsAndRunsWithoutMicrometerOnTheClassPath() throws Exception {
        List<URL> urls = new ArrayList<>();
        List<Path> hidden = new ArrayList<>();
        for (Path p : classPath()) {
            if (p.getFileName() != null && p.getFileName().toString().startsWith("micrometer-")) {
                hidden.add(p);
            } else {
                urls.add(p.toUri().toURL());
            }
        }
        assertThat(hidden).as("the test class path has Micrometer, so hiding it means something").isNotEmpty();
        try (URLClassLoader isolated = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry", false, isolated))
                    .isInstanceOf(ClassNotFoundException.class);
            Class<?> probeClass = Class.forName(NoMicrometerProbe.class.getName(), true, isolated);
            assertThat(probeClass.getClassLoader()).isSameAs(isolated);
            assertThat(Class.forName("dev.checkpointer.CheckpointerBuilder", false, isolated).getClassLoader()).isSameAs(isolated);
            @SuppressWarnings("unchecked")
            Callable<String> probe = (Callable<String>) probeClass.getDeclaredConstructor().newInstance();
            Thread t = Thread.currentThread();
            ClassLoader previous = t.getContextClassLoader();
            t.setContextClassLoader(isolated);
            try {
                assertThat(probe.call()).isEqualTo("store:1:state:COMMITTED location:1:3");
            } finally {
                t.setContextClassLoader(previous);
            }
        }
    }

    /** The test class path, expanded from surefire's manifest-only jar when it uses one. */
    static Set<Path> classPath() throws Exception {
        Set<Path> out = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path p = Path.of(entry).toAbsolutePath();
            String name = p.getFileName().toString();
            if (name.startsWith("surefirebooter") && name.endsWith(".jar")) {
                try (JarFile jar = new JarFile(p.toFile())) {
                    Manifest mf = jar.getManifest();
                    String cp = mf == null ? null : mf.getMainAttributes().getValue("Class-Path");
                    if (cp != null) {
                        for (String u : cp.trim().split("\\s+")) {
                            out.add(Path.of(p.getParent().toUri().resolve(u)));
                        }
                    }
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }
}

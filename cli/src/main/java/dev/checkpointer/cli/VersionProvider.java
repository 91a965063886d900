package dev.checkpointer.cli;

import dev.checkpointer.spi.ObjectStoreProvider;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.TreeSet;
import picocli.CommandLine;

/** {@code --version}: the tool's version, the store schemes bundled, and the JVM. */
final class VersionProvider implements CommandLine.IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {
            "checkpointer " + version(),
            "stores: " + String.join(", ", schemes()),
            "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
        };
    }

    static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            return "unknown";
        }
        return p.getProperty("version", "unknown");
    }

    /** The URI schemes of every store module on the class path, found as the library finds them. */
    static TreeSet<String> schemes() {
        TreeSet<String> schemes = new TreeSet<>();
        for (ObjectStoreProvider p : ServiceLoader.load(ObjectStoreProvider.class, VersionProvider.class.getClassLoader())) {
            schemes.addAll(p.schemes());
        }
        return schemes;
    }
}

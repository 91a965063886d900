package dev.checkpointer.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.engine.MapStore;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ObjectStoresTest {
    /** What the test provider was last asked to open. */
    static volatile Map<String, String> lastOptions = Map.of();

    /** A provider for {@code echo:} URIs, registered in this module's test resources. */
    public static final class EchoProvider implements ObjectStoreProvider {
        @Override
        public Set<String> schemes() {
            return Set.of("echo");
        }

        @Override
        public ObjectStore open(URI uri, Map<String, String> options) {
            lastOptions = options;
            return new MapStore();
        }
    }

    @Test
    void opensThroughTheProviderWithQueryOptionsOverriddenHoweverSpelt() {
        try (ObjectStore store = ObjectStores.open("echo://bucket/p?read-timeout=1s&fsync=true", Map.of("readTimeout", "2s"))) {
            assertThat(store).isInstanceOf(MapStore.class);
        }
        assertThat(lastOptions).containsExactlyInAnyOrderEntriesOf(Map.of("read-timeout", "2s", "fsync", "true"));
    }

    @Test
    void anOpaqueUriKeepsItsQuery() {
        ObjectStores.open("echo:relative/dir?fsync=false", Map.of(), null).close();
        assertThat(lastOptions).containsEntry("fsync", "false");
    }

    @Test
    void badUrisAreInvalidInput() {
        assertThatThrownBy(() -> ObjectStores.open("  ", Map.of())).isInstanceOf(InvalidInputException.class).hasMessage("store URI is blank");
        assertThatThrownBy(() -> ObjectStores.parse("just/a/path")).isInstanceOf(InvalidInputException.class).hasMessageContaining("no scheme");
        assertThatThrownBy(() -> ObjectStores.parse("s3://bad uri")).isInstanceOf(InvalidInputException.class).hasMessageContaining("malformed");
    }

    @Test
    void anUnknownSchemeNamesTheModuleToAdd() {
        assertThatThrownBy(() -> ObjectStores.open("s3://bucket/x", Map.of()))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("no store module handles scheme 's3'")
                .hasMessageContaining("schemes found on the class path: echo")
                .hasMessageContaining("dev.checkpointer:checkpointer-store-s3");
        assertThat(ObjectStores.moduleFor("GS")).contains("dev.checkpointer:checkpointer-store-gcs");
        assertThat(ObjectStores.moduleFor("ftp")).isEmpty();
    }

    @Test
    void aClassLoaderThatHidesAProviderSkipsItAndSaysSo() {
        ClassLoader hiding = new ClassLoader(getClass().getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(EchoProvider.class.getName())) {
                    throw new ClassNotFoundException(name);
                }
                return super.loadClass(name, resolve);
            }
        };
        assertThat(ObjectStores.providers(hiding)).isEmpty();
        assertThat(ObjectStores.schemes(hiding)).isEmpty();
        assertThat(ObjectStores.provider(URI.create("echo://x"), hiding)).isEmpty();
        assertThatThrownBy(() -> ObjectStores.open("echo://x", Map.of(), hiding))
                .hasMessageContaining("schemes found on the class path: none")
                .hasMessageContaining("could not be loaded")
                .hasMessageContaining(EchoProvider.class.getName());
        assertThat(ObjectStores.schemes(getClass().getClassLoader())).containsExactly("echo");
    }

    @Test
    void aLoaderWithoutServiceFilesFindsNothing() {
        ClassLoader empty = new ClassLoader(null) {
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                return Collections.emptyEnumeration();
            }
        };
        assertThat(ObjectStores.providers(empty)).isEmpty();
        assertThat(ObjectStores.options(URI.create("echo://b?a=1"), Map.of("b", "2"))).containsExactlyInAnyOrderEntriesOf(Map.of("a", "1", "b", "2"));
    }
}

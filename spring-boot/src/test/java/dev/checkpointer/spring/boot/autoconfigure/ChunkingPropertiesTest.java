package dev.checkpointer.spring.boot.autoconfigure;

import static dev.checkpointer.spring.boot.autoconfigure.StartupFailures.rootCause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Chunking;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** {@code checkpointer.chunking.*}: mapped onto {@code CheckpointerBuilder.chunking(..)}, refused by property name. */
class ChunkingPropertiesTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class))
            .withPropertyValues("checkpointer.location=memory://chunking-" + UUID.randomUUID());

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(42).nextBytes(b);
        return b;
    }

    private static Manifest saveOne(Checkpointer cp, byte[] state) {
        return cp.save(Snapshot.builder().partition("op", 0, Payload.of(state)).build()).block();
    }

    @Test
    void chunkingIsOffByDefault() {
        runner.run(ctx -> {
            assertThat(ctx.getBean(CheckpointerProperties.class).getChunking().toChunking(getClass().getClassLoader())).isEqualTo(Chunking.off());
            Manifest m = saveOne(ctx.getBean(Checkpointer.class), random(5 << 20));
            assertThat(m.partition("op", 0).orElseThrow().isChunked()).as("a 5 MB partition, above the default threshold").isFalse();
            assertThat(m.formatVersion()).isEqualTo(Manifest.FORMAT_VERSION);
        });
    }

    @Test
    void thePropertiesReachTheBuilderAndLargePartitionsAreSavedAsCompressedChunks() {
        runner.withPropertyValues("checkpointer.chunking.enabled=true", "checkpointer.chunking.threshold=64KB",
                "checkpointer.chunking.average-chunk-size=4KB", "checkpointer.chunking.compression=zstd",
                "checkpointer.chunking.zstd-level=5").run(ctx -> {
            assertThat(ctx.getBean(CheckpointerProperties.class).getChunking().toChunking(getClass().getClassLoader()))
                    .isEqualTo(Chunking.on().withThreshold(64 * 1024).withAverageChunkSize(4096).withZstd(5));
            Checkpointer cp = ctx.getBean(Checkpointer.class);
            byte[] state = "counter=1;".repeat(30_000).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Manifest m = saveOne(cp, state);
            PartitionEntry e = m.partition("op", 0).orElseThrow();
            assertThat(e.isChunked()).isTrue();
            assertThat(e.chunks()).allSatisfy(c -> assertThat(c.codec()).isEqualTo("zstd"));
            assertThat(m.formatVersion()).isEqualTo(Manifest.CHUNKED_FORMAT_VERSION);
            assertThat(Buffers.toArray(cp.load(m.id()).flatMap(c -> c.read("op", 0)).block())).isEqualTo(state);
            // below the threshold: written whole
            assertThat(saveOne(cp, random(60 * 1024)).partition("op", 0).orElseThrow().isChunked()).isFalse();
        });
    }

    @Test
    void theDefaultsOfChunkingOnAreTheCoresAndCompressionIsOffUnlessAsked() {
        runner.withPropertyValues("checkpointer.chunking.enabled=true").run(ctx -> {
            assertThat(ctx.getBean(CheckpointerProperties.class).getChunking().toChunking(getClass().getClassLoader())).isEqualTo(Chunking.on());
            Manifest m = saveOne(ctx.getBean(Checkpointer.class), random(5 << 20));
            assertThat(m.partition("op", 0).orElseThrow().chunks()).isNotEmpty().allSatisfy(c -> assertThat(c.codec()).isEqualTo("none"));
        });
        runner.withPropertyValues("checkpointer.chunking.enabled=true", "checkpointer.chunking.compression=zstd").run(ctx ->
                assertThat(ctx.getBean(CheckpointerProperties.class).getChunking().toChunking(getClass().getClassLoader()))
                        .isEqualTo(Chunking.on().withZstd(3)));
    }

    @Test
    void settingsAreCheckedWhileChunkingIsOffButNotApplied() {
        runner.withPropertyValues("checkpointer.chunking.enabled=false", "checkpointer.chunking.average-chunk-size=64KB").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            Manifest m = saveOne(ctx.getBean(Checkpointer.class), random(5 << 20));
            assertThat(m.partition("op", 0).orElseThrow().isChunked()).isFalse();
        });
        runner.withPropertyValues("checkpointer.chunking.enabled=false", "checkpointer.chunking.average-chunk-size=3000B").run(ctx ->
                assertThat(rootCause(ctx)).hasMessageContaining("checkpointer.chunking.average-chunk-size"));
    }

    @Test
    void anInvalidSettingStopsStartupNamingItsProperty() {
        assertRefused(List.of("checkpointer.chunking.average-chunk-size=3000B"), "checkpointer.chunking.average-chunk-size", "power of two", "3000");
        assertRefused(List.of("checkpointer.chunking.average-chunk-size=64MB"), "checkpointer.chunking.average-chunk-size", "power of two");
        assertRefused(List.of("checkpointer.chunking.threshold=0B"), "checkpointer.chunking.threshold", "at least 1 byte");
        assertRefused(List.of("checkpointer.chunking.compression=zstd", "checkpointer.chunking.zstd-level=23"), "checkpointer.chunking.zstd-level",
                "1 to 22");
        assertRefused(List.of("checkpointer.chunking.zstd-level=5"),
                "checkpointer.chunking.zstd-level is set but checkpointer.chunking.compression is none");
    }

    private void assertRefused(List<String> settings, String... messageParts) {
        runner.withPropertyValues("checkpointer.chunking.enabled=true").withPropertyValues(settings.toArray(String[]::new)).run(ctx -> {
            Throwable root = rootCause(ctx);
            assertThat(root).isInstanceOf(CheckpointerConfigurationException.class)
                    .hasMessageStartingWith("invalid checkpointer.* setting: checkpointer.chunking.")
                    .hasMessageContainingAll(messageParts);
            assertThat(((CheckpointerConfigurationException) root).action()).contains("checkpointer.*");
        });
    }

    @Test
    void anUnknownCompressionIsABindingFailureNamingTheProperty() {
        runner.withPropertyValues("checkpointer.chunking.enabled=true", "checkpointer.chunking.compression=lz4").run(ctx -> {
            assertThat(ctx).hasFailed();
            Throwable t = ctx.getStartupFailure();
            while (t != null && !(t instanceof BindException)) {
                t = t.getCause();
            }
            assertThat(t).isNotNull();
            assertThat(((BindException) t).getProperty().getName().toString()).isEqualTo("checkpointer.chunking.compression");
        });
    }

    @Test
    void zstdWithoutZstdJniOnTheClassPathIsRefusedUpFrontNamingTheDependency() {
        CheckpointerProperties.Chunking c = new CheckpointerProperties.Chunking();
        c.setEnabled(true);
        c.setCompression(CheckpointerProperties.Compression.ZSTD);
        assertThatThrownBy(() -> c.toChunking(new FilteredClassLoader("com.github.luben")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContainingAll("checkpointer.chunking.compression=zstd", "com.github.luben:zstd-jni");
        assertThat(c.toChunking(getClass().getClassLoader())).isEqualTo(Chunking.on().withZstd(3));
    }
}

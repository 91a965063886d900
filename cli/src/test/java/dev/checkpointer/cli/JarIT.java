package dev.checkpointer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the shaded jar as users do, {@code java -jar target/checkpointer.jar …}, in a child JVM. */
class JarIT {
    record Run(int exit, String out, String err) {}

    private static Run java(Path workDir, String... args) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("checkpointer.jar", "target/checkpointer.jar")).toAbsolutePath();
        assertThat(jar).exists();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + cmd);
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void theJarKnowsEveryBundledStore(@TempDir Path dir) throws Exception {
        Run r = java(dir, "--version");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("checkpointer ").contains("stores: azblob, file, gs, memory, s3");
        Run bad = java(dir, "list", "nosuch://x");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("no store module handles scheme 'nosuch'");
    }

    /**
     * azure-identity is inside the jar (loaded from it alone, not from the test class path), so the Azure store finds
     * DefaultAzureCredential when only {@code -o accountName=} is given.
     */
    @Test
    void theJarBundlesAzureIdentityForDefaultAzureCredential() throws Exception {
        Path jar = Path.of(System.getProperty("checkpointer.jar", "target/checkpointer.jar")).toAbsolutePath();
        try (java.net.URLClassLoader only = new java.net.URLClassLoader(new java.net.URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
            Class<?> builder = only.loadClass("com.azure.identity.DefaultAzureCredentialBuilder");
            assertThat(builder.getClassLoader()).isSameAs(only);
            Class<?> support = only.loadClass("dev.checkpointer.store.azure.internal.IdentitySupport");
            assertThat(support.getMethod("isAvailable").invoke(null)).isEqualTo(true);
            assertThat(only.loadClass("com.microsoft.aad.msal4j.ConfidentialClientApplication").getClassLoader()).isSameAs(only);
        }
    }

    @Test
    void theBundledGcsStoreOpensGsUrisAndChecksItsOptions(@TempDir Path dir) throws Exception {
        Run bad = java(dir, "list", "gs://bucket/prefix", "-o", "anonymous=true", "-o", "chunkSzie=1MiB");
        assertThat(bad.exit()).as(bad.toString()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("chunkSzie");
        Run help = java(dir, "list", "--help");
        assertThat(help.exit()).as(help.toString()).isZero();
    }

    @Test
    void theDemoRunsFromTheJarWithItsDefaultLocation(@TempDir Path dir) throws Exception {
        Run r = java(dir, "demo", "--events", "6000", "--interval", "50ms", "--rate", "30000");
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("file:./demo-checkpoints").contains("demo PASSED");
        assertThat(dir.resolve("demo-checkpoints")).isDirectory();
        Run list = java(dir, "list", "file:./demo-checkpoints", "--json");
        assertThat(list.exit()).as(list.toString()).isZero();
        assertThat(list.out()).contains("\"checkpoints\"");
        Run verify = java(dir, "verify", "file:demo-checkpoints");
        assertThat(verify.exit()).as(verify.toString()).isZero();
        assertThat(verify.err()).as("quiet when not a terminal").isEmpty();

        // inspect --json writes the manifest file's bytes to stdout unchanged.
        Run inspect = java(dir, "inspect", "file:demo-checkpoints", "latest", "--json");
        assertThat(inspect.exit()).as(inspect.toString()).isZero();
        long id = Json.MAPPER.readTree(inspect.out()).get("manifest").get("id").asLong();
        assertThat(inspect.out()).isEqualTo(Files.readString(dir.resolve("demo-checkpoints/checkpoints/" + String.format("%020d", id) + "/manifest.json"),
                StandardCharsets.UTF_8));
        Run repair = java(dir, "repair", "file:demo-checkpoints");
        assertThat(repair.exit()).as(repair.toString()).isZero();
        assertThat(repair.out()).contains("pointer is sound");
    }

    /** zstd-jni and its native library are inside the jar: the demo saves compressed chunks, verify reads them back. */
    @Test
    void theJarWritesAndReadsZstdChunks(@TempDir Path dir) throws Exception {
        Run r = java(dir, "demo", "file:z", "--events", "60000", "--interval", "200ms", "--rate", "60000", "--users", "100000", "--partitions", "1",
                "--chunking=256", "--chunk-threshold", "1KiB", "--zstd");
        assertThat(r.exit()).as(r.toString()).isZero();
        Run chunks = java(dir, "inspect", "file:z", "latest", "--chunks", "--json");
        assertThat(chunks.exit()).as(chunks.toString()).isZero();
        com.fasterxml.jackson.databind.JsonNode total = Json.MAPPER.readTree(chunks.out()).get("total");
        assertThat(total.get("chunks").asInt()).isPositive();
        assertThat(chunks.out()).contains("\"codec\" : \"zstd\"");
        Run verify = java(dir, "verify", "file:z");
        assertThat(verify.exit()).as(verify.toString()).isZero();
    }
}

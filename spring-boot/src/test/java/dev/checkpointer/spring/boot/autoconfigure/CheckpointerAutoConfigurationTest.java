package dev.checkpointer.spring.boot.autoconfigure;

import static dev.checkpointer.spring.boot.autoconfigure.StartupFailures.rootCause;
import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.filesystem.FileSystemStoreProvider;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import dev.checkpointer.store.memory.MemoryStoreProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

class CheckpointerAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class));

    private static String memoryUri() {
        return "memory://boot-" + UUID.randomUUID();
    }

    @Test
    void memoryUriGivesTheMemoryStoreAndAWorkingCheckpointer() {
        runner.withPropertyValues("checkpointer.location=" + memoryUri()).run(ctx -> {
            assertThat(ctx).hasSingleBean(ObjectStore.class).hasSingleBean(Checkpointer.class);
            // the memory store itself, not a wrapper: only a memory store can be reopened
            assertThat(MemoryStore.reopen(ctx.getBean(ObjectStore.class)).describe()).isEqualTo(ctx.getBean(ObjectStore.class).describe());
            Checkpointer cp = ctx.getBean(Checkpointer.class);
            Manifest m = cp.save(TestSnapshots.of("hello")).block();
            assertThat(cp.latest().block().manifest().id()).isEqualTo(m.id());
        });
    }

    @Test
    void fileUriGivesTheFilesystemStoreWritingIntoTheDirectory(@TempDir Path dir) {
        runner.withPropertyValues("checkpointer.location=" + dir.toUri(), "checkpointer.options.fsync=false").run(ctx -> {
            assertThat(ctx.getBean(ObjectStore.class).describe()).startsWith("file:/");
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("on disk")).block();
            try (var files = Files.walk(dir)) {
                assertThat(files.anyMatch(p -> p.getFileName().toString().equals("manifest.json"))).isTrue();
            }
        });
    }

    @Test
    void relativeFileUriIsAccepted(@TempDir Path dir) {
        Path rel = Path.of("").toAbsolutePath().relativize(dir);
        runner.withPropertyValues("checkpointer.location=file:" + rel.toString().replace('\\', '/')).run(ctx ->
                assertThat(ctx.getBean(ObjectStore.class).describe()).startsWith("file:/"));
    }

    @Test
    void missingLocationFailsStartupClearly() {
        runner.run(ctx -> {
            Throwable root = rootCause(ctx);
            assertThat(root).isInstanceOf(CheckpointerConfigurationException.class).hasMessage("checkpointer.location is not set");
            assertThat(((CheckpointerConfigurationException) root).action()).contains("file:./checkpoints");
        });
    }

    @Test
    void malformedUriFailsStartupClearly() {
        runner.withPropertyValues("checkpointer.location=s3://bad bucket/x").run(ctx ->
                assertThat(rootCause(ctx)).isInstanceOf(CheckpointerConfigurationException.class)
                        .hasMessageStartingWith("checkpointer.location is not a valid URI"));
    }

    @Test
    void uriWithoutSchemeFailsStartupClearly() {
        runner.withPropertyValues("checkpointer.location=just/a/path").run(ctx ->
                assertThat(rootCause(ctx)).hasMessage("checkpointer.location has no scheme"));
    }

    @Test
    void unknownSchemeNamesTheSupportedOnes() {
        runner.withPropertyValues("checkpointer.location=ftp://host/x").run(ctx -> {
            CheckpointerConfigurationException e = (CheckpointerConfigurationException) rootCause(ctx);
            assertThat(e).hasMessageContaining("scheme 'ftp'").hasMessageContaining("schemes available: azblob, file, gs, memory, s3");
            assertThat(e.action()).contains("file, memory, s3, gs, azblob");
        });
    }

    @Test
    void missingStoreModuleNamesTheArtifactToAdd() {
        runner.withClassLoader(new FilteredClassLoader(MemoryStoreProvider.class))
                .withPropertyValues("checkpointer.location=" + memoryUri())
                .run(ctx -> {
                    CheckpointerConfigurationException e = (CheckpointerConfigurationException) rootCause(ctx);
                    assertThat(e).hasMessageContaining("no store module on the class path handles scheme 'memory'")
                            .hasMessageContaining("schemes available: azblob, file, gs, s3");
                    assertThat(e.action()).contains("dev.checkpointer:checkpointer-store-memory");
                });
    }

    @Test
    void s3UriGivesTheS3Store() {
        runner.withPropertyValues("checkpointer.location=s3://my-bucket/jobs/clicks", "checkpointer.options.region=us-east-1",
                "checkpointer.options.accessKeyId=AKIAEXAMPLE", "checkpointer.options.secretAccessKey=not-a-secret").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(ObjectStore.class).describe()).startsWith("s3://");
            assertThat(ctx.getBean(ObjectStore.class).describe()).isEqualTo("s3://my-bucket/jobs/clicks");
        });
    }

    @Test
    void gsUriGivesTheGcsStore() {
        runner.withPropertyValues("checkpointer.location=gs://my-bucket/jobs/clicks", "checkpointer.options.anonymous=true",
                "checkpointer.options.project=test-project", "checkpointer.options.endpoint=http://127.0.0.1:1").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ObjectStore store = ctx.getBean(ObjectStore.class);
            assertThat(store.getClass().getName()).startsWith("dev.checkpointer.store.gcs.");
            assertThat(store.describe()).isEqualTo("gs://my-bucket/jobs/clicks");
        });
    }

    @Test
    void azblobUriGivesTheAzureStore() {
        runner.withPropertyValues("checkpointer.location=azblob://checkpoints/jobs", "checkpointer.options.endpoint=http://127.0.0.1:10000/devstoreaccount1",
                "checkpointer.options.accountName=devstoreaccount1", "checkpointer.options.accountKey=" + java.util.Base64.getEncoder().encodeToString(new byte[32]))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(ObjectStore.class).describe()).startsWith("azblob://");
                });
    }

    @Test
    void missingGcsModuleNamesTheArtifactToAdd() {
        runner.withClassLoader(new FilteredClassLoader("dev.checkpointer.store.gcs"))
                .withPropertyValues("checkpointer.location=gs://bucket/prefix")
                .run(ctx -> {
                    CheckpointerConfigurationException e = (CheckpointerConfigurationException) rootCause(ctx);
                    assertThat(e).hasMessageContaining("no store module on the class path handles scheme 'gs'")
                            .hasMessageContaining("schemes available: azblob, file, memory, s3");
                    assertThat(e.action()).contains("dev.checkpointer:checkpointer-store-gcs");
                });
    }

    @Test
    void missingS3AndAzureModulesNameTheirArtifacts() {
        runner.withClassLoader(new FilteredClassLoader("dev.checkpointer.store.s3", "dev.checkpointer.store.azure"))
                .withPropertyValues("checkpointer.location=s3://bucket/prefix")
                .run(ctx -> assertThat(((CheckpointerConfigurationException) rootCause(ctx)).action()).contains("dev.checkpointer:checkpointer-store-s3"));
        runner.withClassLoader(new FilteredClassLoader("dev.checkpointer.store.s3", "dev.checkpointer.store.azure"))
                .withPropertyValues("checkpointer.location=azblob://container/prefix")
                .run(ctx -> assertThat(((CheckpointerConfigurationException) rootCause(ctx)).action()).contains("dev.checkpointer:checkpointer-store-azure"));
    }

    @Test
    void noStoreModuleAtAll() {
        runner.withClassLoader(new FilteredClassLoader(MemoryStoreProvider.class.getPackageName(), FileSystemStoreProvider.class.getPackageName(),
                        "dev.checkpointer.store.s3", "dev.checkpointer.store.azure", "dev.checkpointer.store.gcs"))
                .withPropertyValues("checkpointer.location=s3://bucket/prefix")
                .run(ctx -> {
                    CheckpointerConfigurationException e = (CheckpointerConfigurationException) rootCause(ctx);
                    assertThat(e).hasMessageContaining("schemes available: none");
                    assertThat(e.action()).contains("dev.checkpointer:checkpointer-store-s3");
                });
    }

    @Test
    void unknownStoreOptionIsRefusedAtStartup(@TempDir Path dir) {
        runner.withPropertyValues("checkpointer.location=" + dir.toUri(), "checkpointer.options.colour=blue").run(ctx ->
                assertThat(rootCause(ctx)).hasMessageStartingWith("the file store refused checkpointer.location or its options")
                        .hasMessageContaining("colour"));
    }

    @Test
    void invalidSettingIsRefusedAtStartup() {
        runner.withPropertyValues("checkpointer.location=" + memoryUri(), "checkpointer.max-concurrent-uploads=0").run(ctx ->
                assertThat(rootCause(ctx)).hasMessageStartingWith("invalid checkpointer.* setting")
                        .hasMessageContaining("maxConcurrentUploads"));
    }

    @Test
    void failureAnalyzerExplainsConfigurationFailures() {
        runner.run(ctx -> {
            FailureAnalysis analysis = new CheckpointerFailureAnalyzer().analyze(ctx.getStartupFailure());
            assertThat(analysis).isNotNull();
            assertThat(analysis.getDescription()).isEqualTo("checkpointer.location is not set");
            assertThat(analysis.getAction()).contains("checkpointer.enabled=false");
        });
    }

    @Test
    void userObjectStoreWinsAndNeedsNoLocation() {
        FaultInjectingStore mine = new FaultInjectingStore(MemoryStore.create());
        runner.withBean(ObjectStore.class, () -> mine).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(ObjectStore.class);
            assertThat(ctx.getBean(ObjectStore.class)).isSameAs(mine);
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("mine")).block();
            assertThat(mine.keys()).anyMatch(k -> k.endsWith("manifest.json"));
        });
    }

    @Test
    void userCheckpointerWinsAndNoStoreIsOpened() {
        runner.withUserConfiguration(UserCheckpointer.class).withPropertyValues("checkpointer.location=ftp://ignored").run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(Checkpointer.class).doesNotHaveBean(ObjectStore.class);
            assertThat(ctx.getBean(Checkpointer.class)).isSameAs(ctx.getBean(UserCheckpointer.class).mine);
        });
    }

    @Test
    void disabledMeansNoBeans() {
        runner.withPropertyValues("checkpointer.enabled=false").run(ctx ->
                assertThat(ctx).hasNotFailed().doesNotHaveBean(Checkpointer.class).doesNotHaveBean(ObjectStore.class));
    }

    @Test
    void listenersCustomizersAndDecoratorsAreApplied() {
        List<String> events = new CopyOnWriteArrayList<>();
        runner.withPropertyValues("checkpointer.location=" + memoryUri())
                .withBean(CheckpointListener.class, () -> new CheckpointListener() {
                    @Override
                    public void onSaveStarted(Snapshot snapshot) {
                        events.add("started");
                    }

                    @Override
                    public void onSaveFinished(SaveOutcome outcome) {
                        events.add(outcome.status().name());
                    }
                })
                .withBean(CheckpointerBuilderCustomizer.class, () -> b -> b.writerId("customized-writer"))
                .withBean(ObjectStoreDecorator.class, () -> store -> {
                    events.add("decorated " + store.describe().replaceAll("://.*", ""));
                    return store;
                })
                .run(ctx -> {
                    Manifest m = ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block();
                    assertThat(m.writerId()).isEqualTo("customized-writer");
                    assertThat(events).containsExactly("decorated memory", "started", "COMMITTED");
                });
    }

    @Test
    void propertiesReachTheBuilder() {
        runner.withPropertyValues("checkpointer.location=" + memoryUri(), "checkpointer.retention.keep-last=2",
                "checkpointer.inline-threshold=0", "checkpointer.writer-id=props-writer", "checkpointer.retry.max-attempts=3",
                "checkpointer.retry.initial-delay=5ms", "checkpointer.part-size=1MB").run(ctx -> {
            CheckpointerProperties p = ctx.getBean(CheckpointerProperties.class);
            assertThat(p.getRetry().toSettings().maxAttempts()).isEqualTo(3);
            assertThat(p.getPartSize().toBytes()).isEqualTo(1024 * 1024);
            Checkpointer cp = ctx.getBean(Checkpointer.class);
            for (int i = 0; i < 3; i++) {
                Manifest m = cp.save(TestSnapshots.of("n" + i)).block();
                assertThat(m.writerId()).isEqualTo("props-writer");
                assertThat(m.partitions().get(0).inline()).as("inlining off").isNull();
            }
            assertThat(cp.list().collectList().block()).hasSize(2);
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class UserCheckpointer {
        final Checkpointer mine = Checkpointer.builder().store(MemoryStore.create()).build();

        @Bean
        Checkpointer myCheckpointer() {
            return mine;
        }
    }
}

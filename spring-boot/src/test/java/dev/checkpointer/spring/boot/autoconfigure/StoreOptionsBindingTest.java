package dev.checkpointer.spring.boot.autoconfigure;

import static dev.checkpointer.spring.boot.autoconfigure.StartupFailures.rootCause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.store.azure.AzureBlobStoreProvider;
import dev.checkpointer.store.filesystem.FileSystemStoreProvider;
import dev.checkpointer.store.gcs.GcsStoreProvider;
import dev.checkpointer.store.s3.S3StoreProvider;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Store options set the Spring way: kebab-case keys, environment variables (through Spring's
 * {@link SystemEnvironmentPropertySource}, which is how Boot reads them), and the typed provider groups.
 */
class StoreOptionsBindingTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CheckpointerAutoConfiguration.class));

    @TempDir
    Path dir;

    /** The runner with the given map as the process environment, in place of the real one. */
    private ApplicationContextRunner withEnvironment(Map<String, Object> env) {
        return runner.withInitializer(ctx -> ctx.getEnvironment().getPropertySources().replace(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env)));
    }

    private String fileUri() {
        return dir.toUri().toString();
    }

    @Test
    void environmentVariablesSetTheLocationAndOptionsInAnySpelling() {
        withEnvironment(Map.of("CHECKPOINTER_LOCATION", fileUri(),
                "CHECKPOINTER_OPTIONS_READCHUNKSIZE", "64KiB",
                "CHECKPOINTER_OPTIONS_CREATE_ROOT", "true",
                "CHECKPOINTER_OPTIONS_FSYNC", "false")).run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(ObjectStore.class).describe()).startsWith("file:/");
                    assertThat(ctx.getBean(CheckpointerProperties.class).getOptions())
                            .containsEntry("readchunksize", "64KiB").containsEntry("create.root", "true").containsEntry("fsync", "false");
                    ctx.getBean(Checkpointer.class).save(TestSnapshots.of("env")).block();
                    assertThat(dir.resolve("_latest")).exists();
                });
    }

    /**
     * A mistyped path: by default it reads as an empty location and creates nothing until the first save; with
     * {@code checkpointer.filesystem.create-root=false} (or CHECKPOINTER_FILESYSTEM_CREATEROOT) every read fails naming it.
     */
    @Test
    void aMissingDirectoryIsNeverCreatedByAReadAndCanBeRequiredToExist() {
        Path typo = dir.resolve("checkpionts");
        runner.withPropertyValues("checkpointer.location=" + typo.toUri()).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThat(ctx.getBean(Checkpointer.class).latest().blockOptional()).isEmpty();
            assertThat(typo).doesNotExist();
        });
        withEnvironment(Map.of("CHECKPOINTER_LOCATION", typo.toUri().toString(), "CHECKPOINTER_FILESYSTEM_CREATEROOT", "false")).run(ctx -> {
            assertThat(ctx).hasNotFailed();
            assertThatThrownBy(() -> ctx.getBean(Checkpointer.class).latest().block())
                    .isInstanceOfSatisfying(dev.checkpointer.StoreException.class,
                            e -> assertThat(e.code()).isEqualTo(dev.checkpointer.ErrorCode.STORE_LOCATION_NOT_FOUND))
                    .hasMessageContaining("no checkpoint location at").hasMessageContaining("checkpionts");
            assertThatThrownBy(() -> ctx.getBean(Checkpointer.class).save(TestSnapshots.of("x")).block())
                    .hasMessageContaining("no checkpoint location at");
            assertThat(typo).doesNotExist();
        });
    }

    @Test
    void theFilesystemGroupSetsPermissions() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix"));
        Path root = dir.resolve("shared");
        runner.withPropertyValues("checkpointer.location=" + root.toUri(), "checkpointer.filesystem.permissions=group-read").run(ctx -> {
            assertThat(ctx).hasNotFailed();
            ctx.getBean(Checkpointer.class).save(TestSnapshots.of("perm")).block();
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(root.resolve("_latest"))))
                    .isEqualTo("rw-r-----");
        });
    }

    /** The store got the value under its own option name: its complaint names readChunkSize, not an unknown option. */
    @Test
    void anEnvironmentVariableOptionReachesTheStoreOption() {
        withEnvironment(Map.of("CHECKPOINTER_LOCATION", fileUri(), "CHECKPOINTER_OPTIONS_READCHUNKSIZE", "banana")).run(ctx ->
                assertThat(rootCause(ctx)).isInstanceOf(CheckpointerConfigurationException.class)
                        .hasMessageContaining("readChunkSize").hasMessageNotContaining("unknown"));
    }

    @Test
    void kebabCaseKeysReachTheStoreOption() {
        runner.withPropertyValues("checkpointer.location=" + fileUri(), "checkpointer.options.read-chunk-size=banana").run(ctx ->
                assertThat(rootCause(ctx)).hasMessageContaining("readChunkSize").hasMessageNotContaining("unknown"));
        runner.withPropertyValues("checkpointer.location=" + fileUri(), "checkpointer.options.read-chunk-size=64KiB",
                "checkpointer.options.create-root=true").run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(Checkpointer.class));
    }

    @Test
    void anUnknownOptionSpeltLooselyIsRefusedNamingItAndTheKnownOnes() {
        withEnvironment(Map.of("CHECKPOINTER_LOCATION", fileUri(), "CHECKPOINTER_OPTIONS_READ_CHUNK_SIZ", "1")).run(ctx -> {
            Throwable cause = rootCause(ctx);
            assertThat(cause).hasMessageContaining("unknown filesystem store option(s) [read.chunk.siz]").hasMessageContaining("readChunkSize");
            FailureAnalysis analysis = new CheckpointerFailureAnalyzer().analyze(ctx.getStartupFailure());
            assertThat(analysis.getAction()).contains("checkpointer.options");
        });
    }

    /** An option overrides the location's query parameter of the same name however either is spelt. */
    @Test
    void anOptionOverridesTheQueryParameterSpeltDifferently() {
        runner.withPropertyValues("checkpointer.location=" + fileUri() + "?readChunkSize=banana", "checkpointer.options.read-chunk-size=64KiB")
                .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(Checkpointer.class));
        withEnvironment(Map.of("CHECKPOINTER_LOCATION", fileUri() + "?READ_CHUNK_SIZE=banana", "CHECKPOINTER_OPTIONS_READCHUNKSIZE", "64KiB"))
                .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(Checkpointer.class));
    }

    @Test
    void theGroupOfTheLocationsSchemeSetsStoreOptions() {
        runner.withPropertyValues("checkpointer.location=" + fileUri(), "checkpointer.filesystem.threads=0").run(ctx ->
                assertThat(rootCause(ctx)).hasMessageContaining("threads"));
        withEnvironment(Map.of("CHECKPOINTER_LOCATION", fileUri(), "CHECKPOINTER_FILESYSTEM_READCHUNKSIZE", "64KB",
                "CHECKPOINTER_FILESYSTEM_FSYNC", "false", "CHECKPOINTER_FILESYSTEM_THREADS", "2")).run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(StoreOptionsResolver.resolve(ctx.getBean(CheckpointerProperties.class)))
                            .containsEntry("readChunkSize", "65536").containsEntry("fsync", "false").containsEntry("threads", "2");
                });
    }

    @Test
    void groupsOfOtherSchemesAreIgnored() {
        runner.withPropertyValues("checkpointer.location=" + fileUri(), "checkpointer.s3.region=eu-west-1",
                "checkpointer.azure.sas-token=sv=2025&sig=ignored", "checkpointer.gcs.project=p").run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(Checkpointer.class);
                    assertThat(StoreOptionsResolver.resolve(ctx.getBean(CheckpointerProperties.class))).isEmpty();
                });
    }

    @Test
    void theS3GroupConfiguresTheStoresOwnClient() {
        String secret = "s3-secret-never-shown";
        runner.withPropertyValues("checkpointer.location=s3://bucket/prefix", "checkpointer.use-client-beans=false",
                "checkpointer.s3.region=eu-west-1", "checkpointer.s3.endpoint=http://127.0.0.1:9", "checkpointer.s3.path-style-access=true",
                "checkpointer.s3.access-key-id=AKIAEXAMPLEID", "checkpointer.s3.secret-access-key=" + secret).run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    ObjectStore store = ctx.getBean(ObjectStore.class);
                    assertThat(store.describe()).startsWith("s3://");
                    assertThat(store.toString()).contains("region=eu-west-1", "endpoint=http://127.0.0.1:9", "(path style)")
                            .doesNotContain(secret, "AKIAEXAMPLEID");
                });
    }

    /** A value set in a group and in checkpointer.options is an error naming both properties, never the values. */
    @Test
    void aGroupPropertyAndAnOptionForTheSameStoreOptionStopStartup() {
        withEnvironment(Map.of("CHECKPOINTER_LOCATION", fileUri(), "CHECKPOINTER_OPTIONS_THREADS", "4"))
                .withPropertyValues("checkpointer.filesystem.threads=2").run(ctx ->
                        assertThat(rootCause(ctx)).isInstanceOf(CheckpointerConfigurationException.class)
                                .hasMessage("checkpointer.filesystem.threads and checkpointer.options.threads both set the file store option 'threads'"));
        String groupSecret = "group-secret-value-1";
        String optionSecret = "option-secret-value-2";
        runner.withPropertyValues("checkpointer.location=s3://bucket/prefix", "checkpointer.s3.secret-access-key=" + groupSecret,
                "checkpointer.options.secret-access-key=" + optionSecret).run(ctx -> {
                    Throwable cause = rootCause(ctx);
                    assertThat(cause).hasMessageContaining("checkpointer.s3.secret-access-key and checkpointer.options.secret-access-key")
                            .hasMessageContaining("'secretAccessKey'");
                    FailureAnalysis analysis = new CheckpointerFailureAnalyzer().analyze(ctx.getStartupFailure());
                    assertThat(analysis.getDescription() + analysis.getAction() + cause).doesNotContain(groupSecret, optionSecret);
                    assertThat(analysis.getAction()).contains("CHECKPOINTER_S3_SECRETACCESSKEY");
                });
    }

    /** Each group property sets an option its store module really accepts, and is secret exactly when the store says so. */
    @Test
    void groupsMapOntoTheStoreModulesOptions() throws Exception {
        Map<String, ObjectStoreProvider> providers = Map.of("s3", new S3StoreProvider(), "azblob", new AzureBlobStoreProvider(),
                "gs", new GcsStoreProvider(), "file", new FileSystemStoreProvider());
        Map<String, Set<String>> known = new HashMap<>();
        Map<String, Set<String>> secret = new HashMap<>();
        providers.forEach((scheme, p) -> {
            known.put(scheme, p.optionNames());
            secret.put(scheme, p.secretOptionNames());
        });
        Set<String> schemes = new HashSet<>();
        for (CheckpointerProperties.StoreGroup group : new CheckpointerProperties().storeGroups()) {
            schemes.add(group.scheme());
            for (StoreGroupSetting s : group.settings()) {
                assertThat(known.get(group.scheme())).as(s.property()).contains(s.option());
                assertThat(s.secret()).as(s.property() + " is secret").isEqualTo(secret.get(group.scheme()).contains(s.option()));
            }
        }
        assertThat(schemes).containsExactlyInAnyOrder("s3", "azblob", "gs", "file");
        Set<String> allSecrets = new HashSet<>();
        providers.values().forEach(p -> allSecrets.addAll(p.secretOptionNames()));
        assertThat(StoreOptionsResolver.KNOWN_SECRET_OPTIONS).isEqualTo(allSecrets);
        assertThat(StoreOptionsResolver.SECRET_OPTIONS).containsAll(allSecrets);
    }

    /** The configuration processor describes every group property for IDEs. */
    @Test
    void ideMetadataDescribesEveryGroupProperty() throws Exception {
        JsonNode metadata = null;
        for (URL url : Collections.list(getClass().getClassLoader().getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                JsonNode candidate = new ObjectMapper().readTree(in);
                if (candidate.path("groups").toString().contains("\"checkpointer.s3\"")) {
                    metadata = candidate;
                }
            }
        }
        assertThat(metadata).as("the starter's generated metadata").isNotNull();
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        metadata.path("properties").forEach(p -> properties.put(p.path("name").asText(), p));
        for (CheckpointerProperties.StoreGroup group : new CheckpointerProperties().storeGroups()) {
            for (StoreGroupSetting s : group.settings()) {
                assertThat(properties).as(s.property()).containsKey(s.property());
                assertThat(properties.get(s.property()).path("description").asText()).as(s.property())
                        .contains("store option " + s.option());
            }
        }
    }

    /** The IDE's key hints for checkpointer.options.* list exactly the options the store modules accept. */
    @Test
    void ideHintsListEveryStoreOption() throws Exception {
        Set<String> all = new HashSet<>();
        for (ObjectStoreProvider p : List.of(new S3StoreProvider(), new AzureBlobStoreProvider(), new GcsStoreProvider(), new FileSystemStoreProvider())) {
            all.addAll(p.optionNames());
        }
        Set<String> hinted = new HashSet<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/additional-spring-configuration-metadata.json")) {
            for (JsonNode hint : new ObjectMapper().readTree(in).path("hints")) {
                if (hint.path("name").asText().equals("checkpointer.options.keys")) {
                    hint.path("values").forEach(v -> hinted.add(v.path("value").asText()));
                }
            }
        }
        Set<String> canonicalAll = new HashSet<>();
        all.forEach(o -> canonicalAll.add(StoreOptionsResolver.canonical(o)));
        Set<String> canonicalHinted = new HashSet<>();
        hinted.forEach(h -> canonicalHinted.add(StoreOptionsResolver.canonical(h)));
        assertThat(canonicalHinted).isEqualTo(canonicalAll);
    }

    @Test
    void schemesAreReadLikeTheLocator() {
        Map<String, String> cases = new HashMap<>();
        cases.put("S3://bucket", "s3");
        cases.put("file:./x", "file");
        cases.put(" azblob://c/p", "azblob");
        cases.forEach((location, scheme) -> assertThat(StoreOptionsResolver.scheme(location)).isEqualTo(scheme));
        assertThat(StoreOptionsResolver.scheme("no-scheme")).isNull();
        assertThat(StoreOptionsResolver.scheme(null)).isNull();
    }
}

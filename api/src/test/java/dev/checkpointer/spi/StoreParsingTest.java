package dev.checkpointer.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.OperatorNames;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoreParsingTest {

    @Test
    void aLocationSplitsIntoContainerPrefixAndOptions() {
        StoreLocation l = StoreLocation.parse(URI.create("s3://my-bucket/jobs/clicks/?region=eu-west-1&pathStyle=true"));
        assertThat(l.scheme()).isEqualTo("s3");
        assertThat(l.container()).isEqualTo("my-bucket");
        assertThat(l.prefix()).isEqualTo("jobs/clicks");
        assertThat(l.options()).containsEntry("region", "eu-west-1").containsEntry("pathStyle", "true");
        assertThat(l.resolve("_latest")).isEqualTo("jobs/clicks/_latest");
        assertThat(l.relativize("jobs/clicks/_latest")).isEqualTo("_latest");
        assertThat(l.toString()).isEqualTo("s3://my-bucket/jobs/clicks");
    }

    @Test
    void badLocationsAreRefusedWithoutEchoingSecrets() {
        assertThatThrownBy(() -> StoreLocation.parse(URI.create("s3:///prefix"))).isInstanceOf(InvalidInputException.class).hasMessageContaining("bucket");
        assertThatThrownBy(() -> StoreLocation.parse(URI.create("s3://key:secret@bucket/p")))
                .isInstanceOf(InvalidInputException.class).hasMessageNotContaining("secret");
        assertThatThrownBy(() -> StoreLocation.parse(URI.create("s3://b/p?a=1&a=2"))).hasMessageContaining("twice");
        assertThatThrownBy(() -> StoreLocation.parse(URI.create("s3://b/a/../b"))).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void optionsAreCheckedAndSecretsRedacted() {
        Set<String> known = Set.of("region", "secretKey", "partSize", "timeout");
        StoreOptions o = StoreOptions.of("s3", Map.of("region", "x", "secretKey", "hunter2", "partSize", "16MiB", "timeout", "30s"), known, Set.of("secretKey"));
        assertThat(o.size("partSize", 1)).isEqualTo(16L * 1024 * 1024);
        assertThat(o.duration("timeout", Duration.ZERO)).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.toString()).doesNotContain("hunter2").contains("****");
        assertThatThrownBy(() -> StoreOptions.of("s3", Map.of("regoin", "x"), known, Set.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("regoin").hasMessageContaining("region");
        StoreOptions bad = StoreOptions.of("s3", Map.of("secretKey", "hunter2"), known, Set.of("secretKey"));
        assertThatThrownBy(() -> bad.size("secretKey", 1)).hasMessageNotContaining("hunter2");
    }

    @ParameterizedTest
    @ValueSource(strings = {"readChunkSize", "read-chunk-size", "READ_CHUNK_SIZE", "readchunksize", "read.chunk.size", "Read-Chunk_Size"})
    void optionNamesMatchWhateverSpellingRelaxedBindingOrAnEnvironmentVariableGivesThem(String spelling) {
        StoreOptions o = StoreOptions.of("file", Map.of(spelling, "2MiB"), Set.of("readChunkSize", "fsync"), Set.of());
        assertThat(o.size("readChunkSize", 1)).isEqualTo(2L * 1024 * 1024);
        assertThat(o.toString()).contains("readChunkSize=2MiB");
    }

    @Test
    void anOptionOverridesTheQueryParameterOfTheSameNameHoweverEitherIsSpelt() {
        Map<String, String> query = new java.util.LinkedHashMap<>();
        query.put("READ_CHUNK_SIZE", "1MiB");
        query.put("fsync", "true");
        Map<String, String> merged = StoreOptions.overlay(query, Map.of("read-chunk-size", "2MiB", "threads", "3"));
        assertThat(merged).containsExactly(Map.entry("READ_CHUNK_SIZE", "2MiB"), Map.entry("fsync", "true"), Map.entry("threads", "3"));
        StoreOptions o = StoreOptions.of("file", merged, Set.of("readChunkSize", "fsync", "threads"), Set.of());
        assertThat(o.size("readChunkSize", 1)).isEqualTo(2L * 1024 * 1024);
    }

    @Test
    void twoSpellingsOfOneOptionAreRefusedAndASecretSpelledLooselyStaysSecret() {
        assertThatThrownBy(() -> StoreOptions.of("file", Map.of("readChunkSize", "1MiB", "read-chunk-size", "2MiB"), Set.of("readChunkSize"), Set.of()))
                .isExactlyInstanceOf(InvalidInputException.class).hasMessageContaining("twice").hasMessageContaining("readChunkSize")
                .hasMessageContaining("read-chunk-size");
        StoreOptions o = StoreOptions.of("azblob", Map.of("CONNECTION_STRING", "AccountKey=hunter2"), Set.of("connectionString"),
                Set.of("connectionString"));
        assertThat(o.string("connectionString")).contains("AccountKey=hunter2");
        assertThat(o.toString()).doesNotContain("hunter2");
        assertThatThrownBy(() -> o.size("connectionString", 1)).hasMessageNotContaining("hunter2").hasMessageContaining("connectionString");
        assertThatThrownBy(() -> StoreOptions.of("s3", Map.of("reg-ion-x", "x"), Set.of("region"), Set.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("reg-ion-x");
    }

    @ParameterizedTest
    @ValueSource(strings = {"99999999999g", "9223372036854775807k", "99999999999999999999", "0", "-1MiB", "12 parsecs", ""})
    void aSizeThatIsMalformedOrOverflowsIsAnInvalidOptionNamingIt(String size) {
        StoreOptions o = StoreOptions.of("file", Map.of("readChunkSize", size), Set.of("readChunkSize"), Set.of());
        assertThatThrownBy(() -> o.size("readChunkSize", 1))
                .isExactlyInstanceOf(InvalidInputException.class).hasMessageContaining("readChunkSize").hasMessageContaining("a size such as");
    }

    @Test
    void storePrefixesDropTheirOuterSlashesAndAreCheckedLikeKeys() {
        assertThat(StoreKeys.normalizePrefix("")).isEmpty();
        assertThat(StoreKeys.normalizePrefix("///")).isEmpty();
        assertThat(StoreKeys.normalizePrefix("/jobs/clicks/")).isEqualTo("jobs/clicks");
        assertThat(StoreKeys.normalizePrefix("jobs")).isEqualTo("jobs");
        for (String bad : new String[] {"a//b", "a/../b", "/./", "x\\y"}) {
            assertThatThrownBy(() -> StoreKeys.normalizePrefix(bad)).as(bad).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> StoreKeys.normalizePrefix(null)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/abs", "a//b", "a/../b", "..", "a/./b", "back\\slash", "ctl\u0001x", "trailing/"})
    void hostileKeysAreRefused(String key) {
        assertThatThrownBy(() -> StoreKeys.validate(key)).isInstanceOf(InvalidInputException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"counts", "..etc", "%2F", "naïve ☃", "x y", "...", "a.b", "a:b?c#d"})
    void operatorNamesEncodeIntoOneSafeSegmentAndBack(String name) {
        String enc = OperatorNames.encode(name);
        assertThat(enc).doesNotContain("/").isNotEqualTo("..").isNotEqualTo(".");
        assertThat(StoreKeys.validate("checkpoints/1/" + enc + "/0.snapshot")).isNotNull();
        assertThat(OperatorNames.decode(enc)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "../../etc", "a\\b", "tab\tx", "nul\u0000", "\ud800"})
    void hostileOperatorNamesAreRefusedClearly(String name) {
        assertThatThrownBy(() -> OperatorNames.validate(name)).isInstanceOf(InvalidInputException.class).hasMessageContaining("operator name");
    }

    @Test
    void aTenKilobyteOperatorNameIsRefused() {
        assertThatThrownBy(() -> OperatorNames.validate("x".repeat(10_000)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("10000").hasMessageContaining("200");
    }

    @Test
    void idsParseStrictly() {
        assertThat(CheckpointId.parse("00000000000000000042")).isEqualTo(CheckpointId.of(42));
        assertThat(CheckpointId.of(42).padded()).isEqualTo("00000000000000000042");
        for (String bad : new String[] {"", "0", "-1", "1e3", "99999999999999999999", " 1"}) {
            assertThatThrownBy(() -> CheckpointId.parse(bad)).as(bad).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void everyIdHasASuccessor() {
        assertThat(CheckpointId.of(CheckpointId.MAX_VALUE - 1).next().value()).isEqualTo(CheckpointId.MAX_VALUE);
        assertThatThrownBy(() -> CheckpointId.of(Long.MAX_VALUE))
                .isExactlyInstanceOf(InvalidInputException.class).hasMessageContaining("so that an id can follow it");
        assertThatThrownBy(() -> CheckpointId.parse(Long.toString(Long.MAX_VALUE))).isExactlyInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> CheckpointId.of(CheckpointId.MAX_VALUE).next())
                .isExactlyInstanceOf(InvalidInputException.class).hasMessageContaining("no checkpoint id follows");
    }

    @Test
    void anUnknownSchemeNamesWhatIsAvailable() {
        assertThatThrownBy(() -> Checkpointer.open("nosuch://bucket/prefix"))
                .isInstanceOf(CheckpointException.class)
                .satisfies(e -> assertThat(((CheckpointException) e).code()).isEqualTo(ErrorCode.CONFIGURATION))
                .hasMessageContaining("'nosuch'").hasMessageContaining("schemes found");
        assertThatThrownBy(() -> Checkpointer.open("no scheme here")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Checkpointer.builder().build()).isInstanceOf(InvalidInputException.class).hasMessageContaining("store");
        assertThatThrownBy(() -> Checkpointer.builder().maxConcurrentUploads(0)).hasMessageContaining("maxConcurrentUploads");
        assertThatThrownBy(() -> Checkpointer.builder().partSize(10)).hasMessageContaining("partSize");
    }
}

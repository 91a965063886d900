package dev.checkpointer.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.checkpointer.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The {@code ifSet} family: only options that are given reach the setter, parsed and checked like their getters. */
class StoreOptionsApplyTest {
    private static final Set<String> KNOWN = Set.of("endpoint", "fsync", "threads", "chunkSize", "connectTimeout");

    @Test
    void givenOptionsReachTheirSettersParsed() {
        List<Object> seen = new ArrayList<>();
        StoreOptions.of("test", Map.of("endpoint", "http://h:1", "fsync", "false", "threads", "3", "chunk-size", "8MiB",
                        "CONNECT_TIMEOUT", "250ms"), KNOWN, Set.of())
                .ifSet("endpoint", seen::add).ifBool("fsync", seen::add).ifPositiveInt("threads", seen::add)
                .ifSize("chunkSize", seen::add).ifDuration("connectTimeout", seen::add);
        assertThat(seen).containsExactly("http://h:1", false, 3, 8L * 1024 * 1024, Duration.ofMillis(250));
    }

    @Test
    void absentOptionsNeverReachTheirSetters() {
        List<Object> seen = new ArrayList<>();
        StoreOptions.of("test", Map.of(), KNOWN, Set.of())
                .ifSet("endpoint", seen::add).ifBool("fsync", seen::add).ifPositiveInt("threads", seen::add)
                .ifSize("chunkSize", seen::add).ifDuration("connectTimeout", seen::add);
        assertThat(seen).isEmpty();
    }

    @Test
    void malformedValuesAreRefusedNamingTheOption() {
        StoreOptions o = StoreOptions.of("test", Map.of("fsync", "maybe", "threads", "0", "chunkSize", "lots", "connectTimeout", "soon"), KNOWN, Set.of());
        assertThatThrownBy(() -> o.ifBool("fsync", v -> {})).isInstanceOf(InvalidInputException.class).hasMessageContaining("fsync");
        assertThatThrownBy(() -> o.ifPositiveInt("threads", v -> {})).isInstanceOf(InvalidInputException.class).hasMessageContaining("threads");
        assertThatThrownBy(() -> o.ifSize("chunkSize", v -> {})).isInstanceOf(InvalidInputException.class).hasMessageContaining("chunkSize");
        assertThatThrownBy(() -> o.ifDuration("connectTimeout", v -> {})).isInstanceOf(InvalidInputException.class).hasMessageContaining("connectTimeout");
    }
}

package dev.checkpointer.examples.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class JobConfigTest {
    @Test
    void parsesSettingsAndStoreOptions() {
        JobConfig c = JobConfig.parse("bootstrap=127.0.0.1:9092", "input=in", "output=out", "location=s3://b/p",
                "store.endpoint=http://127.0.0.1:9090", "store.secretAccessKey=s3cr3t", "every=7", "until-end=true", "job=j",
                "pause-at=saved:2,consumed:9", "pause-after=40");
        assertThat(c.storeOptions()).containsEntry("endpoint", "http://127.0.0.1:9090").containsEntry("secretAccessKey", "s3cr3t");
        assertThat(c.every()).isEqualTo(7);
        assertThat(c.untilEnd()).isTrue();
        assertThat(c.pauseAt()).contains("saved:2,consumed:9");
        assertThat(c.pauseAfter()).isEqualTo(40);
        assertThat(c.transactionalId()).isEqualTo("j-sink");
        assertThat(c.epochGroup()).isEqualTo("j-sink-epochs");
    }

    @Test
    void toStringNamesStoreOptionsButNeverTheirValues() {
        JobConfig c = JobConfig.parse("bootstrap=b", "input=i", "output=o", "location=s3://b/p", "store.secretAccessKey=s3cr3t");
        assertThat(c.toString()).contains("secretAccessKey").doesNotContain("s3cr3t");
    }

    @Test
    void refusesUnknownMissingAndMalformedSettings() {
        assertThatThrownBy(() -> JobConfig.parse("bootstrap=b", "input=i", "output=o", "location=l", "evry=5"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown setting 'evry'");
        assertThatThrownBy(() -> JobConfig.parse("bootstrap=b", "input=i", "output=o"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing setting location");
        assertThatThrownBy(() -> JobConfig.parse("bootstrap"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected name=value");
        assertThatThrownBy(() -> JobConfig.parse("bootstrap=b", "input=i", "output=o", "location=l", "every=0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every must be positive");
    }
}

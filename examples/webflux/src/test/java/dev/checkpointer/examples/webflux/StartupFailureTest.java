package dev.checkpointer.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** A store the class path cannot serve stops the application with Spring Boot's failure report, not a stack trace. */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureTest {

    @Test
    void missingStoreModuleIsReportedWithTheArtifactToAdd(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(CounterApplication.class)
                .run("--server.port=0", "--checkpointer.location=gs://bucket/counters"))
                .hasRootCauseInstanceOf(dev.checkpointer.spring.boot.autoconfigure.CheckpointerConfigurationException.class);
        assertThat(output).contains("APPLICATION FAILED TO START")
                .contains("no store module on the class path handles scheme 'gs'")
                .contains("Add the dependency dev.checkpointer:checkpointer-store-gcs");
    }
}

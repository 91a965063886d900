package dev.checkpointer.spring.boot.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

/** Reads why a test context failed to start. */
final class StartupFailures {
    private StartupFailures() {}

    /** The {@link CheckpointerConfigurationException} that stopped startup, or the deepest cause when there is none. */
    static Throwable rootCause(AssertableApplicationContext ctx) {
        Throwable t = ctx.getStartupFailure();
        assertThat(t).as("startup failure").isNotNull();
        while (t.getCause() != null && !(t instanceof CheckpointerConfigurationException)) {
            t = t.getCause();
        }
        return t;
    }
}

package dev.checkpointer.spring.boot.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a {@link CheckpointerConfigurationException} at startup into Spring Boot's "APPLICATION FAILED TO START"
 * report with a description and an action, instead of a stack trace.
 */
public class CheckpointerFailureAnalyzer extends AbstractFailureAnalyzer<CheckpointerConfigurationException> {

    /** Used by Spring Boot through {@code META-INF/spring.factories}. */
    public CheckpointerFailureAnalyzer() {}

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, CheckpointerConfigurationException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}

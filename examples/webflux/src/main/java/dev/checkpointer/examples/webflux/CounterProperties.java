package dev.checkpointer.examples.webflux;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the example: {@code counter.*}.
 */
@ConfigurationProperties(prefix = "counter")
public class CounterProperties {

    /**
     * Time between periodic checkpoints.
     */
    private Duration checkpointInterval = Duration.ofSeconds(30);

    /**
     * Whether to save a last checkpoint when the application shuts down gracefully.
     */
    private boolean checkpointOnShutdown = true;

    /** Creates the defaults. */
    public CounterProperties() {}

    /**
     * Time between periodic checkpoints.
     *
     * @return the interval
     */
    public Duration getCheckpointInterval() {
        return checkpointInterval;
    }

    /**
     * Sets the time between periodic checkpoints.
     *
     * @param checkpointInterval positive
     */
    public void setCheckpointInterval(Duration checkpointInterval) {
        this.checkpointInterval = checkpointInterval;
    }

    /**
     * Whether to checkpoint at shutdown.
     *
     * @return true to checkpoint at shutdown
     */
    public boolean isCheckpointOnShutdown() {
        return checkpointOnShutdown;
    }

    /**
     * Sets whether to checkpoint at shutdown.
     *
     * @param checkpointOnShutdown true to checkpoint at shutdown
     */
    public void setCheckpointOnShutdown(boolean checkpointOnShutdown) {
        this.checkpointOnShutdown = checkpointOnShutdown;
    }
}

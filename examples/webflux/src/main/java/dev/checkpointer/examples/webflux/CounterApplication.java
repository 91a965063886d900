package dev.checkpointer.examples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Counts events per key, checkpoints the counts periodically (and on demand, and at shutdown) to the store named by
 * {@code checkpointer.location}, and restores them at startup.
 */
@SpringBootApplication
@EnableConfigurationProperties(CounterProperties.class)
public class CounterApplication {

    /** Used by Spring. */
    public CounterApplication() {}

    /**
     * Starts the service.
     *
     * @param args command-line arguments, e.g. {@code --checkpointer.location=file:./checkpoints}
     */
    public static void main(String[] args) {
        SpringApplication.run(CounterApplication.class, args);
    }
}

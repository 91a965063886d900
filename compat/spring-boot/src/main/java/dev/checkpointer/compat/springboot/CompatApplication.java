package dev.checkpointer.compat.springboot;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * The application the compatibility test starts: the starter's auto-configured {@link Checkpointer} behind one HTTP
 * operation, and the actuator (see {@code application.properties}). It uses only what a user would: the starter, a
 * store module and Spring Boot's public API, in the packages that are the same in Boot 3 and 4.
 */
@SpringBootApplication
public class CompatApplication {

    /**
     * Starts the application.
     *
     * @param args Spring Boot arguments
     */
    public static void main(String[] args) {
        SpringApplication.run(CompatApplication.class, args);
    }

    /**
     * Once ready, writes the port it listens on to the file named by the system property {@code compat.port-file} (the
     * test starts it on port 0). Written to a temporary file and moved, so that a reader never sees half of it.
     *
     * @param environment holds {@code local.server.port}
     * @return the listener
     */
    @Bean
    ApplicationListener<ApplicationReadyEvent> portFileWriter(Environment environment) {
        return event -> {
            String file = System.getProperty("compat.port-file");
            if (file == null) {
                return;
            }
            Path target = Path.of(file);
            try {
                Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "port", ".tmp");
                Files.writeString(tmp, environment.getRequiredProperty("local.server.port"));
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    /** Saves checkpoints on request. */
    @RestController
    static class SaveController {
        private final Checkpointer checkpointer;

        SaveController(Checkpointer checkpointer) {
            this.checkpointer = checkpointer;
        }

        /**
         * Saves one checkpoint holding {@code text} as partition 0 of operator {@code compat}.
         *
         * @param text the state
         * @return the id of the committed checkpoint
         */
        @PostMapping("/save")
        Mono<Long> save(@RequestParam("text") String text) {
            Snapshot snapshot = Snapshot.builder()
                    .partition("compat", 0, Payload.of(text.getBytes(StandardCharsets.UTF_8)))
                    .offsets("events", Map.of("0", String.valueOf(text.length())))
                    .build();
            return checkpointer.save(snapshot).map(m -> m.id().value());
        }
    }
}

package dev.checkpointer.examples.webflux;

import dev.checkpointer.Manifest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The HTTP API: {@code POST /events} (one event or a JSON array of them), {@code GET /counts},
 * {@code POST /checkpoint}.
 */
@RestController
public class CounterController {
    private final Counters counters;
    private final CheckpointService checkpoints;

    /**
     * Creates the controller.
     *
     * @param counters the state
     * @param checkpoints the checkpoint service
     */
    public CounterController(Counters counters, CheckpointService checkpoints) {
        this.counters = counters;
        this.checkpoints = checkpoints;
    }

    /**
     * Applies events.
     *
     * @param events one event or a JSON array of events
     * @return how many were applied
     */
    @PostMapping("/events")
    @ResponseStatus(HttpStatus.ACCEPTED)
    public Mono<Map<String, Long>> events(@RequestBody Flux<Event> events) {
        return events.map(e -> {
            if (e.key() == null || e.key().isBlank()) {
                throw new ResponseStatusException(HttpStatus.BAD_REQUEST, "an event needs a key");
            }
            counters.add(e.key(), e.amount() == null ? 1 : e.amount());
            return 1L;
        }).count().map(n -> Map.of("accepted", n));
    }

    /**
     * The counts.
     *
     * @return counts per key, sorted by key
     */
    @GetMapping("/counts")
    public SortedMap<String, Long> counts() {
        return counters.counts();
    }

    /**
     * Saves a checkpoint now.
     *
     * @return the checkpoint's id, epoch, creation time and size
     */
    @PostMapping("/checkpoint")
    public Mono<Map<String, Object>> checkpoint() {
        return checkpoints.checkpoint().map(CounterController::describe);
    }

    private static Map<String, Object> describe(Manifest m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", m.id() == null ? null : m.id().value());
        out.put("epoch", m.epoch());
        out.put("createdAt", String.valueOf(m.createdAt()));
        out.put("bytes", m.totalBytes());
        return out;
    }

    /**
     * One event.
     *
     * @param key the counter
     * @param amount added to it (default 1)
     */
    public record Event(String key, Long amount) {}
}

package dev.checkpointer.examples.webflux;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Ties the counters to the checkpointer: restores the latest checkpoint when the application starts (before the web
 * server accepts traffic), saves periodically with {@link Checkpointer#every}, on demand, and once more at shutdown.
 */
@Service
public class CheckpointService implements SmartLifecycle {
    /** Operator name of the counts partition. */
    static final String OPERATOR = "counts";
    /** Source name under which the number of applied events is recorded. */
    static final String SOURCE = "events";

    private static final Logger log = LoggerFactory.getLogger(CheckpointService.class);
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(2);

    private final Checkpointer checkpointer;
    private final Counters counters;
    private final CounterProperties properties;
    private volatile Disposable periodic;
    private volatile boolean running;

    /**
     * Creates the service.
     *
     * @param checkpointer the auto-configured checkpointer
     * @param counters the state
     * @param properties the settings
     */
    public CheckpointService(Checkpointer checkpointer, Counters counters, CounterProperties properties) {
        this.checkpointer = checkpointer;
        this.counters = counters;
        this.properties = properties;
    }

    /**
     * Saves a checkpoint of the current counts now.
     *
     * @return the committed manifest
     */
    public Mono<Manifest> checkpoint() {
        return checkpointer.save(snapshot());
    }

    /**
     * Restores the newest checkpoint into the counters, if there is one.
     *
     * @return the restored manifest; empty when there was none
     */
    public Mono<Manifest> restore() {
        return checkpointer.latest().flatMap(this::restoreFrom);
    }

    private Mono<Manifest> restoreFrom(Checkpoint cp) {
        return cp.read(OPERATOR, 0).map(buffer -> {
            Manifest m = cp.manifest();
            long applied = Optional.ofNullable(m.offsets().get(SOURCE)).map(o -> o.get("applied")).map(Long::parseLong).orElse(0L);
            counters.restore(new Counters.State(Counters.decode(toArray(buffer)), applied));
            return m;
        });
    }

    private Snapshot snapshot() {
        Counters.State state = counters.state();
        return Snapshot.builder()
                .partition(OPERATOR, 0, Payload.of(Counters.encode(state)))
                .offsets(SOURCE, Map.of("applied", Long.toString(state.applied())))
                .build();
    }

    private static byte[] toArray(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.get(out);
        return out;
    }

    /** Restores, then starts the periodic checkpoints. */
    @Override
    public void start() {
        Manifest restored = restore().block(STARTUP_TIMEOUT);
        if (restored != null) {
            log.info("restored {} counters from checkpoint {}", counters.counts().size(), restored.id());
        } else {
            log.info("no checkpoint yet: starting with empty counters");
        }
        // every() logs, counts and retries a failed checkpoint at the next tick by itself; it ends only when no later
        // checkpoint can succeed (closed, or fenced by a newer instance of this service)
        periodic = checkpointer.every(properties.getCheckpointInterval(), () -> Mono.fromSupplier(this::snapshot))
                .subscribe(m -> log.debug("periodic checkpoint {}", m.id()),
                        e -> log.error("periodic checkpoints stopped: {}", e.toString()));
        running = true;
    }

    /** Stops the periodic checkpoints and, if configured, saves a last checkpoint. */
    @Override
    public void stop() {
        Disposable p = periodic;
        if (p != null) {
            p.dispose();
        }
        if (properties.isCheckpointOnShutdown()) {
            try {
                Manifest m = checkpoint().block(STARTUP_TIMEOUT);
                log.info("final checkpoint {}", m == null ? null : m.id());
            } catch (RuntimeException e) {
                log.warn("final checkpoint failed: {}", e.toString());
            }
        }
        running = false;
    }

    /**
     * Whether started.
     *
     * @return true between start and stop
     */
    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Starts before the web server (which starts in a later phase) and stops after it.
     *
     * @return the phase
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 2048;
    }
}

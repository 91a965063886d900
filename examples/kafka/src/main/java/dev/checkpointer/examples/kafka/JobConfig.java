package dev.checkpointer.examples.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The job's settings, from {@code name=value} arguments.
 *
 * @param bootstrap Kafka bootstrap servers ({@code bootstrap})
 * @param input the topic read ({@code input})
 * @param output the topic written ({@code output})
 * @param location the checkpoint location URI ({@code location}, e.g. {@code file:target/checkpoints})
 * @param storeOptions options for the location's store ({@code store.NAME=value}, e.g. {@code store.endpoint=...})
 * @param jobId names the job: the Kafka transactional id and the consumer group that records the committed epoch
 *     derive from it ({@code job}, default {@code counting-job})
 * @param every records between checkpoints ({@code every}, default 100)
 * @param untilEnd stop after reaching the input's end offsets as seen at start ({@code until-end}, default false:
 *     run until killed)
 * @param pauseAt crash points for tests: {@code POINT:N[,POINT:N...]}; {@code POINT:N} makes the job print {@code @paused} and block the N-th time it
 *     reaches {@code POINT} ({@code pause-at}); the kill test then SIGKILLs it there
 * @param pauseAfter for tests: pause points other than {@code consumed} count only once this many records were
 *     consumed by this run ({@code pause-after}, default 0), so a kill can land deep into the input
 */
public record JobConfig(String bootstrap, String input, String output, String location, Map<String, String> storeOptions,
        String jobId, int every, boolean untilEnd, Optional<String> pauseAt, long pauseAfter) {

    /** Validates and copies. */
    public JobConfig {
        storeOptions = Map.copyOf(storeOptions);
        if (every <= 0) {
            throw new IllegalArgumentException("every must be positive, got " + every);
        }
    }

    /**
     * Parses {@code name=value} arguments.
     *
     * @param args the arguments
     * @return the settings
     * @throws IllegalArgumentException for an unknown name, a missing required one, or a malformed value
     */
    public static JobConfig parse(String... args) {
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> store = new LinkedHashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=value, got '" + arg + "'");
            }
            String name = arg.substring(0, eq);
            String value = arg.substring(eq + 1);
            if (name.startsWith("store.")) {
                store.put(name.substring("store.".length()), value);
            } else if (Map.of("bootstrap", 1, "input", 1, "output", 1, "location", 1, "job", 1, "every", 1, "until-end", 1, "pause-at", 1, "pause-after", 1).containsKey(name)) {
                values.put(name, value);
            } else {
                throw new IllegalArgumentException("unknown setting '" + name + "' (known: bootstrap, input, output, location, job, every, until-end, pause-at, pause-after, store.*)");
            }
        }
        return new JobConfig(required(values, "bootstrap"), required(values, "input"), required(values, "output"),
                required(values, "location"), store, values.getOrDefault("job", "counting-job"),
                Integer.parseInt(values.getOrDefault("every", "100")), Boolean.parseBoolean(values.getOrDefault("until-end", "false")),
                Optional.ofNullable(values.get("pause-at")), Long.parseLong(values.getOrDefault("pause-after", "0")));
    }

    private static String required(Map<String, String> values, String name) {
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing setting " + name + "=...");
        }
        return v;
    }

    /**
     * The Kafka transactional id of the output producer; stable across restarts, so a restarted job fences the one
     * that died and aborts its open transaction.
     *
     * @return the transactional id
     */
    public String transactionalId() {
        return jobId + "-sink";
    }

    /**
     * The consumer group whose committed offsets carry the last committed sink epoch (written inside each output
     * transaction, so it commits atomically with the output).
     *
     * @return the group id
     */
    public String epochGroup() {
        return jobId + "-sink-epochs";
    }

    @Override
    public String toString() {
        // store options may hold secrets: only their names
        return "JobConfig[bootstrap=" + bootstrap + ", input=" + input + ", output=" + output + ", location=" + location
                + ", storeOptions=" + storeOptions.keySet() + ", job=" + jobId + ", every=" + every + ", untilEnd=" + untilEnd
                + ", pauseAt=" + pauseAt.orElse("-") + ", pauseAfter=" + pauseAfter + "]";
    }
}

package dev.checkpointer.examples.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.SinkState;
import dev.checkpointer.SinkStatus;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The exactly-once proof: the job is SIGKILLed again and again at seeded random points (at named steps: after the
 * sink's producer fenced its predecessor, after resuming, while consuming, at a barrier, after the sink prepared, after
 * the checkpoint save, after the transaction's records were sent, after its epoch offset was added, after it committed,
 * after the sink status was marked COMMITTED; the first re-commit after a crash passes the same steps; or after a
 * random delay, which lands anywhere, also in the middle of a save, a status update or a commit), restarted each time, and finally left to finish. The output topic, read with
 * {@code isolation.level=read_committed}, must then equal the output of an uninterrupted run exactly: the same records
 * per key in the same order, hence no loss and no duplicate. Reproduce a failure with {@code -Dkill.seed=SEED}.
 */
@ExtendWith(KafkaBroker.Extension.class)
abstract class AbstractKillTest {
    static final int PARTITIONS = 3;
    static final int KEYS = 12;
    static final int RECORDS = 3000;
    static final int EVERY = 50;

    /** The named points of {@link CountingJob} and how many times a run may pass one before it pauses there. */
    private static final Map<String, Integer> POINTS = new LinkedHashMap<>();

    static {
        POINTS.put("sink-initialized", 1);
        POINTS.put("resumed", 1);
        POINTS.put("started", 1);
        POINTS.put("consumed", 3 * EVERY);
        POINTS.put("barrier", 1);
        POINTS.put("prepared", 1);
        POINTS.put("saved", 1);
        POINTS.put("sink-sent", 1);
        POINTS.put("sink-offsets", 1);
        POINTS.put("sink-committed", 1);
        POINTS.put("checkpointed", 1);
    }

    /** Steps a run passes once, before it reads. */
    private static final java.util.Set<String> STARTUP = java.util.Set.of("sink-initialized", "resumed", "started");

    /** Short name of the store, for topic names and folders. */
    abstract String store();

    /**
     * The location settings of the job ({@code location=...} and {@code store.*=...}).
     *
     * @param name distinguishes the location of one job from another's
     */
    abstract List<String> location(String name);

    /** How many SIGKILLs at least. */
    abstract int kills();

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void outputAfterRepeatedSigkillsEqualsAnUninterruptedRunExactly() throws Exception {
        long seed = Long.getLong("kill.seed", System.nanoTime());
        System.out.println("[" + store() + "] kill test seed " + seed + " (rerun with -Dkill.seed=" + seed + ")");
        Random random = new Random(seed);
        String run = store() + "-" + Long.toHexString(seed & 0xffffffL);
        Path logs = Paths.get(System.getProperty("kafka.workDir", "target/kafka")).resolve("kill-" + run);
        KafkaBroker broker = KafkaBroker.get();
        String input = "in-" + run;
        String referenceOut = "reference-" + run;
        String killedOut = "out-" + run;
        broker.createTopic(input, PARTITIONS);
        broker.createTopic(referenceOut, PARTITIONS);
        broker.createTopic(killedOut, PARTITIONS);
        Map<String, List<String>> expected = produceInput(broker.bootstrap(), input);
        Path classData = logs.resolve("job.jsa");

        // The uninterrupted run.
        JobProcess reference = track(JobProcess.start(logs.resolve("reference.log"), args(broker, input, referenceOut, "reference-" + run, null, 0), classData));
        assertThat(reference.await(120)).as("reference run's exit status; output:\n%s", reference.tail()).isZero();
        Map<String, List<String>> uninterrupted = readCommitted(broker.bootstrap(), referenceOut);
        assertThat(uninterrupted).as("an uninterrupted run counts every record once").isEqualTo(expected);

        // The same job, SIGKILLed again and again.
        Map<String, Integer> killedAt = new TreeMap<>();
        int kills = 0;
        int runs = 0;
        long started = System.nanoTime();
        // Every other kill pauses the job at a named step, taking the steps in a seeded order so each is hit; the
        // others kill after a random delay.
        List<String> named = new ArrayList<>(POINTS.keySet());
        java.util.Collections.shuffle(named, random);
        int nextNamed = 0;
        while (kills < kills()) {
            runs++;
            int choice = (runs % 2 == 1) ? 0 : 2 + random.nextInt(2);
            String pause = null;
            long after = 0;
            if (choice < 2) {
                String point = named.get(nextNamed++ % named.size());
                // steps of the loop are armed only after a random number of records, so kills land deep into the input
                after = STARTUP.contains(point) || point.equals("consumed") ? 0 : random.nextInt(4 * EVERY);
                pause = point + ":" + (1 + random.nextInt(POINTS.get(point)));
                if (!point.equals("consumed")) {
                    // a step a run may never reach must not let it run to the end: 4 * EVERY records after arming, the
                    // loop has passed every step (the source waits while 2 * EVERY outputs are uncommitted)
                    pause += ",consumed:" + (after + 4 * EVERY + random.nextInt(EVERY));
                }
            }
            JobProcess job = track(JobProcess.start(logs.resolve(String.format("run-%02d.log", runs)), args(broker, input, killedOut, "killed-" + run, pause, after), classData));
            String where;
            if (pause != null) {
                try {
                    where = "at " + job.paused().get(120, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    // it never got there: it finished, or it died by itself (which fails the test below)
                    where = null;
                }
            } else if (choice == 2) {
                long delay = 150 + random.nextInt(1050);
                job.runFor(delay);
                where = "after " + delay + " ms from launch";
            } else {
                long delay = random.nextInt(500);
                try {
                    job.started().get(120, TimeUnit.SECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // it died before it started; reported below
                }
                job.runFor(delay);
                where = "after started + " + delay + " ms";
            }
            if (job.isAlive() && where != null) {
                job.kill();
                kills++;
                String kind = where.startsWith("at ") ? where.substring(3).replaceAll(" \\d+$", "") : (where.contains("started") ? "delay after start" : "delay from launch");
                killedAt.merge(kind, 1, Integer::sum);
                System.out.println("[" + store() + "] run " + runs + ": SIGKILL " + where + (after > 0 ? " (armed after " + after + " records)" : ""));
            } else {
                int status = job.await(120);
                assertThat(status).as("run %d exited by itself; its output:\n%s", runs, job.tail()).isZero();
                assertThat(job.reachedDone()).isTrue();
                System.out.println("[" + store() + "] run " + runs + ": finished before its kill point (" + pause + ")");
            }
        }
        JobProcess last = track(JobProcess.start(logs.resolve("final.log"), args(broker, input, killedOut, "killed-" + run, null, 0), classData));
        assertThat(last.await(120)).as("final run's exit status; output:\n%s", last.tail()).isZero();
        long millis = Duration.ofNanos(System.nanoTime() - started).toMillis();

        Map<String, List<String>> actual = readCommitted(broker.bootstrap(), killedOut);
        long finalRecords = java.nio.file.Files.readAllLines(last.log()).stream().filter(l -> l.startsWith("@point consumed ")).count();
        System.out.println("[" + store() + "] " + kills + " SIGKILLs in " + runs + " runs + 1 final run, " + millis + " ms; kill points: " + killedAt
                + "; the final run read " + finalRecords + " of " + RECORDS + " records");
        assertThat(actual.values().stream().mapToInt(List::size).sum())
                .as("records in %s (read_committed)", killedOut).isEqualTo(RECORDS);
        assertThat(actual).as("output after %d SIGKILLs (seed %d) versus the uninterrupted run", kills, seed).isEqualTo(uninterrupted);
        assertLatestSinkCommitted("killed-" + run);
    }

    private final List<JobProcess> jobs = new ArrayList<>();

    private JobProcess track(JobProcess job) {
        jobs.add(job);
        return job;
    }

    /** No job JVM outlives its test, whatever made the test end. */
    @AfterEach
    void killLeftoverJobs() throws InterruptedException {
        for (JobProcess job : jobs) {
            if (job.isAlive()) {
                job.kill();
            }
        }
    }

    /** The latest checkpoint of the job records its sink COMMITTED, at the epoch of that checkpoint. */
    private void assertLatestSinkCommitted(String job) {
        String location = null;
        Map<String, String> options = new java.util.HashMap<>();
        for (String a : location(job)) {
            if (a.startsWith("location=")) {
                location = a.substring("location=".length());
            } else if (a.startsWith("store.")) {
                int eq = a.indexOf('=');
                options.put(a.substring("store.".length(), eq), a.substring(eq + 1));
            }
        }
        try (Checkpointer checkpointer = Checkpointer.open(java.util.Objects.requireNonNull(location), options)) {
            Manifest latest = checkpointer.latest().map(Checkpoint::manifest).block(Duration.ofSeconds(30));
            assertThat(latest).as("latest checkpoint of %s", job).isNotNull();
            List<SinkStatus> sinks = checkpointer.sinkStatuses(java.util.Objects.requireNonNull(latest.id())).block(Duration.ofSeconds(30));
            assertThat(sinks).singleElement().satisfies(st -> {
                assertThat(st.sink()).isEqualTo(KafkaOutputSink.NAME);
                assertThat(st.state()).isEqualTo(SinkState.COMMITTED);
                assertThat(st.epoch()).isEqualTo(latest.sinkEpochs().get(KafkaOutputSink.NAME));
            });
        }
    }

    private List<String> args(KafkaBroker broker, String input, String output, String job, String pause, long after) {
        List<String> a = new ArrayList<>(List.of("bootstrap=" + broker.bootstrap(), "input=" + input, "output=" + output,
                "job=" + job, "every=" + EVERY, "until-end=true"));
        a.addAll(location(job));
        if (pause != null) {
            a.add("pause-at=" + pause);
            a.add("pause-after=" + after);
        }
        return a;
    }

    /** Writes the fixed input: RECORDS records over KEYS keys, each key always to the same partition. */
    private static Map<String, List<String>> produceInput(String bootstrap, String topic) throws Exception {
        Map<String, List<String>> expected = new TreeMap<>();
        Random keys = new Random(42);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < RECORDS; i++) {
                int k = keys.nextInt(KEYS);
                String key = String.format("key-%02d", k);
                producer.send(new ProducerRecord<>(topic, k % PARTITIONS, key, Integer.toString(i)));
                List<String> counts = expected.computeIfAbsent(key, x -> new ArrayList<>());
                counts.add(Integer.toString(counts.size() + 1));
            }
            producer.flush();
        }
        return expected;
    }

    /** Everything committed in the topic, per key in partition order, read with isolation.level=read_committed. */
    static Map<String, List<String>> readCommitted(String bootstrap, String topic) {
        Map<String, List<String>> out = new TreeMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end + " within 60 s");
                }
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value());
                }
            }
        }
        return out;
    }
}

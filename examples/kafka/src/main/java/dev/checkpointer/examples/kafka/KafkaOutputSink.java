package dev.checkpointer.examples.kafka;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.checkpointer.TransactionalSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The output topic as a {@link TransactionalSink} whose commit is idempotent by epoch.
 *
 * <ul>
 *   <li>{@link #write}: the pipeline's fold appends each output to the open batch (memory only).</li>
 *   <li>{@link #barrier}: the open batch becomes the closed batch of that epoch.</li>
 *   <li>{@link #prepare}: the closed batches not yet committed, up to that epoch, as JSON: the checkpoint stores them
 *       (this write-ahead batch is the "prepared transaction").</li>
 *   <li>{@link #commit}: after the checkpoint committed, one Kafka transaction writes the batches of the prepared data
 *       whose epochs are above the last committed one, and commits, in the same transaction, an offset of the consumer
 *       group {@link JobConfig#epochGroup()} whose metadata is {@code epoch=E}. Outputs and epoch become visible to
 *       {@code read_committed} readers atomically, so the committed epoch says exactly which batches are in the
 *       topic, and a commit that is repeated after a crash writes nothing twice.</li>
 * </ul>
 *
 * <p>Kafka's own two-phase commit (KIP-939: {@code prepareTransaction()}, {@code initTransactions(keepPreparedTxn)},
 * {@code completeTransaction}) would let the transaction itself be prepared before the checkpoint and completed after
 * it; kafka-clients 4.3.1 does not expose it (see the README), so a transaction cannot outlive its producer, and the
 * batch is kept in the checkpoint instead. Until the checkpoint can hold large sink data, the batch must fit the
 * manifest's prepared-data cap: the job runs its pipeline with {@code SlowSaves.PAUSE_SOURCE}, so no more than two
 * barriers' worth of outputs are ever uncommitted.
 */
final class KafkaOutputSink implements TransactionalSink, AutoCloseable {
    /** The sink's name in the manifest. */
    static final String NAME = "kafka-out";
    /** The manifest's cap on a sink's prepared data. */
    static final int MAX_PREPARED_CHARS = 4096;
    private static final String EPOCH_PREFIX = "epoch=";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<Long, List<List<String>>>> BATCHES = new TypeReference<>() { };

    private final JobConfig config;
    private final Points points;
    private final Scheduler thread;
    private final KafkaProducer<String, String> producer;
    private final Admin admin;
    private final TopicPartition marker;
    /** Written on the pipeline's thread only (fold and barrier are serial there). */
    private List<Output> open = new ArrayList<>();
    private final ConcurrentSkipListMap<Long, List<Output>> closed = new ConcurrentSkipListMap<>();
    private volatile long lastCommitted = -1;

    KafkaOutputSink(JobConfig config, Points points, Scheduler thread) {
        this.config = config;
        this.points = points;
        this.thread = thread;
        this.marker = new TopicPartition(config.output(), 0);
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new StringSerializer());
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap()));
    }

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Makes this producer the only one of the job, before anything is resumed: fences the producer of a job that
     * died and aborts its open transaction (or lets one it had already committed finish), then reads the epoch that
     * committed last.
     */
    void init() {
        producer.initTransactions();
        lastCommitted = readCommittedEpoch();
        points.reached("sink-initialized");
    }

    /**
     * The epoch whose batches are the last ones in the topic.
     *
     * @return the epoch, 0 when nothing was ever committed
     */
    long lastCommitted() {
        return lastCommitted;
    }

    /**
     * Adds one output to the open batch. Called by the pipeline's fold.
     *
     * @param o the output
     */
    void write(Output o) {
        open.add(o);
    }

    @Override
    public void barrier(long epoch) {
        closed.put(epoch, open);
        open = new ArrayList<>();
        points.reached("barrier");
    }

    @Override
    public Mono<String> prepare(long epoch) {
        return Mono.fromCallable(() -> {
            NavigableMap<Long, List<List<String>>> batches = new TreeMap<>();
            closed.headMap(epoch, true).tailMap(lastCommitted, false)
                    .forEach((e, outs) -> batches.put(e, outs.stream().map(o -> List.of(o.key(), o.value())).toList()));
            String json = JSON.writeValueAsString(batches);
            if (json.length() > MAX_PREPARED_CHARS) {
                throw new IllegalStateException("the sink's write-ahead batch up to epoch " + epoch + " is " + json.length()
                        + " characters, more than the manifest's " + MAX_PREPARED_CHARS + ": lower every=");
            }
            points.reached("prepared");
            return json;
        }).subscribeOn(thread);
    }

    @Override
    public Mono<Void> commit(long epoch, @Nullable String prepared) {
        return Mono.fromRunnable(() -> commitNow(epoch, prepared)).subscribeOn(thread).then();
    }

    /**
     * Writes the prepared batches above the last committed epoch in one transaction tagged with {@code epoch}; does
     * nothing when that epoch is committed already.
     *
     * @param epoch the epoch of the checkpoint
     * @param prepared what {@link #prepare} returned for it, as read back from the checkpoint
     */
    void commitNow(long epoch, @Nullable String prepared) {
        if (epoch <= lastCommitted) {
            points.reached("sink-already-committed");
            release(epoch);
            return;
        }
        NavigableMap<Long, List<List<String>>> batches = decode(prepared).tailMap(lastCommitted, false);
        producer.beginTransaction();
        for (List<List<String>> batch : batches.values()) {
            for (List<String> o : batch) {
                producer.send(new ProducerRecord<>(config.output(), o.get(0), o.get(1)));
            }
        }
        points.reached("sink-sent");
        producer.sendOffsetsToTransaction(Map.of(marker, new OffsetAndMetadata(epoch, EPOCH_PREFIX + epoch)),
                new ConsumerGroupMetadata(config.epochGroup()));
        points.reached("sink-offsets");
        producer.commitTransaction();
        lastCommitted = epoch;
        points.reached("sink-committed");
        release(epoch);
    }

    private void release(long epoch) {
        closed.headMap(epoch, true).clear();
    }

    private static TreeMap<Long, List<List<String>>> decode(@Nullable String prepared) {
        if (prepared == null || prepared.isEmpty()) {
            return new TreeMap<>();
        }
        try {
            return JSON.readValue(prepared, BATCHES);
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt write-ahead batch of sink " + NAME + " in the checkpoint", e);
        }
    }

    private long readCommittedEpoch() {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets(config.epochGroup(), new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OffsetAndMetadata o = offsets.get(marker);
            if (o == null || o.metadata() == null || !o.metadata().startsWith(EPOCH_PREFIX)) {
                return 0;
            }
            return Long.parseLong(o.metadata().substring(EPOCH_PREFIX.length()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the committed sink epoch", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the committed sink epoch of group " + config.epochGroup(), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}

package dev.checkpointer.examples.kafka;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
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

/**
 * The output topic as a transactional sink that commits idempotently by epoch.
 *
 * <p>Each barrier's outputs are first made durable in the checkpoint (the write-ahead batch: this is the "prepare");
 * only once that checkpoint has committed are they written in one Kafka transaction, which also commits the input
 * offsets with the metadata {@code epoch=N} to the consumer group {@link JobConfig#epochGroup()}. Outputs and epoch thus
 * become visible to {@code read_committed} readers atomically, and the committed epoch tells a restarted job, without
 * doubt, whether the transaction of its latest checkpoint committed: {@link #recover} re-sends the batch only when it
 * did not.
 *
 * <p>Kafka's own two-phase commit (KIP-939: {@code prepareTransaction()}, {@code initTransactions(keepPreparedTxn)},
 * {@code completeTransaction}) would let the transaction be prepared before the checkpoint and completed after it
 * without buffering; kafka-clients 4.3.1 does not expose it (see the README), hence the write-ahead batch.
 */
final class TransactionalKafkaSink implements AutoCloseable {
    private static final String EPOCH_PREFIX = "epoch=";

    private final JobConfig config;
    private final Points points;
    private final KafkaProducer<String, String> producer;
    private final Admin admin;

    TransactionalKafkaSink(JobConfig config, Points points) {
        this.config = config;
        this.points = points;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId(),
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new StringSerializer());
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap()));
    }

    /**
     * Makes this producer the only one of the job: fences the producer of a job that died and aborts its open
     * transaction (or waits for one it had already committed to finish).
     */
    void init() {
        producer.initTransactions();
        points.reached("sink-initialized");
    }

    /**
     * The epoch of the last transaction that committed, read after {@link #init()} so that no transaction of this job
     * is still open.
     *
     * @return the epoch, empty when none ever committed
     */
    OptionalLong committedEpoch() {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin
                    .listConsumerGroupOffsets(config.epochGroup(), new ListConsumerGroupOffsetsOptions().requireStable(true))
                    .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            OptionalLong max = OptionalLong.empty();
            for (OffsetAndMetadata o : offsets.values()) {
                if (o != null && o.metadata() != null && o.metadata().startsWith(EPOCH_PREFIX)) {
                    long e = Long.parseLong(o.metadata().substring(EPOCH_PREFIX.length()));
                    if (max.isEmpty() || e > max.getAsLong()) {
                        max = OptionalLong.of(e);
                    }
                }
            }
            return max;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the committed sink epoch", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the committed sink epoch of group " + config.epochGroup(), e);
        }
    }

    /**
     * Writes one barrier's outputs and input offsets in one transaction, tagged with its epoch.
     *
     * @param epoch the barrier's sink epoch
     * @param outputs the outputs, in order
     * @param nextOffsets the next input offset per partition after that barrier
     */
    void commit(long epoch, List<Output> outputs, Map<Integer, Long> nextOffsets) {
        producer.beginTransaction();
        for (Output o : outputs) {
            producer.send(new ProducerRecord<>(config.output(), o.key(), o.value()));
        }
        points.reached("sink-sent");
        Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>();
        nextOffsets.forEach((p, o) -> offsets.put(new TopicPartition(config.input(), p), new OffsetAndMetadata(o, EPOCH_PREFIX + epoch)));
        producer.sendOffsetsToTransaction(offsets, new ConsumerGroupMetadata(config.epochGroup()));
        points.reached("sink-offsets");
        producer.commitTransaction();
        points.reached("sink-committed");
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
        admin.close(java.time.Duration.ofSeconds(5));
    }
}

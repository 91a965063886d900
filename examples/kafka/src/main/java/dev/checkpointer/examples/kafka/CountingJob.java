package dev.checkpointer.examples.kafka;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.Payload;
import dev.checkpointer.Snapshot;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * A Kafka job: counts the records of an input topic per key and writes, for every input record, the key's new count to
 * an output topic, exactly once, across crashes.
 *
 * <ol>
 *   <li><b>Resume.</b> The latest checkpoint gives the counts, the next input offset per partition and the sink epoch
 *       of its barrier. The sink fences any earlier instance of the job and, if that barrier's transaction did not
 *       commit, writes its batch again (see {@link TransactionalKafkaSink}).</li>
 *   <li><b>Consume.</b> A consumer with manual assignment, seeked to those offsets, polled on a thread of its own.</li>
 *   <li><b>Barrier.</b> Every {@code every} records (and at the end of a bounded run) the counts, the offsets and the
 *       outputs since the previous barrier are captured together and saved as one checkpoint, with the sink's epoch.
 *       Reading waits while a barrier is in flight.</li>
 *   <li><b>Commit.</b> Only after the checkpoint committed, the outputs go to the output topic in one Kafka
 *       transaction tagged with the epoch.</li>
 * </ol>
 *
 * Arguments are {@code name=value} pairs, see {@link JobConfig}.
 */
public final class CountingJob {
    static final String STATE = "counts";
    static final String SINK_BATCH = "sink-batch";
    static final String SINK = "kafka-out";
    static final String SOURCE = "kafka-in";
    private static final Duration POLL = Duration.ofMillis(200);

    private final JobConfig config;
    private final Points points;

    private CountingJob(JobConfig config) {
        this.config = config;
        this.points = new Points(config.pauseAt());
    }

    /**
     * Runs the job until it is killed, or, with {@code until-end=true}, until it has read the input's end as seen at
     * start; exits 0 then, 1 on a failure.
     *
     * @param args {@code name=value} settings
     */
    public static void main(String[] args) {
        int status;
        try {
            new CountingJob(JobConfig.parse(args)).run();
            status = 0;
        } catch (RuntimeException e) {
            e.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    private void run() {
        Scheduler consumerThread = Schedulers.newSingle("kafka-consumer");
        Scheduler sinkThread = Schedulers.newSingle("kafka-sink");
        try (Checkpointer checkpointer = Checkpointer.open(config.location(), config.storeOptions());
                KafkaConsumer<String, String> consumer = consumer();
                TransactionalKafkaSink sink = new TransactionalKafkaSink(config, points)) {
            List<TopicPartition> partitions = partitions(consumer);
            CountState state = resume(checkpointer, sink);
            consumer.assign(partitions);
            Map<Integer, Long> from = state.nextOffsets();
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, from.getOrDefault(tp.partition(), 0L));
            }
            Map<TopicPartition, Long> end = config.untilEnd() ? consumer.endOffsets(partitions) : Map.of();
            points.reached("started");

            Flux<ConsumerRecords<String, String>> polls = Mono.fromCallable(() -> consumer.poll(POLL))
                    .subscribeOn(consumerThread)
                    .repeat()
                    .takeUntil(batch -> config.untilEnd() && reached(consumer, end));
            Flux<ConsumerRecord<String, String>> records = polls.concatMapIterable(batch -> batch);

            records.concatMap(r -> {
                        state.apply(r);
                        points.reached("consumed");
                        return state.pendingCount() >= config.every() ? barrier(checkpointer, sink, state, sinkThread) : Mono.empty();
                    }, 0)
                    .concatWith(Mono.defer(() -> state.dirty() ? barrier(checkpointer, sink, state, sinkThread) : Mono.empty()))
                    .blockLast();
            points.reached("done");
        } finally {
            consumerThread.dispose();
            sinkThread.dispose();
        }
    }

    /** Counts, offsets and sink batch of one barrier: checkpoint first, then the Kafka transaction. */
    private Mono<Void> barrier(Checkpointer checkpointer, TransactionalKafkaSink sink, CountState state, Scheduler sinkThread) {
        CountState.Captured c = state.capture();
        points.reached("captured");
        Map<String, String> offsets = new HashMap<>();
        c.nextOffsets().forEach((p, o) -> offsets.put(Integer.toString(p), Long.toString(o)));
        Snapshot snapshot = Snapshot.builder()
                .partition(STATE, 0, Payload.of(c.counts()))
                .partition(SINK_BATCH, 0, Payload.of(CountState.encodeOutputs(c.outputs())))
                .offsets(SOURCE, offsets)
                .sinkEpoch(SINK, c.epoch())
                .build();
        return checkpointer.save(snapshot)
                .doOnNext(m -> points.reached("saved"))
                .publishOn(sinkThread)
                .doOnNext(m -> sink.commit(c.epoch(), c.outputs(), c.nextOffsets()))
                .then();
    }

    /** Restores the latest checkpoint and settles its sink epoch before anything is read. */
    private CountState resume(Checkpointer checkpointer, TransactionalKafkaSink sink) {
        sink.init();
        Checkpoint last = checkpointer.latest().block();
        OptionalLong committed = sink.committedEpoch();
        if (last == null) {
            if (committed.isPresent()) {
                throw new IllegalStateException("the output topic has transactions of this job up to epoch " + committed.getAsLong()
                        + " but " + config.location() + " has no checkpoint: wrong location, or its checkpoints were deleted");
            }
            points.reached("resumed");
            return CountState.empty();
        }
        Long epoch = last.manifest().sinkEpochs().get(SINK);
        if (epoch == null) {
            throw new IllegalStateException("checkpoint " + last.manifest().id() + " has no epoch for sink " + SINK);
        }
        Map<Integer, Long> next = new HashMap<>();
        last.manifest().offsets().getOrDefault(SOURCE, Map.of()).forEach((p, o) -> next.put(Integer.parseInt(p), Long.parseLong(o)));
        CountState state = CountState.restored(bytes(last.read(STATE, 0).block()), next, epoch);
        long done = committed.orElse(0);
        if (done == epoch) {
            points.reached("resumed");
        } else if (done == epoch - 1) {
            // The checkpoint of this barrier committed, its transaction did not (the job died in between, or the
            // transaction was aborted when the sink fenced it): write the same batch again.
            List<Output> batch = CountState.decodeOutputs(bytes(last.read(SINK_BATCH, 0).block()));
            sink.commit(epoch, batch, next);
            points.reached("recommitted");
        } else {
            throw new IllegalStateException("the output topic's committed sink epoch is " + done + " but the latest checkpoint "
                    + last.manifest().id() + " is at epoch " + epoch + ": a checkpoint is missing or another job shares job=" + config.jobId());
        }
        return state;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500),
                new StringDeserializer(), new StringDeserializer());
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, String> consumer) {
        List<PartitionInfo> infos = consumer.partitionsFor(config.input(), Duration.ofSeconds(30));
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("input topic " + config.input() + " does not exist");
        }
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo i : infos) {
            out.add(new TopicPartition(i.topic(), i.partition()));
        }
        out.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
        return out;
    }

    private static boolean reached(KafkaConsumer<String, String> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}

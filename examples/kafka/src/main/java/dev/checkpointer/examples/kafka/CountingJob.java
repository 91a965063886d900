package dev.checkpointer.examples.kafka;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.CheckpointedPipeline;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.EveryOptions;
import dev.checkpointer.Offsets;
import dev.checkpointer.PipelineResume;
import dev.checkpointer.PipelineSpec;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.StateCodec;
import dev.checkpointer.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
 * an output topic, exactly once across crashes. Built on the checkpointed pipeline operator
 * ({@link Checkpointer#pipeline}):
 *
 * <ol>
 *   <li><b>Fence and resume.</b> The sink's producer fences any earlier instance of the job (aborting its open
 *       transaction); {@link CheckpointedPipeline#resume()} restores the counts and the offsets of the latest
 *       checkpoint and re-commits its sink if it is still pending (a commit idempotent by epoch, see
 *       {@link KafkaOutputSink}).</li>
 *   <li><b>Consume.</b> A consumer with manual assignment, seeked to the resumed offsets, polled on a thread of its
 *       own.</li>
 *   <li><b>Barrier.</b> Every {@code every} records (and at the end of a bounded run) the operator captures the counts,
 *       the offsets and the sink's batch at the same point of the stream; the sink prepares (its batch goes into the
 *       checkpoint), the checkpoint is saved with the sink {@code PENDING}, the sink commits (one Kafka transaction),
 *       and the operator marks it {@code COMMITTED}.</li>
 * </ol>
 *
 * Arguments are {@code name=value} pairs, see {@link JobConfig}.
 */
public final class CountingJob {
    private static final Duration POLL = Duration.ofMillis(200);

    private final JobConfig config;
    private final Points points;

    private CountingJob(JobConfig config) {
        this.config = config;
        this.points = new Points(config.pauseAt(), config.pauseAfter());
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
        CheckpointListener listener = new CheckpointListener() {
            @Override
            public void onSaveFinished(SaveOutcome outcome) {
                if (outcome.committed().isPresent()) {
                    points.reached("saved");
                }
            }
        };
        try (Checkpointer checkpointer = Checkpointer.builder().location(config.location(), config.storeOptions()).listener(listener).build();
                KafkaConsumer<String, String> consumer = consumer();
                KafkaOutputSink sink = new KafkaOutputSink(config, points, sinkThread)) {
            List<TopicPartition> partitions = partitions(consumer);
            ObjectMapper json = new ObjectMapper();
            JavaType countsType = json.getTypeFactory().constructMapType(TreeMap.class, String.class, Long.class);
            PipelineSpec<ConsumerRecord<String, String>, TreeMap<String, Long>> spec = PipelineSpec
                    .<ConsumerRecord<String, String>, TreeMap<String, Long>>builder(StateCodec.jackson(json, countsType), TreeMap::new)
                    .fold((counts, r) -> {
                        long n = counts.merge(key(r), 1L, Long::sum);
                        sink.write(new Output(r.key(), Long.toString(n)));
                        points.reached("consumed");
                        return counts;
                    })
                    .position(r -> Offsets.kafka(r.topic(), r.partition(), r.offset() + 1))
                    .everyEvents(config.every())
                    .slowSaves(PipelineSpec.SlowSaves.PAUSE_SOURCE)
                    .sink(sink)
                    .topology(Topology.of(Set.of(config.input()), Set.of(KafkaOutputSink.NAME)))
                    .failures(EveryOptions.giveUpAfter(3))
                    .build();
            CheckpointedPipeline<ConsumerRecord<String, String>, TreeMap<String, Long>> pipeline = checkpointer.pipeline(spec);

            sink.init();
            PipelineResume<TreeMap<String, Long>> from = pipeline.resume().block();
            if (from == null) {
                throw new IllegalStateException("resume() completed empty");
            }
            settle(sink, from);
            points.reached("resumed");

            consumer.assign(partitions);
            Map<Integer, Long> offsets = from.offsets().kafkaPositions(config.input());
            for (TopicPartition tp : partitions) {
                consumer.seek(tp, offsets.getOrDefault(tp.partition(), 0L));
            }
            Map<TopicPartition, Long> end = config.untilEnd() ? consumer.endOffsets(partitions) : Map.of();
            points.reached("started");

            // The sink's batch must fit the checkpoint's cap on prepared data: with PAUSE_SOURCE no record is asked for
            // while a barrier waits for the running save, so at most two barriers' worth of outputs are uncommitted.
            // Polls are fetched one at a time (prefetch 1), each at most `every` records (max.poll.records).
            Flux<ConsumerRecords<String, String>> polls = Mono.fromCallable(() -> consumer.poll(POLL))
                    .subscribeOn(consumerThread)
                    .repeat()
                    .takeUntil(batch -> config.untilEnd() && reached(consumer, end));
            polls.concatMapIterable(batch -> batch, 1)
                    .transform(pipeline)
                    .doOnNext(m -> points.reached("checkpointed"))
                    .blockLast();
            points.reached("done");
        } finally {
            consumerThread.dispose();
            sinkThread.dispose();
        }
    }

    /**
     * After {@code resume()}: the output topic must hold exactly the batches up to the resumed checkpoint's epoch.
     * {@code resume()} re-committed a PENDING sink; a FAILED one (its commit failed, then the job died) is committed
     * here, from the batch in the checkpoint. Anything else means checkpoints and topic do not belong together.
     */
    private void settle(KafkaOutputSink sink, PipelineResume<TreeMap<String, Long>> from) {
        long epoch = from.epoch();
        if (sink.lastCommitted() < epoch && from.checkpoint().isPresent()) {
            sink.commitNow(epoch, from.checkpoint().get().sinkPrepared().get(KafkaOutputSink.NAME));
        }
        if (sink.lastCommitted() != epoch) {
            throw new IllegalStateException("the output topic's committed sink epoch is " + sink.lastCommitted() + " but the checkpoint resumed from ("
                    + from.checkpoint().map(m -> String.valueOf(m.id())).orElse("none") + ") is at epoch " + epoch
                    + ": a checkpoint is missing, or another job shares job=" + config.jobId());
        }
    }

    private static String key(ConsumerRecord<String, String> r) {
        String key = r.key();
        if (key == null) {
            throw new IllegalArgumentException("record without key at " + r.topic() + "-" + r.partition() + "@" + r.offset());
        }
        return key;
    }

    private KafkaConsumer<String, String> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrap(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.every()),
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
        out.sort(Comparator.comparingInt(TopicPartition::partition));
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

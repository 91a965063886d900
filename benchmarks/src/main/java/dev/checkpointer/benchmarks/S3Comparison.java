package dev.checkpointer.benchmarks;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Manifest;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.s3.S3MockServer;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.core.async.AsyncRequestBody;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;

/**
 * P3: a checkpoint of {@code partitions x size} bytes saved through the S3 store to S3Mock, against the raw
 * {@link S3AsyncClient} putting the same bytes to the same server: one PutObject per partition, the same number in
 * flight, each with its SHA-256 computed on a worker and sent as {@code x-amz-checksum-sha256}. The engine is given
 * a multipart threshold above the partition size so both sides send the same requests (plus the engine's manifest
 * and pointer). Not a JMH benchmark: S3Mock runs as its own process for the whole comparison, and the two sides
 * run round by round, alternating which goes first, so that drifts of the shared machine hit both; the figure is the
 * median of the pairwise ratios (as for {@link Interleaved}).
 */
final class S3Comparison {
    /** The outcome: wall time of one whole upload on each side, per measured round. */
    record Result(List<Double> store, List<Double> raw, long bytes) {
        double storeMillis() {
            return median(store);
        }

        double rawMillis() {
            return median(raw);
        }

        double[] ratios() {
            double[] r = new double[store.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = raw.get(i) / store.get(i);
            }
            return r;
        }

        double medianRatio() {
            return Interleaved.median(ratios());
        }

        String describe() {
            double[] r = ratios();
            return String.format(java.util.Locale.ROOT, "%.2f (%.2f-%.2f, %d pairs)", medianRatio(), Arrays.stream(r).min().orElse(Double.NaN),
                    Arrays.stream(r).max().orElse(Double.NaN), r.length);
        }
    }

    private S3Comparison() {}

    static Result run(Path s3mockJar, int partitions, int size, int concurrency, int warmups, int rounds) throws Exception {
        if (!Files.isRegularFile(s3mockJar)) {
            throw new IllegalStateException("S3Mock jar not found at " + s3mockJar + ": run benchmarks/run.sh (the build fetches it)");
        }
        Path work = Files.createTempDirectory("checkpointer-bench-s3mock");
        System.setProperty("s3mock.jar", s3mockJar.toString());
        System.setProperty("s3mock.workDir", work.toString());
        System.setProperty("s3mock.jvmArgs", "-Xmx1g -XX:+UseParallelGC");
        byte[][] data = Data.partitions(partitions, size);
        try (S3MockServer server = S3MockServer.startStandalone();
                ObjectStore store = server.store("bench-store").build();
                Checkpointer cp = Checkpointer.builder().store(store)
                        .maxConcurrentUploads(concurrency)
                        .multipartThreshold(2L * size)
                        .build()) {
            S3AsyncClient raw = server.client();
            List<Double> storeTimes = new ArrayList<>();
            List<Double> rawTimes = new ArrayList<>();
            for (int round = 0; round < warmups + rounds; round++) {
                double storeMs;
                double rawMs;
                if (round % 2 == 0) {
                    storeMs = engineRound(cp, data);
                    rawMs = rawRound(raw, round, data, concurrency);
                } else {
                    rawMs = rawRound(raw, round, data, concurrency);
                    storeMs = engineRound(cp, data);
                }

                if (round >= warmups) {
                    storeTimes.add(storeMs);
                    rawTimes.add(rawMs);
                }
                System.out.printf("P3 round %d%s: store %.0f ms, raw %.0f ms%n", round, round < warmups ? " (warm-up)" : "", storeMs, rawMs);
            }
            return new Result(storeTimes, rawTimes, (long) partitions * size);
        } finally {
            deleteQuietly(work);
        }
    }

    private static double engineRound(Checkpointer cp, byte[][] data) {
        long t0 = System.nanoTime();
        Manifest m = cp.save(Data.snapshot("bench", data)).block();
        double ms = (System.nanoTime() - t0) / 1e6;
        cp.delete(m.id()).block();
        return ms;
    }

    private static double rawRound(S3AsyncClient raw, int round, byte[][] data, int concurrency) throws Exception {
        String prefix = "bench-raw/" + round + "/";
        long t0 = System.nanoTime();
        rawPut(raw, prefix, data, concurrency);
        double ms = (System.nanoTime() - t0) / 1e6;
        rawDelete(raw, prefix, data.length);
        return ms;
    }

    /** What a careful caller of the SDK would write: hash on workers, send without copying, same concurrency. */
    private static void rawPut(S3AsyncClient raw, String prefix, byte[][] data, int concurrency) {
        Flux.range(0, data.length)
                .flatMap(i -> Mono.fromCallable(() -> Base64.getEncoder().encodeToString(Data.newDigest().digest(data[i])))
                        .subscribeOn(Schedulers.parallel())
                        .flatMap(sha -> Mono.fromFuture(() -> raw.putObject(r -> r.bucket(S3MockServer.BUCKET).key(prefix + i)
                                        .contentLength((long) data[i].length).checksumSHA256(sha),
                                AsyncRequestBody.fromByteBufferUnsafe(ByteBuffer.wrap(data[i]))))), concurrency)
                .then()
                .block();
    }

    private static void rawDelete(S3AsyncClient raw, String prefix, int partitions) throws Exception {
        List<ObjectIdentifier> keys = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            keys.add(ObjectIdentifier.builder().key(prefix + i).build());
        }
        raw.deleteObjects(r -> r.bucket(S3MockServer.BUCKET).delete(Delete.builder().objects(keys).build())).get(60, TimeUnit.SECONDS);
    }

    private static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void deleteQuietly(Path dir) {
        try (var all = Files.walk(dir)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (Exception ignored) {
            // a temp directory: best effort
        }
    }
}

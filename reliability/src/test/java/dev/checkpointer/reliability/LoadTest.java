package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.Payload;
import dev.checkpointer.Retention;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.Buffers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Load: 16 checkpointers, each opened from a URI on its own prefix of one store location with default settings
 * (plus {@code keepLast(3)} retention), save back to back for a bounded time; every tenth save is followed by a
 * restore of one partition. No error is allowed; save latency percentiles and throughput are reported.
 */
@Requirement("Load")
class LoadTest {
    private static final int JOBS = 16;
    /** Seconds of load per store: the memory and file-system stores, and the stores on emulators (bounded run). */
    private static final int SECONDS = 6;
    private static final int EMULATOR_SECONDS = 4;
    private static final int SMALL = 8;
    private static final int LARGE = 2;
    private static final int LARGE_BYTES = 256 * 1024;

    private static Snapshot snapshot(int job, long n, byte[][] large) {
        Snapshot.Builder b = Snapshot.builder();
        for (int p = 0; p < SMALL; p++) {
            b.partition("counts", p, Payload.of(Workload.bytes(1024, job * 1000L + p + n)));
        }
        for (int p = 0; p < LARGE; p++) {
            b.partition("window", p, Payload.of(large[p]));
        }
        return b.offsets("clicks", Map.of("0", Long.toString(n))).build();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.checkpointer.reliability.Stores#all")
    void sixteenCheckpointersOnDistinctPrefixesSaveWithoutError(StoreTarget target) {
        target.assumeAvailable("Load");
        Report.storeCovered(target.name());
        Duration duration = Scale.duration(Duration.ofSeconds(target.emulator() ? EMULATOR_SECONDS : SECONDS));
        long bytesPerSave = (long) SMALL * 1024 + (long) LARGE * LARGE_BYTES;
        int restoreEvery = target.emulator() ? 3 : 10;
        Section section = Report.section("Load").describe("""
                %d checkpointers, each `Checkpointer.builder().location(uri, options)` on its own prefix of one \
                location (`memory://bucket/job-N`; `file:///dir/job-N`: the file-system store with its defaults, fsync \
                on; `s3://checkpointer-it/…/job-N` on S3Mock and `azblob://container/job-N` on Azurite, `gs://bucket/…/job-N` on FakeGcsServer, with the \
                emulator's endpoint and credentials as options: each checkpointer opens its own store and HTTP client) \
                with default settings and `keepLast(3)` retention, save back to back for %d s per store (S3, Azure and GCS: \
                %d s): %d partitions of 1 KiB (inlined) and %d of 256 KiB (one request each), %,d bytes per \
                checkpoint. Every tenth save of a job (on S3, Azure and GCS, whose jobs save a few times a second at most, \
                every third) is followed by `latest()` and a verified read of a 256 KiB partition. Latency is measured \
                from subscription to the committed manifest, retention included. On the emulators the figures are the \
                emulators' more than the store's: S3Mock serves one request at a time (its connector has one thread, \
                which makes its conditional writes atomic), Azurite is a single Node.js process; both run on the same \
                two cores as the suite."""
                .formatted(JOBS, Scale.duration(Duration.ofSeconds(SECONDS)).toSeconds(),
                        Scale.duration(Duration.ofSeconds(EMULATOR_SECONDS)).toSeconds(), SMALL, LARGE, bytesPerSave));
        try (Location loc = target.create("load")) {
            List<Checkpointer> jobs = new ArrayList<>();
            List<byte[][]> large = new ArrayList<>();
            for (int j = 0; j < JOBS; j++) {
                jobs.add(Checkpointer.builder().location(loc.uri("job-" + j), loc.options()).retention(Retention.keepLast(3)).build());
                large.add(new byte[][] {Workload.bytes(LARGE_BYTES, j * 2L), Workload.bytes(LARGE_BYTES, j * 2L + 1)});
            }
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
            AtomicLong restores = new AtomicLong();
            long start = System.nanoTime();
            long deadline = start + duration.toNanos();
            Flux.range(0, JOBS).flatMap(j -> {
                AtomicLong n = new AtomicLong();
                Checkpointer cp = jobs.get(j);
                return Mono.defer(() -> {
                            long i = n.incrementAndGet();
                            long t0 = System.nanoTime();
                            Mono<?> save = cp.save(snapshot(j, i, large.get(j))).doOnNext(m -> latencies.add(System.nanoTime() - t0));
                            if (i % restoreEvery == 0) {
                                save = save.then(cp.latest()).flatMap(c -> c.read("window", 1).doOnNext(b -> {
                                    if (!Arrays.equals(Buffers.toArray(b), large.get(j)[1])) {
                                        errors.add("job " + j + ": restore returned other bytes");
                                    }
                                    restores.incrementAndGet();
                                }));
                            }
                            return save.onErrorResume(e -> {
                                errors.add("job " + j + " save " + i + ": " + e);
                                return Mono.empty();
                            });
                        })
                        .repeat(() -> System.nanoTime() < deadline)
                        .subscribeOn(Schedulers.parallel());
            }, JOBS).blockLast(duration.plus(Workload.TIMEOUT));
            double seconds = (System.nanoTime() - start) / 1e9;
            jobs.forEach(Checkpointer::close);

            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            long saves = sorted.length;
            double throughput = saves / seconds;
            double mibPerSecond = throughput * bytesPerSave / (1024.0 * 1024.0);
            section.table("Save latency and throughput", "store", "checkpointers", "duration", "saves", "errors", "restores verified",
                            "p50 ms", "p90 ms", "p99 ms", "max ms", "saves/s", "MiB/s")
                    .row(target.name(), JOBS, String.format("%.1f s", seconds), saves, errors.size(), restores.get(),
                            String.format("%.1f", Workload.percentileMillis(sorted, 50)), String.format("%.1f", Workload.percentileMillis(sorted, 90)),
                            String.format("%.1f", Workload.percentileMillis(sorted, 99)), String.format("%.1f", Workload.percentileMillis(sorted, 100)),
                            String.format("%.0f", throughput), String.format("%.1f", mibPerSecond));
            section.check("no error under load [" + target.name() + "]", errors.isEmpty() && saves > 0,
                    String.format("%,d saves and %,d verified restores by %d checkpointers in %.1f s, %d errors%s", saves, restores.get(), JOBS, seconds,
                            errors.size(), errors.isEmpty() ? "" : ": " + errors.peek()));
            section.headline(target.name(), String.format("%,d saves in %.0f s, %d errors, p50 %.1f ms, p99 %.1f ms, %.0f saves/s",
                    saves, seconds, errors.size(), Workload.percentileMillis(sorted, 50), Workload.percentileMillis(sorted, 99), throughput));
            assertThat(errors).isEmpty();
            assertThat(saves).isPositive();
        }
    }
}

package dev.checkpointer.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code demo [URI]}: a pipeline that checkpoints, crashes, recovers, and proves nothing was lost or doubled. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Crash a checkpointed Reactor pipeline and prove its recovery.",
        description = {
            "Runs a real Reactor pipeline that counts clicks per user from a partitioned, replayable event stream "
                    + "(deterministic from --seed), checkpointing its state and source offsets with Checkpointer.every(). "
                    + "Between two checkpoints it simulates a crash: the pipeline is killed and its in-memory state "
                    + "dropped. A new Checkpointer then restores latest(), the pipeline resumes from the saved offsets "
                    + "(replaying what was counted after that checkpoint), and the final counts are compared with an "
                    + "uninterrupted run computed independently. Every checkpoint written is verified at the end.",
            "Exits 0 when the counts are identical and every checkpoint verifies, 1 otherwise. Takes a few seconds "
                    + "with the defaults. Checkpoints of an earlier demo run at the location are removed first; a "
                    + "location holding other checkpoints is refused."
        })
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "URI", defaultValue = "file:./demo-checkpoints",
            description = "Where to write checkpoints (default: ${DEFAULT-VALUE}); e.g. memory://demo, file:///tmp/demo, s3://bucket/demo.")
    String uri = "file:./demo-checkpoints";

    @Mixin
    StoreOptions store = new StoreOptions();

    @Option(names = "--events", paramLabel = "N", defaultValue = "24000", description = "Click events in the input (default: ${DEFAULT-VALUE}).")
    long events;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "4", description = "Partitions of the input and of the 'counts' operator (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--users", paramLabel = "N", defaultValue = "200", description = "Distinct users (default: ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "400ms", description = "Time between checkpoints (default: ${DEFAULT-VALUE}).")
    Duration interval = Duration.ofMillis(400);

    @Option(names = "--rate", paramLabel = "EVENTS/S", defaultValue = "8000", description = "Pace of the input, events per second over all partitions (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Seed of the generated input (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--crash-after", paramLabel = "N", defaultValue = "2", description = "Checkpoints committed before the crash (default: ${DEFAULT-VALUE}).")
    int crashAfter;

    @Mixin
    ChunkingOptions chunking = new ChunkingOptions();

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "2m", description = "Give up (exit 4) if a phase takes longer (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofMinutes(2);

    @Override
    public Integer call() {
        require(events >= 1 && events <= 100_000_000, "--events must be between 1 and 100000000");
        require(partitions >= 1 && partitions <= 256, "--partitions must be between 1 and 256");
        require(users >= partitions && users <= 10_000_000, "--users must be at least --partitions and at most 10000000");
        require(!interval.isNegative() && interval.toMillis() >= 1, "--interval must be at least 1ms");
        require(rate >= 1, "--rate must be at least 1");
        require(crashAfter >= 1, "--crash-after must be at least 1");
        require(!timeout.isNegative() && !timeout.isZero(), "--timeout must be positive");
        Demo.Settings settings = new Demo.Settings(uri, store.options, events, partitions, users, interval, rate, seed, crashAfter, timeout, chunking.chunking());
        return new Demo(settings, spec.commandLine().getOut()).run();
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }
}

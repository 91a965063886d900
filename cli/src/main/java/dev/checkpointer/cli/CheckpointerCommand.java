package dev.checkpointer.cli;

import dev.checkpointer.CheckpointerBuilder;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top-level {@code checkpointer} command; the work is done by its subcommands. */
@Command(name = "checkpointer",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Inspects, verifies, repairs, prunes and copies the checkpoints that the checkpointer library writes to "
                    + "object stores, and runs a crash-and-recover demo.",
            ""
        },
        subcommands = {
            ListCommand.class,
            InspectCommand.class,
            VerifyCommand.class,
            RepairCommand.class,
            DeleteCommand.class,
            PruneCommand.class,
            CopyCommand.class,
            DemoCommand.class,
            picocli.CommandLine.HelpCommand.class
        },
        commandListHeading = "%nCommands:%n",
        footerHeading = "%nStore URIs (the store module for the scheme must be bundled; see --version):%n",
        footer = {
            "  file:///abs/path, file:relative/path   local disk",
            "  memory://name[/prefix]                 in this process only (tests, demo)",
            "  s3://bucket/prefix, gs://bucket/prefix, azblob://container/prefix",
            "                                         cloud stores, when bundled",
            "Store options: -o key=value (repeatable) or ?key=value in the URI.",
            "Credentials come from each cloud SDK's standard chain (environment,",
            "profile, instance identity); option values are never printed.",
            "",
            "Examples:",
            "  checkpointer demo",
            "  checkpointer list file:./demo-checkpoints",
            "  checkpointer inspect file:./demo-checkpoints latest",
            "  checkpointer verify file:./demo-checkpoints all",
            "  checkpointer repair file:./demo-checkpoints     (stop every writer first)",
            "  checkpointer copy file:./demo-checkpoints s3://my-bucket/clicks --all"
        })
final class CheckpointerCommand implements Callable<Integer> {
    private static volatile boolean verbose;
    private static volatile Duration timeout = CheckpointerBuilder.DEFAULT_OPERATION_TIMEOUT;

    @Spec
    CommandSpec spec;

    /**
     * Logs the library's activity (and stack traces of failures) on stderr.
     *
     * @param on whether to be verbose
     */
    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log the library's activity and print stack traces, on stderr.")
    void setVerbose(boolean on) {
        verbose = on;
        Logging.verbose(on);
    }

    /**
     * The deadline of each store operation, retries included.
     *
     * @param d positive
     */
    @Option(names = "--store-timeout", scope = ScopeType.INHERIT, paramLabel = "DURATION",
            description = "Deadline of each store operation, retries included (default 15s), e.g. 5s, 2m.")
    void setTimeout(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--store-timeout must be positive, got " + d);
        }
        timeout = d;
    }

    /** Back to quiet: each run starts from the defaults (matters when the tool runs in-process, as in tests). */
    static void reset() {
        timeout = CheckpointerBuilder.DEFAULT_OPERATION_TIMEOUT;
        verbose = false;
        Logging.verbose(false);
    }

    static boolean verbose() {
        return verbose;
    }

    /** The {@code --store-timeout} given, or the library's default. */
    static Duration timeout() {
        return timeout;
    }

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("checkpointer: a command is required");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }
}

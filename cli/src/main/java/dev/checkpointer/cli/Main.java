package dev.checkpointer.cli;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.InvalidInputException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.time.Duration;
import picocli.CommandLine;

/**
 * Entry point of the {@code checkpointer} command ({@code java -jar checkpointer.jar --help}).
 *
 * <p>Commands: {@code list}, {@code inspect}, {@code verify}, {@code repair}, {@code delete}, {@code prune},
 * {@code copy} and {@code demo}. Every command has {@code --help}; machine-readable output is available with {@code --json}. Exit
 * codes: 0 success, 1 verification failed, 2 usage error, 3 not found, 4 store or other error.
 */
public final class Main {
    private Main() {}

    /**
     * Runs the tool and exits the JVM with the command's exit code.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        PrintWriter out = new StdoutWriter(System.out, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /**
     * Runs the tool without exiting the JVM (for embedding and tests).
     *
     * @param out where results go
     * @param err where diagnostics and progress go
     * @param args command-line arguments
     * @return the exit code
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        if (args.length == 1 && ("--version".equals(args[0]) || "-V".equals(args[0]))) {
            // The same lines picocli prints, without building the model of every command first (most of the start-up
            // time of a --version that otherwise loads nothing else: no logging backend, no store but the providers).
            for (String line : new VersionProvider().getVersion()) {
                out.println(line);
            }
            out.flush();
            return ExitCodes.OK;
        }
        return commandLine(out, err).execute(args);
    }

    /**
     * The configured picocli command line: converters, exit codes in every help, error handling.
     *
     * @param out where results go
     * @param err where diagnostics and progress go
     * @return the command line
     */
    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CheckpointerCommand.reset();
        Logging.stderr(err);
        CommandLine cl = new CommandLine(new CheckpointerCommand());
        cl.registerConverter(CheckpointId.class, Main::parseId);
        cl.registerConverter(Duration.class, Durations::parse);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        applyExitCodeHelp(cl);
        cl.setOut(out);
        cl.setErr(err);
        // --help and --version are answered without the logging backend or any store; every command gets its log
        // levels (quiet, or -v) before it runs.
        cl.setExecutionStrategy(parseResult -> {
            Integer help = CommandLine.executeHelpRequest(parseResult);
            if (help != null) {
                return help;
            }
            Logging.apply();
            return new CommandLine.RunLast().execute(parseResult);
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            e.println("checkpointer " + commandLine.getCommandName() + ": " + ExitCodes.describe(ex));
            if (CheckpointerCommand.verbose()) {
                ExitCodes.unwrap(ex).printStackTrace(e);
            }
            e.flush();
            return ExitCodes.of(ex);
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter e = c.getErr();
            e.println("checkpointer: " + ex.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, e)) {
                e.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
            }
            e.flush();
            return ExitCodes.USAGE;
        });
        return cl;
    }

    private static void applyExitCodeHelp(CommandLine cl) {
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(ExitCodes.DESCRIPTIONS);
        cl.getSubcommands().values().forEach(Main::applyExitCodeHelp);
    }

    /**
     * How the user can run this tool again: {@code java -jar <path>} when it runs from a jar, else {@code checkpointer}.
     *
     * @return the command prefix
     */
    static String invocation() {
        try {
            java.security.CodeSource source = Main.class.getProtectionDomain().getCodeSource();
            if (source != null) {
                java.nio.file.Path jar = java.nio.file.Path.of(source.getLocation().toURI());
                if (jar.toString().endsWith(".jar")) {
                    java.nio.file.Path cwd = java.nio.file.Path.of("").toAbsolutePath();
                    java.nio.file.Path shown = jar.startsWith(cwd) ? cwd.relativize(jar) : jar;
                    return "java -jar " + shown;
                }
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            // fall through
        }
        return "checkpointer";
    }

    static CheckpointId parseId(String text) {
        try {
            return CheckpointId.parse(text);
        } catch (InvalidInputException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}

package dev.checkpointer.cli;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code -o key=value}: store options for the command's URI. Values are passed on, never printed. */
final class StoreOptions {
    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
            description = "A store option (repeatable), e.g. -o region=eu-west-1 -o endpoint=http://localhost:9000. "
                    + "Credentials come from each SDK's standard chain; values are never printed.")
    Map<String, String> options = new LinkedHashMap<>();

    /** A builder over the location, which must exist (see {@link Location#existing(String, Map)}). */
    CheckpointerBuilder builder(String uri) {
        return builder(uri, Location.mustExist(uri, options));
    }

    /** A builder for a location with the tool's store deadline ({@code --store-timeout}) and retry lines on stderr. */
    static CheckpointerBuilder builder(String uri, Map<String, String> options) {
        return Checkpointer.builder().location(uri, options).operationTimeout(CheckpointerCommand.timeout()).listener(Logging.retries());
    }

    Checkpointer open(String uri) {
        return builder(uri).build();
    }

    /**
     * The store itself, for commands that also read objects as stored (a checkpointer over it:
     * {@link Location#builder()}); the location must exist (see {@link Location#existing(String, Map)}).
     */
    Location location(String uri) {
        return Location.existing(uri, options);
    }
}

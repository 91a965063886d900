package dev.checkpointer.reliability;

import dev.checkpointer.Checkpointer;
import dev.checkpointer.spi.ObjectStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A table of hostile inputs, each with the exact error it must produce. Used by R5 (bad input): every case names
 * its category, the input as shown in the results, the exact exception class and a fragment of its message, and
 * whether it must arrive as an error signal (reactive methods never throw). A case may prepare the location first
 * (e.g. plant a hostile manifest); the check that nothing was written covers only what the case itself does.
 */
public final class Catalogue {
    private final List<Case> cases = new ArrayList<>();

    /** Creates an empty catalogue. */
    public Catalogue() {}

    /** What a case runs against: a location with one committed checkpoint and a checkpointer over it. */
    public static final class Env {
        /** The location. */
        public final Location location;
        /** A store handle. */
        public final ObjectStore store;
        /** A checkpointer that saved checkpoint 1. */
        public final Checkpointer cp;
        /** A directory path that does not exist; a refused {@code file:} URI must not create it. */
        public final Path scratch;
        /** Values a case's setup hands to its action. */
        public final Map<String, Object> values = new HashMap<>();

        Env(Location location, ObjectStore store, Checkpointer cp, Path scratch) {
            this.location = location;
            this.store = store;
            this.cp = cp;
            this.scratch = scratch;
        }
    }

    /** An action or setup step. */
    @FunctionalInterface
    public interface Step {
        /**
         * Runs the step.
         *
         * @param env the environment
         * @return a value, a {@code Mono}/{@code Flux} to subscribe to, or null
         * @throws Exception anything, captured as the outcome
         */
        @Nullable Object run(Env env) throws Exception;
    }

    /**
     * One hostile input.
     *
     * @param category e.g. {@code operator name}
     * @param input the input as shown in the results
     * @param expected the exact exception class expected
     * @param fragment a fragment its message must contain
     * @param reactive whether it must arrive as an error signal rather than be thrown
     * @param perStore whether it depends on the store (run once per store) or not (run once)
     * @param usesScratch whether the scratch directory must still not exist afterwards
     * @param setup preparation whose writes are not counted
     * @param act the action that must be refused
     * @param cleanup undoes the setup
     */
    public record Case(String category, String input, Class<? extends Throwable> expected, String fragment, boolean reactive,
            boolean perStore, boolean usesScratch, @Nullable Step setup, Step act, @Nullable Step cleanup) {}

    /** Builds one case fluently. */
    public final class Builder {
        private final String category;
        private final String input;
        private final Class<? extends Throwable> expected;
        private final String fragment;
        private boolean reactive;
        private boolean perStore;
        private boolean usesScratch;
        private @Nullable Step setup;
        private @Nullable Step cleanup;

        Builder(String category, String input, Class<? extends Throwable> expected, String fragment) {
            this.category = category;
            this.input = input;
            this.expected = expected;
            this.fragment = fragment;
        }

        /**
         * The input goes to a reactive method: the error must be a signal.
         *
         * @return this builder
         */
        public Builder reactive() {
            this.reactive = true;
            return this;
        }

        /**
         * Runs once per store.
         *
         * @return this builder
         */
        public Builder perStore() {
            this.perStore = true;
            return this;
        }

        /**
         * Checks the scratch directory was not created.
         *
         * @return this builder
         */
        public Builder scratch() {
            this.usesScratch = true;
            return this;
        }

        /**
         * Prepares the location.
         *
         * @param step the preparation
         * @return this builder
         */
        public Builder setup(Step step) {
            this.setup = step;
            return this;
        }

        /**
         * Undoes the preparation.
         *
         * @param step the clean-up
         * @return this builder
         */
        public Builder cleanup(Step step) {
            this.cleanup = step;
            return this;
        }

        /**
         * Adds the case with its action.
         *
         * @param act the action that must be refused
         */
        public void act(Step act) {
            cases.add(new Case(category, input, expected, fragment, reactive, perStore, usesScratch, setup, Objects.requireNonNull(act), cleanup));
        }
    }

    /**
     * Starts a case.
     *
     * @param category the category
     * @param input the input as shown
     * @param expected the exact exception class
     * @param fragment a fragment of its message
     * @return the builder
     */
    public Builder refuse(String category, String input, Class<? extends Throwable> expected, String fragment) {
        return new Builder(category, input, expected, fragment);
    }

    /**
     * Every case, in the order added.
     *
     * @return the cases
     */
    public List<Case> cases() {
        return List.copyOf(cases);
    }
}

package dev.checkpointer.internal;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.jspecify.annotations.Nullable;

/**
 * Hooks for the engine's own proofs (the {@code simulation} module), never for applications: the rules of the
 * commit protocol that a proof may turn off, one at a time, to show that the simulation catches the defect each
 * rule prevents; and a seeded source for the random tokens that name each save attempt's objects, so that a
 * simulated schedule reproduces from its seed.
 *
 * <p>Settings apply to the checkpointers built inside {@link #building}, on the calling thread; every other
 * checkpointer has every rule on and a secure random source.
 *
 * <p>This is the one engine class that code outside the engine's own tests may use, and only the simulation's
 * tests: {@code architecture-tests} (rule 5, {@code ArchitectureTest.SEAM}) allows exactly this class and its nested
 * types to {@code simulation} and refuses every other engine class to every other module's tests.
 */
public final class ProtocolRules {
    /** A rule of commit protocol v2 (see {@code docs/PROTOCOL.md}) that a proof may switch off. */
    public enum Rule {
        /** Readers consider only manifests reachable from {@code _latest}; off: v1's trust in manifests found above the pointer or by listing. */
        CHAIN_READS,
        /** A save succeeds only when its publish lands; off: success once the manifest is created (v1's "the manifest is the commit"). */
        PUBLISH_DECIDES,
        /** Publish and roll-forward refuse a manifest whose epoch is below {@code _latest}'s; off: epochs are ignored at publish. */
        EPOCH_FENCING,
        /** Prune deletes by reachability and never above the head; off: v1's sweep of whatever is unreferenced and older than the grace period. */
        REACHABILITY_GC,
        /** Abort claims the manifest key before deleting; off: v1's look-then-delete. */
        ABORT_CLAIM,
        /** Delete inside the window leaves a tombstone; off: the manifest is deleted. */
        TOMBSTONES,
        /** Retention raises the floor before deleting; off: expired members are deleted with the floor left where it was. */
        FLOOR_FIRST,
        /** A prepared manifest is never withdrawn; off: v1's withdrawal of the manifest when the pointer move fails. */
        NO_WITHDRAWAL
    }

    /**
     * What a checkpointer is built with.
     *
     * @param disabled rules switched off
     * @param random the token source, or null for a secure one
     */
    public record Settings(Set<Rule> disabled, @Nullable RandomGenerator random) {
        static final Settings DEFAULT = new Settings(Set.of(), null);

        /** Copies the set. */
        public Settings {
            disabled = disabled.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(disabled));
        }

        /**
         * Whether a rule is in force.
         *
         * @param rule the rule
         * @return true unless switched off
         */
        public boolean on(Rule rule) {
            return !disabled.contains(rule);
        }
    }

    private static final ThreadLocal<@Nullable Settings> BUILDING = new ThreadLocal<>();

    private ProtocolRules() {}

    /**
     * Runs {@code build} (which builds checkpointers) with the given settings in force for what it builds.
     *
     * @param disabled rules to switch off; empty for none
     * @param random seeded source of save-attempt tokens
     * @param build builds the checkpointers
     * @param <T> what it builds
     * @return what {@code build} returned
     */
    public static <T> T building(Set<Rule> disabled, RandomGenerator random, Supplier<T> build) {
        Objects.requireNonNull(disabled, "disabled");
        Objects.requireNonNull(random, "random");
        Settings previous = BUILDING.get();
        BUILDING.set(new Settings(disabled, random));
        try {
            return build.get();
        } finally {
            if (previous == null) {
                BUILDING.remove();
            } else {
                BUILDING.set(previous);
            }
        }
    }

    /** The settings for a checkpointer being built on this thread now. */
    static Settings current() {
        Settings s = BUILDING.get();
        return s == null ? Settings.DEFAULT : s;
    }
}

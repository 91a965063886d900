package dev.checkpointer;

import java.util.Collections;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The shape of the pipeline a checkpoint belongs to: the names of its sources (the keys of
 * {@link Manifest#offsets()}), the names of its sinks (the keys of {@link Manifest#sinkEpochs()}) and, optionally,
 * its vnode count (how many partitions each operator's state is split into). Recorded in the manifest when a
 * snapshot carries one ({@link Snapshot.Builder#topology}); {@link Manifest#validate(Topology)} checks a checkpoint
 * against the topology a restarting pipeline expects and reports every mismatch together. Immutable; names are
 * kept sorted.
 *
 * @param sources the source names
 * @param sinks the sink names
 * @param vnodes the vnode count; empty when not recorded
 */
public record Topology(SortedSet<String> sources, SortedSet<String> sinks, OptionalInt vnodes) {

    /**
     * Validates and copies.
     *
     * @throws InvalidInputException when a name is empty or the vnode count is below 1
     */
    public Topology {
        sources = names("source", sources);
        sinks = names("sink", sinks);
        Objects.requireNonNull(vnodes, "vnodes");
        if (vnodes.isPresent() && vnodes.getAsInt() < 1) {
            throw new InvalidInputException("topology vnode count must be >= 1, got " + vnodes.getAsInt());
        }
    }

    /**
     * A topology without a vnode count.
     *
     * @param sources the source names
     * @param sinks the sink names
     * @return the topology
     */
    public static Topology of(Set<String> sources, Set<String> sinks) {
        return new Topology(new TreeSet<>(sources), new TreeSet<>(sinks), OptionalInt.empty());
    }

    /**
     * A topology with a vnode count.
     *
     * @param sources the source names
     * @param sinks the sink names
     * @param vnodes the vnode count, at least 1
     * @return the topology
     */
    public static Topology of(Set<String> sources, Set<String> sinks, int vnodes) {
        return new Topology(new TreeSet<>(sources), new TreeSet<>(sinks), OptionalInt.of(vnodes));
    }

    private static SortedSet<String> names(String what, Set<String> names) {
        Objects.requireNonNull(names, what + "s");
        TreeSet<String> copy = new TreeSet<>();
        for (String n : names) {
            if (n == null || n.isEmpty()) {
                throw new InvalidInputException("topology " + what + " names must be non-empty");
            }
            copy.add(n);
        }
        return Collections.unmodifiableSortedSet(copy);
    }
}

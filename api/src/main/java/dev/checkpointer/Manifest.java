package dev.checkpointer;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The record of one checkpoint: its partitions (where each one's bytes live and their SHA-256), source offsets,
 * sink epochs, watermarks, pipeline fingerprint, free-form metadata, and its place in the location's chain of
 * checkpoints (the {@linkplain #parent() parent} it was committed on). Stored as JSON; a manifest is committed
 * exactly when it is reachable from the location's {@code _latest} pointer by parent links (see
 * {@code docs/PROTOCOL.md}). Immutable; built with {@link #builder()}.
 *
 * <p>A builder does not validate: {@link #validate()} reports every problem at once, which is how manifests read
 * from a store and entries sent by workers are checked.
 */
public final class Manifest {

    /**
     * The highest major version of the manifest format this library reads (and writes, for manifests with chunked
     * partitions); a manifest with a higher major is refused.
     */
    public static final int FORMAT_MAJOR = 3;
    /** Minor version of the manifest formats this library writes. */
    public static final int FORMAT_MINOR = 0;
    /**
     * The version written for a manifest without chunked partitions: {@code 2.0}, which every 2.x library reads.
     */
    public static final String FORMAT_VERSION = "2." + FORMAT_MINOR;
    /**
     * The version written for a manifest with chunked partitions ({@link Chunking}): {@code 3.0}. Libraries that do
     * not read chunks refuse it by its major version, with an "upgrade" error, instead of misreading it.
     */
    public static final String CHUNKED_FORMAT_VERSION = FORMAT_MAJOR + "." + FORMAT_MINOR;
    /** The first major version that may hold chunked partitions. */
    static final int CHUNKED_MAJOR = 3;

    /**
     * A link to another checkpoint of the chain: its id and the SHA-256 of its manifest file's bytes, so that a
     * chain of links is tamper-evident.
     *
     * @param id the checkpoint linked to
     * @param manifestSha256 lower-case hex SHA-256 of that checkpoint's manifest file
     */
    public record Link(CheckpointId id, String manifestSha256) {
        /** Validates the link. */
        public Link {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(manifestSha256, "manifestSha256");
            if (!manifestSha256.matches("[0-9a-f]{64}")) {
                throw new InvalidInputException("manifestSha256 must be 64 lower-case hex digits");
            }
        }

        @Override
        public String toString() {
            return id + "@" + manifestSha256.substring(0, 12);
        }
    }

    private final @Nullable String formatVersion;
    private final @Nullable CheckpointId id;
    private final long epoch;
    private final @Nullable Instant createdAt;
    private final @Nullable String writerId;
    private final @Nullable Link parent;
    private final @Nullable Link grandparent;
    private final List<PartitionEntry> partitions;
    private final Map<String, Map<String, String>> offsets;
    private final Map<String, Long> sinkEpochs;
    private final Map<String, String> sinkPrepared;
    private final @Nullable Topology topology;
    private final Map<String, Instant> watermarks;
    private final @Nullable String fingerprint;
    private final @Nullable String chunker;
    private final Map<String, String> metadata;
    private final Map<String, PartitionEntry> byName;

    private Manifest(Builder b) {
        this.formatVersion = b.formatVersion;
        this.id = b.id;
        this.epoch = b.epoch;
        this.createdAt = b.createdAt;
        this.writerId = b.writerId;
        this.parent = b.parent;
        this.grandparent = b.grandparent;
        this.partitions = Collections.unmodifiableList(new ArrayList<>(b.partitions));
        Map<String, Map<String, String>> off = new TreeMap<>();
        b.offsets.forEach((k, v) -> off.put(k, v == null ? null : Collections.unmodifiableMap(new TreeMap<>(v))));
        this.offsets = Collections.unmodifiableMap(off);
        this.sinkEpochs = Collections.unmodifiableMap(new TreeMap<>(b.sinkEpochs));
        this.sinkPrepared = Collections.unmodifiableMap(new TreeMap<>(b.sinkPrepared));
        this.topology = b.topology;
        this.watermarks = Collections.unmodifiableMap(new TreeMap<>(b.watermarks));
        this.fingerprint = b.fingerprint;
        this.chunker = b.chunker;
        this.metadata = Collections.unmodifiableMap(new TreeMap<>(b.metadata));
        Map<String, PartitionEntry> index = new HashMap<>(Math.max(16, partitions.size() * 2));
        for (PartitionEntry e : partitions) {
            if (e != null && e.operator() != null) {
                index.putIfAbsent(nameOf(e.operator(), e.partition()), e);
            }
        }
        this.byName = index;
    }

    private static String nameOf(String operator, int partition) {
        return partition + "\u0000" + operator;
    }

    /**
     * A new builder, with {@link #FORMAT_VERSION} as the format version.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder holding this manifest's values.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.formatVersion = formatVersion;
        // A version this library writes is chosen again for the copy's entries; any other is kept as it is.
        b.versionSet = !FORMAT_VERSION.equals(formatVersion) && !CHUNKED_FORMAT_VERSION.equals(formatVersion);
        b.id = id;
        b.epoch = epoch;
        b.createdAt = createdAt;
        b.writerId = writerId;
        b.parent = parent;
        b.grandparent = grandparent;
        b.partitions.addAll(partitions);
        b.offsets.putAll(offsets);
        b.sinkEpochs.putAll(sinkEpochs);
        b.sinkPrepared.putAll(sinkPrepared);
        b.topology = topology;
        b.watermarks.putAll(watermarks);
        b.fingerprint = fingerprint;
        b.chunker = chunker;
        b.metadata.putAll(metadata);
        return b;
    }

    /**
     * {@code major.minor} of the format that wrote it.
     *
     * @return the version, or null when missing
     */
    public @Nullable String formatVersion() {
        return formatVersion;
    }

    /**
     * The checkpoint id.
     *
     * @return the id, or null when missing (an invalid manifest)
     */
    public @Nullable CheckpointId id() {
        return id;
    }

    /**
     * The writer epoch that committed it.
     *
     * @return the epoch
     */
    public long epoch() {
        return epoch;
    }

    /**
     * When the commit was prepared, by the writer's clock.
     *
     * @return the time, or null when missing
     */
    public @Nullable Instant createdAt() {
        return createdAt;
    }

    /**
     * The writing process (host, pid, random suffix by default).
     *
     * @return the writer id, or null when missing
     */
    public @Nullable String writerId() {
        return writerId;
    }

    /**
     * The checkpoint this one was committed on, i.e. the head of the chain when it was prepared.
     *
     * @return the link; empty for the first checkpoint of a location and for format-1 manifests
     */
    public Optional<Link> parent() {
        return Optional.ofNullable(parent);
    }

    /**
     * The parent's own parent link, so that the chain can be followed past one unreadable manifest.
     *
     * @return the link; empty when the parent has none
     */
    public Optional<Link> grandparent() {
        return Optional.ofNullable(grandparent);
    }

    /**
     * Every partition, with location, size and SHA-256.
     *
     * @return an immutable list
     */
    public List<PartitionEntry> partitions() {
        return partitions;
    }

    /**
     * Source offsets per source.
     *
     * @return an immutable, sorted map
     */
    public Map<String, Map<String, String>> offsets() {
        return offsets;
    }

    /**
     * Sink epochs per sink.
     *
     * @return an immutable, sorted map
     */
    public Map<String, Long> sinkEpochs() {
        return sinkEpochs;
    }

    /**
     * Prepared-transaction data per sink, as the sinks handed it in at the barrier
     * ({@link Snapshot.Builder#sinkPrepared}); absent in manifests written before it existed.
     *
     * @return an immutable, sorted map
     */
    public Map<String, String> sinkPrepared() {
        return sinkPrepared;
    }

    /**
     * The topology recorded with this checkpoint (source names, sink names, vnode count), if any; absent in
     * manifests written before it existed or by pipelines that record none.
     *
     * @return the topology
     */
    public Optional<Topology> topology() {
        return Optional.ofNullable(topology);
    }

    /**
     * Watermarks per stream.
     *
     * @return an immutable, sorted map
     */
    public Map<String, Instant> watermarks() {
        return watermarks;
    }

    /**
     * The pipeline fingerprint, if any.
     *
     * @return the fingerprint, or null
     */
    public @Nullable String fingerprint() {
        return fingerprint;
    }

    /**
     * How the writer cut its chunked partitions, e.g. {@code fastcdc-v1/262144/1048576/8388608} (algorithm, minimum,
     * average and maximum chunk size); null when it has none. Readers do not need it: it tells a later writer
     * whether this checkpoint's chunk boundaries are the ones its own chunker would cut.
     *
     * @return the chunker, or null
     */
    public @Nullable String chunker() {
        return chunker;
    }

    /**
     * Free-form metadata.
     *
     * @return an immutable, sorted map
     */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Total bytes of state across all partitions.
     *
     * @return the sum of partition sizes
     */
    public long totalBytes() {
        long total = 0;
        for (PartitionEntry e : partitions) {
            total += Math.max(0, e.size());
        }
        return total;
    }

    /**
     * The entry for one partition, found in constant time.
     *
     * @param operator operator name
     * @param partition partition number
     * @return the entry, or empty when the checkpoint has no such partition
     */
    public Optional<PartitionEntry> partition(String operator, int partition) {
        Objects.requireNonNull(operator, "operator");
        return Optional.ofNullable(byName.get(nameOf(operator, partition)));
    }

    /**
     * Every problem with this manifest, without a fingerprint expectation.
     *
     * @return the problems; empty when valid
     */
    public List<String> validate() {
        return validate((String) null);
    }

    /**
     * Every problem with this manifest: missing or impossible fields, duplicate partitions, inconsistent entries,
     * keys outside the checkpoint's own directory, and a fingerprint that differs from the expected one. Not just
     * the first problem: all of them.
     *
     * @param expectedFingerprint the fingerprint the caller requires, or null for none
     * @return the problems; empty when valid
     */
    public List<String> validate(@Nullable String expectedFingerprint) {
        List<String> problems = new ArrayList<>();
        if (formatVersion == null || formatVersion.isBlank()) {
            problems.add("formatVersion is missing");
        } else if (!formatVersion.matches("\\d{1,9}\\.\\d{1,9}")) {
            problems.add("formatVersion '" + formatVersion + "' is not MAJOR.MINOR");
        }
        if (id == null) {
            problems.add("id is missing (ids start at 1)");
        }
        if (epoch < 1) {
            problems.add("epoch must be >= 1, got " + epoch);
        }
        if (createdAt == null) {
            problems.add("createdAt is missing");
        }
        if (id != null && parent != null && parent.id().compareTo(id) >= 0) {
            problems.add("parent " + parent.id() + " is not below the checkpoint's own id " + id);
        }
        if (parent == null && grandparent != null) {
            problems.add("grandparent is set but parent is not");
        }
        if (parent != null && grandparent != null && grandparent.id().compareTo(parent.id()) >= 0) {
            problems.add("grandparent " + grandparent.id() + " is not below the parent " + parent.id());
        }
        String dir = id == null ? null : "checkpoints/" + id.padded() + "/";
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < partitions.size(); i++) {
            PartitionEntry e = partitions.get(i);
            String where = "partitions[" + i + "]";
            if (e == null) {
                problems.add(where + " is null");
                continue;
            }
            if (e.operator() == null) {
                problems.add(where + ": operator is missing");
            } else {
                try {
                    OperatorNames.validate(e.operator());
                } catch (InvalidInputException ex) {
                    problems.add(where + ": " + ex.getMessage());
                }
            }
            where = where + " (" + e.operator() + "/" + e.partition() + ")";
            if (e.partition() < 0) {
                problems.add(where + ": partition must be >= 0");
            }
            if (!seen.add(e.operator() + '\u0000' + e.partition())) {
                problems.add(where + ": partition listed twice");
            }
            if (e.kind() == null) {
                problems.add(where + ": kind is missing");
            }
            if (e.size() < 0) {
                problems.add(where + ": size must be >= 0, got " + e.size());
            }
            if (e.offset() < 0) {
                problems.add(where + ": offset must be >= 0, got " + e.offset());
            }
            if (e.sha256() == null || !e.sha256().matches("[0-9a-f]{64}")) {
                problems.add(where + ": sha256 must be 64 lower-case hex digits");
            }
            if (e.isChunked()) {
                chunkProblems(e, where, problems);
            } else if (e.inline() != null && e.key() != null) {
                problems.add(where + ": has both an inline value and a key");
            } else if (e.inline() == null && (e.key() == null || e.key().isEmpty())) {
                problems.add(where + ": has neither an inline value nor a key");
            } else if (e.inline() != null) {
                try {
                    int decoded = Base64.getDecoder().decode(e.inline()).length;
                    if (decoded != e.size()) {
                        problems.add(where + ": inline value has " + decoded + " bytes but size says " + e.size());
                    }
                } catch (IllegalArgumentException ex) {
                    problems.add(where + ": inline value is not valid base64");
                }
            } else if (dir != null) {
                String key = e.key();
                if (!key.startsWith(dir) || key.length() == dir.length() || key.equals(dir + "manifest.json") || key.equals(dir + "_begin") || key.equals(dir + "_sinks")
                        || key.contains("/../") || key.endsWith("/..")) {
                    problems.add(where + ": key '" + key + "' is not an artifact of checkpoint " + id + " (keys must lie under " + dir + ")");
                }
            }
        }
        offsets.forEach((source, map) -> {
            if (source == null || source.isEmpty()) {
                problems.add("offsets: a source has an empty name");
            }
            if (map == null) {
                problems.add("offsets of '" + source + "' are null");
            }
        });
        sinkEpochs.forEach((sink, e) -> {
            if (e == null || e < 0) {
                problems.add("sinkEpochs['" + sink + "'] must be >= 0, got " + e);
            }
        });
        sinkPrepared.keySet().stream().filter(s -> !sinkEpochs.containsKey(s))
                .forEach(s -> problems.add("sinkPrepared['" + s + "'] has no sink epoch"));
        if (!sinkEpochs.isEmpty() && offsets.isEmpty()) {
            problems.add("sink epochs are recorded but no source offsets: a sink epoch without a source position cannot be replayed");
        }
        if (expectedFingerprint != null && !expectedFingerprint.equals(fingerprint)) {
            problems.add("fingerprint mismatch: expected '" + expectedFingerprint + "', manifest has '" + fingerprint + "'");
        }
        return List.copyOf(problems);
    }

    /**
     * Every problem with this manifest for a pipeline of the given topology, all together: the problems of
     * {@link #validate()}, then
     * <ul>
     *   <li>offsets recorded for a source that is not in the expected topology;</li>
     *   <li>a sink epoch (or prepared data) recorded for a sink that is not in the expected topology;</li>
     *   <li>a vnode count that differs from the expected one (when both record one), and partitions numbered at or
     *       above the expected vnode count;</li>
     *   <li>a recorded topology whose sources or sinks differ from the expected ones (each missing or extra name).</li>
     * </ul>
     * A manifest without a recorded topology (an older one) is checked by its offsets, sink epochs and partitions
     * alone.
     *
     * @param expected the topology the restoring pipeline has
     * @return the problems; empty when the checkpoint fits
     */
    public List<String> validate(Topology expected) {
        Objects.requireNonNull(expected, "expected");
        List<String> problems = new ArrayList<>(validate());
        offsets.keySet().stream().filter(s -> !expected.sources().contains(s))
                .forEach(s -> problems.add("offsets recorded for source '" + s + "', which is not in the topology " + expected.sources()));
        sinkEpochs.keySet().stream().filter(s -> !expected.sinks().contains(s))
                .forEach(s -> problems.add("sink epoch recorded for sink '" + s + "', which is not in the topology " + expected.sinks()));
        sinkPrepared.keySet().stream().filter(s -> !expected.sinks().contains(s) && !sinkEpochs.containsKey(s))
                .forEach(s -> problems.add("prepared data recorded for sink '" + s + "', which is not in the topology " + expected.sinks()));
        if (expected.vnodes().isPresent()) {
            int want = expected.vnodes().getAsInt();
            if (topology != null && topology.vnodes().isPresent() && topology.vnodes().getAsInt() != want) {
                problems.add("vnode count mismatch: expected " + want + ", checkpoint has " + topology.vnodes().getAsInt());
            }
            for (PartitionEntry e : partitions) {
                if (e != null && e.partition() >= want) {
                    problems.add("partition " + e.operator() + "/" + e.partition() + " is outside the expected vnode count " + want);
                }
            }
        }
        if (topology != null) {
            topology.sources().stream().filter(s -> !expected.sources().contains(s))
                    .forEach(s -> problems.add("topology: checkpoint has source '" + s + "', which the expected topology does not"));
            expected.sources().stream().filter(s -> !topology.sources().contains(s))
                    .forEach(s -> problems.add("topology: expected source '" + s + "' is not in the checkpoint's topology"));
            topology.sinks().stream().filter(s -> !expected.sinks().contains(s))
                    .forEach(s -> problems.add("topology: checkpoint has sink '" + s + "', which the expected topology does not"));
            expected.sinks().stream().filter(s -> !topology.sinks().contains(s))
                    .forEach(s -> problems.add("topology: expected sink '" + s + "' is not in the checkpoint's topology"));
        }
        return List.copyOf(problems);
    }

    /** The rules of a chunked entry: no key or inline value, chunks adding up to its size, each chunk well-formed and written by then. */
    private void chunkProblems(PartitionEntry e, String where, List<String> problems) {
        if (e.inline() != null || e.key() != null) {
            problems.add(where + ": a chunked entry has " + (e.key() != null ? "a key" : "an inline value") + " as well as chunks");
        }
        if (e.offset() != 0) {
            problems.add(where + ": a chunked entry's offset must be 0, got " + e.offset());
        }
        if (formatMajor() >= 0 && formatMajor() < CHUNKED_MAJOR) {
            problems.add(where + ": chunked entries need format " + CHUNKED_FORMAT_VERSION + " or later, but the manifest says " + formatVersion);
        }
        long sum = 0;
        for (int c = 0; c < e.chunks().size(); c++) {
            ChunkRef ref = e.chunks().get(c);
            String at = where + " chunks[" + c + "]";
            if (!ref.sha256().matches("[0-9a-f]{64}")) {
                problems.add(at + ": sha256 must be 64 lower-case hex digits");
            }
            if (ref.size() < 1) {
                problems.add(at + ": size must be >= 1, got " + ref.size());
            }
            if (!ref.codec().equals("none") && !ref.codec().equals("zstd")) {
                problems.add(at + ": unknown codec '" + ref.codec() + "' (none or zstd)");
            } else if (!ref.compressed() && ref.storedSize() != ref.size()) {
                problems.add(at + ": an uncompressed chunk's stored size " + ref.storedSize() + " differs from its size " + ref.size());
            }
            if (ref.storedSize() < 1) {
                problems.add(at + ": stored size must be >= 1, got " + ref.storedSize());
            }
            if (!ref.token().matches("[0-9a-f]{1,32}")) {
                problems.add(at + ": token must be 1 to 32 lower-case hex digits");
            }
            if (id != null && ref.firstId().compareTo(id) > 0) {
                problems.add(at + ": first written by checkpoint " + ref.firstId() + ", after this checkpoint " + id);
            }
            sum += Math.max(0, ref.size());
        }
        if (sum != e.size()) {
            problems.add(where + ": chunks add up to " + sum + " bytes but size says " + e.size());
        }
        if (e.sha256() != null && e.chunks().stream().allMatch(c -> c.sha256().matches("[0-9a-f]{64}"))
                && !ChunkRef.listDigest(e.chunks()).equals(e.sha256())) {
            problems.add(where + ": sha256 is not the digest of its chunks' digests");
        }
    }

    /**
     * The major part of {@link #formatVersion()}.
     *
     * @return the major version, or -1 when the version is missing or malformed
     */
    public int formatMajor() {
        return majorOf(formatVersion);
    }

    /**
     * The major part of a {@code major.minor} version string.
     *
     * @param version the version
     * @return the major version, or -1 when the version is missing or malformed
     */
    public static int majorOf(@Nullable String version) {
        if (version == null) {
            return -1;
        }
        int dot = version.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? version : version.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Manifest m)) {
            return false;
        }
        return epoch == m.epoch && Objects.equals(formatVersion, m.formatVersion) && Objects.equals(id, m.id)
                && Objects.equals(createdAt, m.createdAt) && Objects.equals(writerId, m.writerId) && Objects.equals(parent, m.parent)
                && Objects.equals(grandparent, m.grandparent) && partitions.equals(m.partitions) && offsets.equals(m.offsets)
                && sinkEpochs.equals(m.sinkEpochs) && sinkPrepared.equals(m.sinkPrepared) && Objects.equals(topology, m.topology) && watermarks.equals(m.watermarks) && Objects.equals(fingerprint, m.fingerprint) && Objects.equals(chunker, m.chunker)
                && metadata.equals(m.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(formatVersion, id, epoch, createdAt, writerId, parent, partitions, offsets, fingerprint, metadata);
    }

    @Override
    public String toString() {
        return "Manifest[id=" + id + ", epoch=" + epoch + ", parent=" + (parent == null ? "none" : parent.id()) + ", createdAt=" + createdAt
                + ", partitions=" + partitions.size() + ", bytes=" + totalBytes() + ", writer=" + writerId + "]";
    }

    /**
     * Builds a {@link Manifest}. Not thread-safe; setters do not validate (call {@link Manifest#validate()}).
     */
    public static final class Builder {
        private @Nullable String formatVersion = FORMAT_VERSION;
        /** False: {@link #build()} chooses the version this library writes for the entries given. */
        private boolean versionSet;
        private @Nullable CheckpointId id;
        private long epoch;
        private @Nullable Instant createdAt;
        private @Nullable String writerId;
        private @Nullable Link parent;
        private @Nullable Link grandparent;
        private final List<PartitionEntry> partitions = new ArrayList<>();
        private final Map<String, Map<String, String>> offsets = new LinkedHashMap<>();
        private final Map<String, Long> sinkEpochs = new LinkedHashMap<>();
        private final Map<String, String> sinkPrepared = new LinkedHashMap<>();
        private @Nullable Topology topology;
        private final Map<String, Instant> watermarks = new LinkedHashMap<>();
        private @Nullable String fingerprint;
        private @Nullable String chunker;
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder() {}

        /**
         * The format version. By default {@link #build()} chooses the one this library writes:
         * {@link Manifest#CHUNKED_FORMAT_VERSION} when an entry is chunked, else {@link Manifest#FORMAT_VERSION}.
         *
         * @param v the version
         * @return this builder
         */
        public Builder formatVersion(@Nullable String v) {
            this.formatVersion = v;
            this.versionSet = true;
            return this;
        }

        /**
         * The checkpoint id.
         *
         * @param v the id
         * @return this builder
         */
        public Builder id(@Nullable CheckpointId v) {
            this.id = v;
            return this;
        }

        /**
         * The writer epoch.
         *
         * @param v the epoch
         * @return this builder
         */
        public Builder epoch(long v) {
            this.epoch = v;
            return this;
        }

        /**
         * When the commit was prepared.
         *
         * @param v the time
         * @return this builder
         */
        public Builder createdAt(@Nullable Instant v) {
            this.createdAt = v;
            return this;
        }

        /**
         * The writer id.
         *
         * @param v the id
         * @return this builder
         */
        public Builder writerId(@Nullable String v) {
            this.writerId = v;
            return this;
        }

        /**
         * The parent link.
         *
         * @param v the link, or null for none
         * @return this builder
         */
        public Builder parent(@Nullable Link v) {
            this.parent = v;
            return this;
        }

        /**
         * The grandparent link.
         *
         * @param v the link, or null for none
         * @return this builder
         */
        public Builder grandparent(@Nullable Link v) {
            this.grandparent = v;
            return this;
        }

        /**
         * Replaces the partition entries.
         *
         * @param v the entries
         * @return this builder
         */
        public Builder partitions(List<PartitionEntry> v) {
            partitions.clear();
            partitions.addAll(v);
            return this;
        }

        /**
         * Adds a partition entry.
         *
         * @param v the entry
         * @return this builder
         */
        public Builder partition(PartitionEntry v) {
            partitions.add(v);
            return this;
        }

        /**
         * Replaces the source offsets.
         *
         * @param v offsets per source
         * @return this builder
         */
        public Builder offsets(Map<String, Map<String, String>> v) {
            offsets.clear();
            offsets.putAll(v);
            return this;
        }

        /**
         * Replaces the sink epochs.
         *
         * @param v epochs per sink
         * @return this builder
         */
        public Builder sinkEpochs(Map<String, Long> v) {
            sinkEpochs.clear();
            sinkEpochs.putAll(v);
            return this;
        }

        /**
         * Replaces the sinks' prepared-transaction data.
         *
         * @param v data per sink
         * @return this builder
         */
        public Builder sinkPrepared(Map<String, String> v) {
            sinkPrepared.clear();
            sinkPrepared.putAll(v);
            return this;
        }

        /**
         * The recorded topology.
         *
         * @param v the topology, or null for none
         * @return this builder
         */
        public Builder topology(@Nullable Topology v) {
            this.topology = v;
            return this;
        }

        /**
         * Replaces the watermarks.
         *
         * @param v watermarks per stream
         * @return this builder
         */
        public Builder watermarks(Map<String, Instant> v) {
            watermarks.clear();
            watermarks.putAll(v);
            return this;
        }

        /**
         * How the writer cut its chunked partitions ({@link Manifest#chunker()}).
         *
         * @param v the chunker, or null for none
         * @return this builder
         */
        public Builder chunker(@Nullable String v) {
            this.chunker = v;
            return this;
        }

        /**
         * The pipeline fingerprint.
         *
         * @param v the fingerprint, or null for none
         * @return this builder
         */
        public Builder fingerprint(@Nullable String v) {
            this.fingerprint = v;
            return this;
        }

        /**
         * Replaces the free-form metadata.
         *
         * @param v the metadata
         * @return this builder
         */
        public Builder metadata(Map<String, String> v) {
            metadata.clear();
            metadata.putAll(v);
            return this;
        }

        /**
         * Takes offsets, sink epochs, watermarks, fingerprint and metadata from a {@link CheckpointMetadata}.
         *
         * @param m the metadata
         * @return this builder
         */
        public Builder from(CheckpointMetadata m) {
            offsets(m.offsets());
            sinkEpochs(m.sinkEpochs());
            sinkPrepared(m.sinkPrepared());
            topology(m.topology().orElse(null));
            watermarks(m.watermarks());
            fingerprint(m.fingerprint().orElse(null));
            metadata(m.metadata());
            return this;
        }

        /**
         * The manifest (not validated).
         *
         * @return the manifest
         */
        public Manifest build() {
            if (!versionSet) {
                formatVersion = partitions.stream().anyMatch(e -> e != null && e.isChunked()) ? CHUNKED_FORMAT_VERSION : FORMAT_VERSION;
            }
            return new Manifest(this);
        }
    }
}

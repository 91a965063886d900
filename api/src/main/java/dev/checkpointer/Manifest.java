package dev.checkpointer;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The record of one committed checkpoint, stored as JSON; its existence in the store <em>is</em> the commit.
 * Unknown fields are ignored on read, so newer minor versions stay readable; a newer major version is refused
 * with {@link IncompatibleCheckpointException}.
 *
 * @param formatVersion {@code major.minor} of the format that wrote it
 * @param id the checkpoint id
 * @param epoch the writer epoch that committed it
 * @param createdAt when the commit was prepared
 * @param writerId identifies the writing process (host, pid, random suffix)
 * @param partitions every partition, with location, size and SHA-256
 * @param offsets source offsets per source
 * @param sinkEpochs sink epochs per sink
 * @param watermarks watermarks per stream
 * @param fingerprint pipeline fingerprint, if any
 * @param metadata free-form metadata
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"formatVersion", "id", "epoch", "createdAt", "writerId", "fingerprint", "partitions", "offsets", "sinkEpochs", "watermarks", "metadata"})
public record Manifest(
        @Nullable String formatVersion,
        @Nullable CheckpointId id,
        long epoch,
        @Nullable Instant createdAt,
        @Nullable String writerId,
        @Nullable List<PartitionEntry> partitions,
        @Nullable Map<String, Map<String, String>> offsets,
        @Nullable Map<String, Long> sinkEpochs,
        @Nullable Map<String, Instant> watermarks,
        @Nullable String fingerprint,
        @Nullable Map<String, String> metadata) {

    /** Major version of the manifest format this library writes; a manifest with a higher major is refused. */
    public static final int FORMAT_MAJOR = 1;
    /** Minor version of the manifest format this library writes. */
    public static final int FORMAT_MINOR = 0;
    /** The version string written: {@code FORMAT_MAJOR.FORMAT_MINOR}. */
    public static final String FORMAT_VERSION = FORMAT_MAJOR + "." + FORMAT_MINOR;

    /** Normalises absent collections to empty, immutable ones. */
    public Manifest {
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
        offsets = offsets == null ? Map.of() : Map.copyOf(offsets);
        sinkEpochs = sinkEpochs == null ? Map.of() : Map.copyOf(sinkEpochs);
        watermarks = watermarks == null ? Map.of() : Map.copyOf(watermarks);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /**
     * Total bytes of state across all partitions.
     *
     * @return the sum of partition sizes
     */
    @JsonIgnore
    public long totalBytes() {
        long total = 0;
        for (PartitionEntry e : partitions()) {
            total += Math.max(0, e.size());
        }
        return total;
    }

    /**
     * The entry for one partition.
     *
     * @param operator operator name
     * @param partition partition number
     * @return the entry, or empty when the checkpoint has no such partition
     */
    public Optional<PartitionEntry> partition(String operator, int partition) {
        for (PartitionEntry e : partitions()) {
            if (e.partition() == partition && e.operator().equals(operator)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Every problem with this manifest, without a fingerprint expectation.
     *
     * @return the problems; empty when valid
     */
    public List<String> validate() {
        return validate(null);
    }

    /**
     * Every problem with this manifest: missing or impossible fields, duplicate partitions, inconsistent entries,
     * and a fingerprint that differs from the expected one. Not just the first problem: all of them.
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
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < partitions().size(); i++) {
            PartitionEntry e = partitions().get(i);
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
            if (e.inline() != null && e.key() != null) {
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
            }
        }
        offsets().forEach((source, map) -> {
            if (source == null || source.isEmpty()) {
                problems.add("offsets: a source has an empty name");
            }
            if (map == null) {
                problems.add("offsets of '" + source + "' are null");
            }
        });
        sinkEpochs().forEach((sink, e) -> {
            if (e == null || e < 0) {
                problems.add("sinkEpochs['" + sink + "'] must be >= 0, got " + e);
            }
        });
        if (!sinkEpochs().isEmpty() && offsets().isEmpty()) {
            problems.add("sink epochs are recorded but no source offsets: a sink epoch without a source position cannot be replayed");
        }
        if (expectedFingerprint != null && !expectedFingerprint.equals(fingerprint)) {
            problems.add("fingerprint mismatch: expected '" + expectedFingerprint + "', manifest has '" + fingerprint + "'");
        }
        return List.copyOf(problems);
    }

    /**
     * The major part of {@link #formatVersion()}.
     *
     * @return the major version, or -1 when the version is missing or malformed
     */
    @JsonIgnore
    public int formatMajor() {
        if (formatVersion == null) {
            return -1;
        }
        int dot = formatVersion.indexOf('.');
        try {
            return Integer.parseInt(dot < 0 ? formatVersion : formatVersion.substring(0, dot));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return "Manifest[id=" + id + ", epoch=" + epoch + ", createdAt=" + createdAt + ", partitions=" + partitions().size()
                + ", bytes=" + totalBytes() + ", writer=" + writerId + "]";
    }
}

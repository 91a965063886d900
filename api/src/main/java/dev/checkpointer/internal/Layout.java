package dev.checkpointer.internal;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.OperatorNames;
import dev.checkpointer.PartitionKind;
import java.util.Optional;

/**
 * The key layout in a store (relative to the store's root, which holds the URI's prefix):
 * <pre>
 * checkpoints/{id:020d}/manifest.json                         the commit marker
 * checkpoints/{id:020d}/{operator}/{partition}.{token}.{kind}  one partition (token: unique per save attempt)
 * checkpoints/{id:020d}/state.{token}.bin                      small partitions packed together
 * checkpoints/{id:020d}/_begin                                  reservation of an id by begin() (many hosts)
 * checkpoints/{id:020d}/_sinks                                  sink statuses of a committed checkpoint (CAS)
 * chunks/{id:020d}/{sha256}.{token}                           a chunk, first written by checkpoint id (shared by later ones)
 * _latest                                                      pointer to the newest checkpoint
 * </pre>
 * The token keeps two writers racing for one id from overwriting each other's artifacts.
 */
final class Layout {
    /** The pointer key. */
    public static final String LATEST = "_latest";
    /** Prefix of every checkpoint's keys. */
    public static final String CHECKPOINTS = "checkpoints/";
    private static final String PADDED_MAX = String.format("%020d", CheckpointId.MAX_VALUE);
    /** File name of a manifest. */
    public static final String MANIFEST = "manifest.json";

    private Layout() {}

    /** Prefix of one checkpoint's keys, ending with '/'. */
    public static String dir(CheckpointId id) {
        return CHECKPOINTS + id.padded() + "/";
    }

    /** Key of a checkpoint's manifest. */
    public static String manifest(CheckpointId id) {
        return dir(id) + MANIFEST;
    }

    /** Key of one partition's object. */
    public static String artifact(CheckpointId id, String operator, int partition, PartitionKind kind, String token) {
        return dir(id) + OperatorNames.encode(operator) + "/" + partition + "." + token + "." + kind.extension();
    }

    /** Key of the reservation {@code begin()} creates for a checkpoint written by many hosts. */
    public static String reservation(CheckpointId id) {
        return dir(id) + "_begin";
    }

    /**
     * Key of a committed checkpoint's sink status object (created after the commit, changed by compare-and-swap;
     * live exactly as long as its checkpoint is a live member of the chain).
     */
    public static String sinkStatus(CheckpointId id) {
        return dir(id) + "_sinks";
    }

    /** Key of the sidecar holding packed small partitions. */
    public static String sidecar(CheckpointId id, String token) {
        return dir(id) + "state." + token + ".bin";
    }

    /** The checkpoint id a key belongs to, if it is under {@code checkpoints/{id}/}. */
    public static Optional<CheckpointId> idOf(String key) {
        if (!key.startsWith(CHECKPOINTS)) {
            return Optional.empty();
        }
        int start = CHECKPOINTS.length();
        int slash = key.indexOf('/', start);
        if (slash != start + 20) {
            return Optional.empty();
        }
        String digits = key.substring(start, slash);
        for (int i = 0; i < digits.length(); i++) {
            if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        // Twenty digits may exceed a long: such a key (not one this library writes) is not a checkpoint.
        if (digits.compareTo(PADDED_MAX) > 0) {
            return Optional.empty();
        }
        long v = Long.parseLong(digits);
        return v < 1 ? Optional.empty() : Optional.of(CheckpointId.of(v));
    }

    /** The id of the save that wrote a chunk, if the key is a chunk's ({@code chunks/{id:020d}/…}). */
    public static Optional<CheckpointId> chunkIdOf(String key) {
        if (!key.startsWith(dev.checkpointer.ChunkRef.AREA)) {
            return Optional.empty();
        }
        return idOf(CHECKPOINTS + key.substring(dev.checkpointer.ChunkRef.AREA.length()));
    }

    /** Whether a key is a manifest key. */
    public static boolean isManifest(String key) {
        return key.endsWith("/" + MANIFEST) && idOf(key).map(id -> manifest(id).equals(key)).orElse(false);
    }
}

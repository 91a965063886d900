package dev.checkpointer.cli;

import com.github.luben.zstd.Zstd;
import dev.checkpointer.ChunkRef;
import dev.checkpointer.CheckpointId;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.spi.ObjectStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * What the tool knows about chunked partition entries (incremental checkpoints, manifest format 3): which of a
 * checkpoint's bytes it wrote itself and which it references from earlier checkpoints, and whether one chunk object
 * is what its manifest says.
 *
 * <p>A chunk object is {@code chunks/{firstId:020d}/{sha256}.{token}} ({@link ChunkRef#key()}): written once, by the
 * save of checkpoint {@code firstId}, and never changed. So a chunk of checkpoint {@code N} whose {@code firstId} is
 * {@code N} is <em>new</em> (this save uploaded it) and any other is <em>reused</em> (referenced, not uploaded).
 */
final class Chunks {
    private Chunks() {}

    /**
     * New versus reused bytes of one partition entry, or of a whole checkpoint.
     *
     * @param bytes logical bytes (what a reader gets)
     * @param chunks chunk references (0 for an entry that is not chunked)
     * @param newChunks chunk references written by this checkpoint
     * @param newBytes logical bytes this checkpoint wrote: its new chunks, plus every entry that is not chunked
     * @param reusedBytes logical bytes referenced from chunks earlier checkpoints wrote
     * @param storedNewBytes bytes this checkpoint stored for them (compressed size of new chunks; entries that are
     *     not chunked at their size; inline entries count too, though they live in the manifest)
     * @param storedReusedBytes stored size of the reused chunks
     */
    record Tally(long bytes, int chunks, int newChunks, long newBytes, long reusedBytes, long storedNewBytes, long storedReusedBytes) {
        static final Tally ZERO = new Tally(0, 0, 0, 0, 0, 0, 0);

        Tally plus(Tally o) {
            return new Tally(bytes + o.bytes, chunks + o.chunks, newChunks + o.newChunks, newBytes + o.newBytes, reusedBytes + o.reusedBytes,
                    storedNewBytes + o.storedNewBytes, storedReusedBytes + o.storedReusedBytes);
        }

        /** {@code 1.2 MiB new (3 of 40 chunks), 38 MiB reused; stored 400 KiB new} */
        String describe() {
            String ofChunks = chunks == 0 ? "" : " (" + newChunks + " of " + chunks + (chunks == 1 ? " chunk)" : " chunks)");
            return Format.bytes(newBytes) + " new" + ofChunks + ", " + Format.bytes(reusedBytes) + " reused; stored "
                    + Format.bytes(storedNewBytes) + " new, " + Format.bytes(storedReusedBytes) + " reused";
        }
    }

    /** Whether a chunk was written by checkpoint {@code id} (new in it) rather than referenced from an earlier one. */
    static boolean isNew(ChunkRef c, CheckpointId id) {
        return c.firstId().equals(id);
    }

    /**
     * One entry's tally. Every reference counts: a chunk a partition holds twice counts twice in its bytes (a reader
     * gets it twice); {@link #of(Manifest)} counts each object once in the stored figures.
     */
    static Tally of(PartitionEntry e, CheckpointId id) {
        if (!e.isChunked()) {
            return new Tally(e.size(), 0, 0, e.size(), 0, e.size(), 0);
        }
        int n = 0;
        long newBytes = 0;
        long reused = 0;
        long storedNew = 0;
        long storedReused = 0;
        for (ChunkRef c : e.chunks()) {
            if (isNew(c, id)) {
                n++;
                newBytes += c.size();
                storedNew += c.storedSize();
            } else {
                reused += c.size();
                storedReused += c.storedSize();
            }
        }
        return new Tally(e.size(), e.chunks().size(), n, newBytes, reused, storedNew, storedReused);
    }

    /**
     * A checkpoint's tally: logical bytes as the sum of its entries; stored bytes counting each chunk object once
     * (a chunk referenced by two partitions, or twice by one, was uploaded once).
     */
    static Tally of(Manifest m) {
        CheckpointId id = Objects.requireNonNull(m.id());
        Tally sum = Tally.ZERO;
        Set<String> seen = new HashSet<>();
        long storedNew = 0;
        long storedReused = 0;
        for (PartitionEntry e : m.partitions()) {
            Tally t = of(e, id);
            sum = sum.plus(new Tally(t.bytes(), t.chunks(), t.newChunks(), t.newBytes(), t.reusedBytes(), 0, 0));
            if (!e.isChunked()) {
                storedNew += e.size();
                continue;
            }
            for (ChunkRef c : e.chunks()) {
                if (seen.add(c.key())) {
                    if (isNew(c, id)) {
                        storedNew += c.storedSize();
                    } else {
                        storedReused += c.storedSize();
                    }
                }
            }
        }
        return new Tally(sum.bytes(), sum.chunks(), sum.newChunks(), sum.newBytes(), sum.reusedBytes(), storedNew, storedReused);
    }

    /** Whether any entry of the manifest is chunked. */
    static boolean any(Manifest m) {
        return m.partitions().stream().anyMatch(PartitionEntry::isChunked);
    }

    /**
     * What is wrong with one chunk object, or {@link Problem#NONE} when it is what the manifest says: it exists, its
     * stored length is the reference's stored size, and its bytes (decoded when compressed) have the reference's size
     * and SHA-256. Other store errors fail the result.
     *
     * @param store the location's store
     * @param c the reference
     * @return the problem
     */
    static Mono<Problem> check(ObjectStore store, ChunkRef c) {
        String key = c.key();
        return store.readAll(key)
                .map(stored -> {
                    Problem p = checkBytes(c, stored);
                    return p == null ? Problem.NONE : p;
                })
                .onErrorResume(Location::isNotFound, e -> Mono.just(new Problem(MISSING, key, "chunk '" + key + "' is missing")));
    }

    /** The problem with a chunk's stored bytes, or null. */
    static @Nullable Problem checkBytes(ChunkRef c, byte[] stored) {
        String key = c.key();
        if (stored.length != c.storedSize()) {
            return new Problem(CORRUPT, key, "chunk '" + key + "' has " + stored.length + " stored bytes, the manifest says " + c.storedSize());
        }
        byte[] plain = stored;
        if (c.compressed()) {
            if (!"zstd".equals(c.codec())) {
                return new Problem(CORRUPT, key, "chunk '" + key + "' has codec '" + c.codec() + "', which this tool cannot read");
            }
            try {
                plain = Zstd.decompress(stored, Math.toIntExact(c.size()));
            } catch (RuntimeException e) {
                return new Problem(CORRUPT, key, "chunk '" + key + "' does not decompress (zstd): " + e.getMessage());
            }
            if (plain.length != c.size()) {
                return new Problem(CORRUPT, key, "chunk '" + key + "' decompresses to " + plain.length + " bytes, the manifest says " + c.size());
            }
        }
        String actual = sha256(plain);
        if (!actual.equals(c.sha256())) {
            return new Problem(CORRUPT, key, "chunk '" + key + "' has SHA-256 " + actual + ", the manifest says " + c.sha256());
        }
        return null;
    }

    /** Code of a chunk object that does not exist. */
    static final String MISSING = "CHUNK_MISSING";
    /** Code of a chunk object whose bytes are not what its manifest says. */
    static final String CORRUPT = "CHUNK_CORRUPT";

    /**
     * A bad chunk.
     *
     * @param code {@link #MISSING} or {@link #CORRUPT} (empty for {@link #NONE})
     * @param key its key
     * @param message what is wrong
     */
    record Problem(String code, String key, String message) {
        static final Problem NONE = new Problem("", "", "");

        boolean ok() {
            return code.isEmpty();
        }
    }

    /** Lower-case hex SHA-256. */
    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The distinct chunks of a list, in first-seen order. */
    static List<ChunkRef> distinct(List<ChunkRef> chunks) {
        Set<String> seen = new HashSet<>();
        return chunks.stream().filter(c -> seen.add(c.key())).toList();
    }
}

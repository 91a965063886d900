package dev.checkpointer.internal;

import dev.checkpointer.ChunkRef;
import dev.checkpointer.Manifest;
import dev.checkpointer.PartitionEntry;
import dev.checkpointer.internal.chunk.Chunker;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/**
 * What one save attempt may reuse instead of uploading: the chunks of the checkpoint it is prepared on (its base,
 * the head it read), and the chunks it has itself uploaded so far.
 *
 * <p>Only the base's chunks, not those of older retained checkpoints. A save publishes only on the head it was
 * prepared on (or, in this process, on a newer head that references every chunk it reused), and that head is
 * retained when it publishes, so every chunk a published checkpoint reuses is referenced by its parent. The base
 * may meanwhile be deleted ({@code delete} of the head replaces it by a tombstone without moving the pointer): while
 * the head is a tombstone, garbage collection decides no chunk at all, so a save prepared on it still finds the
 * chunks it reuses. Reusing a chunk of an older member would race an explicit {@code delete} of that member.
 */
final class ChunkIndex {
    /** No base (never handed to a save as is: {@link #forAttempt()} gives each attempt its own uploads). */
    static final ChunkIndex NONE = new ChunkIndex(null, Map.of(), Map.of(), java.util.Set.of(), false);

    private final Manifest.@Nullable Link base;
    private final Map<String, ChunkRef> existing;
    private final Map<String, List<Chunker.Hint>> hints;
    private final java.util.Set<String> keys;
    /**
     * The attempt's own uploads by SHA-256; null in an index that is not an attempt's. Each holds only the result,
     * never the upload (which holds the chunk's bytes), so memory stays bounded however many chunks a save writes.
     */
    private final @Nullable Map<String, CompletableFuture<ChunkRef>> fresh;

    private ChunkIndex(Manifest.@Nullable Link base, Map<String, ChunkRef> existing, Map<String, List<Chunker.Hint>> hints,
            java.util.Set<String> keys, boolean attempt) {
        this.base = base;
        this.existing = existing;
        this.hints = hints;
        this.keys = keys;
        this.fresh = attempt ? new ConcurrentHashMap<>() : null;
    }

    /**
     * The index of a base checkpoint's chunks. Its chunk lists become hints for the chunker only when the base was cut
     * by a chunker of the same spec: the chunker's output is exact whatever the hints only for hints it could have cut.
     */
    static ChunkIndex of(Manifest.Link link, Manifest base, String chunker) {
        boolean sameCuts = chunker.equals(base.chunker());
        Map<String, ChunkRef> existing = new HashMap<>();
        Map<String, List<Chunker.Hint>> hints = new HashMap<>();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (PartitionEntry e : base.partitions()) {
            if (!e.isChunked()) {
                continue;
            }
            List<Chunker.Hint> list = new ArrayList<>(e.chunks().size());
            for (ChunkRef c : e.chunks()) {
                existing.putIfAbsent(c.sha256(), c);
                keys.add(c.key());
                list.add(new Chunker.Hint(c.sha256(), (int) c.size()));
            }
            if (sameCuts) {
                hints.put(name(e.operator(), e.partition()), List.copyOf(list));
            }
        }
        return new ChunkIndex(link, existing, hints, keys, false);
    }

    /**
     * This index for one save attempt: the same base, and a record of the attempt's own uploads that no other attempt
     * (of this or any other checkpointer) shares, since their chunks are stored under other ids and tokens.
     */
    ChunkIndex forAttempt() {
        return new ChunkIndex(base, existing, hints, keys, true);
    }

    /** The checkpoint whose chunks may be reused: the save must publish on exactly this head, or not reuse them. */
    Manifest.@Nullable Link base() {
        return base;
    }

    /** The partition's chunks in the base, in order (hints for the chunker). */
    List<Chunker.Hint> hints(String operator, int partition) {
        return hints.getOrDefault(name(operator, partition), List.of());
    }

    /** The base's chunk with these bytes, if it has one. */
    Optional<ChunkRef> reusable(String sha256, long size) {
        ChunkRef c = existing.get(sha256);
        return c != null && c.size() == size ? Optional.of(c) : Optional.empty();
    }

    /** Whether the base references this chunk's object. */
    boolean references(ChunkRef c) {
        return keys.contains(c.key());
    }

    /**
     * Uploads a chunk once per attempt, however many partitions or places have it: the first caller uploads, the
     * others wait for its result.
     */
    Mono<ChunkRef> once(String sha256, Supplier<Mono<ChunkRef>> upload) {
        if (fresh == null) {
            throw new IllegalStateException("a base index records no uploads: use forAttempt()");
        }
        return Mono.defer(() -> {
            CompletableFuture<ChunkRef> mine = new CompletableFuture<>();
            CompletableFuture<ChunkRef> first = fresh.putIfAbsent(sha256, mine);
            if (first != null) {
                return Mono.fromFuture(first, true);
            }
            return upload.get()
                    .doOnNext(mine::complete)
                    .doOnError(mine::completeExceptionally)
                    .doOnCancel(() -> mine.completeExceptionally(new java.util.concurrent.CancellationException("the save was cancelled")));
        });
    }

    private static String name(String operator, int partition) {
        return operator + '\u0000' + partition;
    }
}

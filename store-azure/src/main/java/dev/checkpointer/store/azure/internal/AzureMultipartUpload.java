package dev.checkpointer.store.azure.internal;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PartInfo;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/**
 * A multipart upload as Azure staged blocks. There is no upload to initiate: {@link #uploadPart} stages block
 * {@link BlockIds#id(int) id(number)} (with its MD5, so the service refuses corrupted bytes; staging a number again
 * replaces the block) and {@link #complete} commits the block list under the condition given at start
 * ({@code If-None-Match: *} or {@code If-Match}). Until then nothing is visible under the key.
 *
 * <p>{@link #abort} makes this upload refuse further parts and completion; it sends no request, because Azure cannot
 * delete uncommitted blocks without committing the blob. The staged blocks stay invisible and are deleted by Azure a
 * week after the last one was staged, or sooner by {@code cleanupIncomplete} (which {@code Checkpointer.prune()}
 * calls), once older than its cut-off.
 */
final class AzureMultipartUpload implements MultipartUpload {
    private enum State { OPEN, COMPLETED, ABORTED }

    private final AzureObjectStore store;
    private final String key;
    private final Condition condition;
    private final BlockIds ids;
    private final AtomicReference<State> state = new AtomicReference<>(State.OPEN);
    /** What a successful completion committed, so that a retry of it (its response lost) gets the same answer. */
    private final AtomicReference<Completed> completed = new AtomicReference<>();

    private record Completed(List<String> blockIds, ObjectInfo info) {}

    AzureMultipartUpload(AzureObjectStore store, String key, Condition condition, BlockIds ids) {
        this.store = store;
        this.key = key;
        this.condition = condition;
        this.ids = ids;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Mono<PartInfo> uploadPart(int number, Payload part) {
        return Mono.defer(() -> {
            checkOpen("uploadPart");
            if (number < 1 || number > BlockIds.MAX_BLOCKS) {
                return Mono.error(new InvalidInputException("part number must be between 1 and " + BlockIds.MAX_BLOCKS + ", got " + number));
            }
            String blockId = ids.id(number);
            return Payloads.readFully(key, part)
                    .flatMap(bytes -> store.stageBlock(key, blockId, bytes).thenReturn(new PartInfo(number, blockId, bytes.length)));
        });
    }

    @Override
    public Mono<ObjectInfo> complete(List<PartInfo> parts) {
        return Mono.defer(() -> {
            if (state.get() == State.ABORTED) {
                checkOpen("completeMultipart");
            }
            if (parts.isEmpty()) {
                return Mono.error(new InvalidInputException("completing the upload of '" + key + "' needs at least one part"));
            }
            List<PartInfo> sorted = new ArrayList<>(parts);
            sorted.sort(Comparator.comparingInt(PartInfo::number));
            BitSet seen = new BitSet();
            List<String> blockIds = new ArrayList<>(sorted.size());
            long size = 0;
            for (PartInfo p : sorted) {
                if (seen.get(p.number())) {
                    return Mono.error(new InvalidInputException("part " + p.number() + " of '" + key + "' is listed twice"));
                }
                seen.set(p.number());
                String expected = ids.id(p.number());
                if (!expected.equals(p.etag())) {
                    return Mono.error(new InvalidInputException("part " + p.number() + " of '" + key + "' was not uploaded by this upload"));
                }
                blockIds.add(expected);
                size += p.size();
            }
            Completed done = completed.get();
            if (done != null) {
                // A retry of a completion that succeeded (the caller lost its response): the same list gets the
                // same answer, as S3 and GCS give; another list is refused.
                if (done.blockIds().equals(blockIds)) {
                    return Mono.just(done.info());
                }
                checkOpen("completeMultipart");
            }
            return store.commitBlocks(key, blockIds, size, condition).doOnNext(info -> {
                completed.set(new Completed(List.copyOf(blockIds), info));
                state.set(State.COMPLETED);
            });
        });
    }

    @Override
    public Mono<Void> abort() {
        return Mono.fromRunnable(() -> state.compareAndSet(State.OPEN, State.ABORTED));
    }

    private void checkOpen(String operation) {
        State s = state.get();
        if (s == State.ABORTED) {
            throw StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "the upload was aborted", null);
        }
        if (s == State.COMPLETED) {
            throw StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "the upload is already complete", null);
        }
    }

    @Override
    public String toString() {
        return "AzureMultipartUpload[" + key + ", " + state.get() + "]";
    }
}

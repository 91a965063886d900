package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Checkpoint;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Payload;
import dev.checkpointer.SaveOutcome;
import dev.checkpointer.Snapshot;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.memory.MemoryStore;
import dev.checkpointer.testkit.FaultInjectingStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Regression tests for two engine defects in a save's cancellation that this suite found (C1, C2), each a minimal
 * strict test on the memory store with the interleaving forced by latches. Both were {@code @Disabled} open defects
 * until the engine was fixed (api commit bcd5c6f, "A cancelled save's clean-up also removes writes that land after it
 * ran …"): a save's uploads are recorded in an upload log that its clean-up abandons rather than forgets (a key that
 * lands later is deleted at once), and a cancel racing the start of the commit either stops the commit before it
 * writes or leaves it to finish, never both. R7 checks the same at random cancellation points on every store.
 */
@Tag("reliability")
class CancelledSaveCleanUpTest {
    /** What the listener heard of a save's end. */
    private static final class Finished implements CheckpointListener {
        final List<SaveOutcome.Status> finished = new CopyOnWriteArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);

        @Override
        public void onSaveFinished(SaveOutcome outcome) {
            finished.add(outcome.status());
            done.countDown();
        }
    }

    /**
     * A store for the two interleavings below, forced with latches on the memory store: {@code put}s of keys holding
     * {@code /slow/} never answer (a request still in flight); a multipart completion lands in the store at once but
     * is handed back to the engine only after the cancelled save's clean-up started: it waits until every other
     * {@code put} landed, triggers the cancel from a thread of its own, and waits for the clean-up's first
     * {@code deleteAll}, which the store holds (on the cancelling thread, where the save's {@code doOnCancel} runs it,
     * before the cancel travels upstream) until the completion was handed back and 200 ms more.
     */
    private static final class HandBackAfterCleanUp extends dev.checkpointer.spi.ForwardingObjectStore {
        final Sinks.One<Boolean> cancel = Sinks.one();
        final CountDownLatch cleanUpStarted = new CountDownLatch(1);
        private final CountDownLatch putsLanded;
        private final CountDownLatch handedBack = new CountDownLatch(1);
        private final AtomicBoolean firstDelete = new AtomicBoolean(true);

        HandBackAfterCleanUp(ObjectStore delegate, int puts) {
            super(delegate);
            this.putsLanded = new CountDownLatch(puts);
        }

        @Override
        public Mono<dev.checkpointer.spi.ObjectInfo> put(String key, Payload payload, dev.checkpointer.spi.PutOptions options) {
            if (key.contains("/slow/")) {
                return Mono.never();
            }
            return super.put(key, payload, options).doOnSuccess(i -> putsLanded.countDown());
        }

        @Override
        public Mono<Void> deleteAll(List<String> keys) {
            if (firstDelete.getAndSet(false)) {
                cleanUpStarted.countDown();
                await(handedBack);
                sleep(200);
            }
            return super.deleteAll(keys);
        }

        @Override
        public Mono<dev.checkpointer.spi.MultipartUpload> startMultipart(String key, dev.checkpointer.spi.PutOptions options) {
            return super.startMultipart(key, options).map(upload -> new dev.checkpointer.spi.MultipartUpload() {
                @Override
                public String key() {
                    return upload.key();
                }

                @Override
                public Mono<dev.checkpointer.spi.PartInfo> uploadPart(int number, Payload part) {
                    return upload.uploadPart(number, part);
                }

                @Override
                public Mono<dev.checkpointer.spi.ObjectInfo> complete(List<dev.checkpointer.spi.PartInfo> parts) {
                    return Mono.create(sink -> new Thread(() -> {
                        dev.checkpointer.spi.ObjectInfo info = upload.complete(parts).block(Workload.TIMEOUT); // landed
                        await(putsLanded);
                        sleep(100); // the engine records a landed put's key right after the store answers
                        new Thread(() -> cancel.tryEmitValue(Boolean.TRUE), "canceller").start();
                        await(cleanUpStarted);
                        sink.success(info); // handed back after the save's clean-up took the keys it knew of
                        handedBack.countDown();
                    }, "completion").start());
                }

                @Override
                public Mono<Void> abort() {
                    return upload.abort();
                }
            });
        }
    }

    /**
     * C1: K6's orphan object was back. Interleaving ({@link HandBackAfterCleanUp}): a save of
     * a single-request partition (landed), a multipart partition (its completion landed in the store, not yet handed
     * back) and a partition whose upload is still in flight (so the commit phase cannot begin) is cancelled. The
     * save's own clean-up ({@code Saves.SaveRun.save}'s {@code doOnCancel}, which runs before the cancel travels
     * upstream) takes the keys recorded so far (the single object's) and deletes them. Then the completion is handed
     * back: {@code Uploader.detached} records its key in the save's {@code uploaded} queue, which nobody reads any
     * more, and delivers; by the time the cancel travels upstream, that upload has delivered its value (and ended), so
     * its undo does not run. Expected (K6; R7: a save cancelled before its commit phase leaves the location's keys as
     * they were): the multipart object is removed. Found: it stayed, an orphan until a later checkpoint passed its id
     * and {@code prune()} swept it (this interleaving failed with api commit df9ada2 reverted too; df9ada2,
     * {@code Cancellation.beforeValue}, widened the window to every upload that delivered, ended or not, and R7 then
     * saw it on the file-system store in 8 of 10 runs). Fixed: the clean-up abandons the save's upload log, and a key
     * that lands afterwards is deleted at once.
     */
    @Test
    void c1AWriteHandedBackAfterTheCancelledSavesCleanUpTookItsKeysIsStillRemoved() throws InterruptedException {
        FaultInjectingStore memory = new FaultInjectingStore(MemoryStore.create());
        Workload.builder(memory).build().save(Workload.snapshot(1)).block(Workload.TIMEOUT);
        List<String> before = memory.keys();
        HandBackAfterCleanUp store = new HandBackAfterCleanUp(MemoryStore.reopen(memory.wrapped()), 1);
        Snapshot s = Snapshot.builder()
                .partition("single", 0, Payload.of(Workload.bytes(20_000, 1)))
                .partition("multi", 0, Payload.of(Workload.bytes(300_000, 2)))
                .partition("slow", 0, Payload.of(Workload.bytes(20_000, 3)))
                .build();
        Workload.builder(store).build().save(s).takeUntilOther(store.cancel.asMono()).block(Workload.TIMEOUT);
        assertThat(store.cleanUpStarted.await(10, TimeUnit.SECONDS)).as("the cancelled save cleaned up").isTrue();
        List<String> after = Workload.settle(memory::keys, before, Duration.ofMillis(500), Duration.ofSeconds(10));
        assertThat(after).as("keys after the cancelled save").isEqualTo(before);
    }

    /**
     * The same interleaving when the handed-back completion is the save's last upload. Expected (R7, and
     * {@code Checkpointer.save}): a cancel either stops the save before its commit phase (nothing committed, the
     * listener told CANCELLED) or lands in the commit phase, which then runs to its end and commits a whole checkpoint;
     * whatever {@code latest()} returns reads whole. Found: the save's {@code doOnCancel} saw the save not yet
     * detached, told the listener CANCELLED and started its clean-up (deleting the single object's key); meanwhile, on
     * the thread that handed the completion back, the last upload was delivered, the commit phase began (the save was
     * detached) and committed checkpoint 2 with a manifest naming the single object, which the clean-up then deleted:
     * {@code latest()} returned checkpoint 2, whose read of that partition failed (not found), and the listener said
     * CANCELLED. The window is the cancelling thread's work between that check and the cancel reaching the uploads
     * (listeners, and the clean-up's {@code deleteAll} as far as the store runs it on the calling thread); here it is
     * held open by the store. Fixed: the cancel and the start of the commit decide once which of them wins.
     */
    @Test
    void c2ACancelRacingTheStartOfTheCommitPhaseNeverCommitsACheckpointWithoutItsArtifacts() throws InterruptedException {
        FaultInjectingStore memory = new FaultInjectingStore(MemoryStore.create());
        Workload.builder(memory).build().save(Workload.snapshot(1)).block(Workload.TIMEOUT);
        HandBackAfterCleanUp store = new HandBackAfterCleanUp(MemoryStore.reopen(memory.wrapped()), 1);
        Finished heard = new Finished();
        Snapshot s = Snapshot.builder()
                .partition("single", 0, Payload.of(Workload.bytes(20_000, 1)))
                .partition("multi", 0, Payload.of(Workload.bytes(300_000, 2)))
                .build();
        Workload.builder(store).listener(heard).build().save(s).takeUntilOther(store.cancel.asMono()).block(Workload.TIMEOUT);
        assertThat(store.cleanUpStarted.await(10, TimeUnit.SECONDS)).as("the cancelled save cleaned up").isTrue();
        heard.done.await(10, TimeUnit.SECONDS);
        sleep(1000); // the detached commit runs to its end
        Checkpoint latest = Workload.builder(MemoryStore.reopen(memory.wrapped())).build().latest().block(Workload.TIMEOUT);
        long head = latest.manifest().id().value();
        String reads = head == 1 ? "not needed" : String.valueOf(org.assertj.core.api.Assertions.catchThrowable(() -> {
            for (Snapshot.Partition p : s.partitions()) {
                latest.read(p.operator(), p.partition()).block(Workload.TIMEOUT);
            }
        }));
        String what = "latest() is checkpoint " + head + ", the listener heard " + heard.finished + ", reading checkpoint " + head + ": " + reads;
        assertThat(head == 1 ? heard.finished.equals(List.of(SaveOutcome.Status.CANCELLED))
                : reads.equals("null") && heard.finished.equals(List.of(SaveOutcome.Status.COMMITTED))).as(what).isTrue();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

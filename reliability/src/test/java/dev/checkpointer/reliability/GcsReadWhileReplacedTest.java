package dev.checkpointer.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.checkpointer.Payload;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Regression test for G1, a store-gcs defect this suite found (R3's racing saves on GCS, and store-gcs's own
 * {@code GcsCheckpointerContractTest.twoWritersRacingForOneIdNeverBothCommit}): a read of an object that was replaced
 * while it was read reported {@code STORE_NOT_FOUND}. {@code GcsObjectStore.get} reads the object's metadata, then
 * downloads the body pinned to the generation it saw (so that one get never mixes two versions); when the object is
 * replaced in between (as {@code _latest} is by every publish), the pinned download gets 404 (on GCS and on
 * FakeGcsServer alike). Protocol v2 reads a missing {@code _latest} as a lost pointer, so racing saves on GCS failed
 * with {@code CorruptMetadataException}, {@code load()} reported committed checkpoints missing and a concurrent
 * {@code prune()} failed; R3 worked around it. Fixed in store-gcs: a pinned read whose generation was replaced
 * meanwhile fails with a <em>transient</em> {@link StoreException} ("… was replaced while it was read; read it
 * again"), which the engine retries, never with not-found. At the SPI a concurrent reader may therefore see transient
 * errors, but never not-found.
 */
@Tag("reliability")
class GcsReadWhileReplacedTest {

    /**
     * G1. Interleaving: one handle replaces an object (an unconditional put, as every publish replaces {@code _latest}
     * by compare-and-swap) back to back; another handle reads it 500 times. Expected ({@code ObjectStore.get}: not
     * found only when absent): every read returns some version of the object or fails with a transient "replaced"
     * error (counted in the assertion's description); none reports not-found, and nothing else fails.
     */
    @Test
    void g1AReadOfAnObjectReplacedMeanwhileIsNeverNotFound() throws InterruptedException {
        try (Location loc = new GcsTarget().create("g1")) {
            ObjectStore writer = loc.open();
            ObjectStore reader = loc.open();
            writer.put("_latest", Payload.of(new byte[] {0}), PutOptions.none()).block(Workload.TIMEOUT);
            AtomicBoolean stop = new AtomicBoolean();
            Thread replacing = new Thread(() -> {
                for (int i = 1; !stop.get(); i++) {
                    writer.put("_latest", Payload.of(new byte[] {(byte) i}), PutOptions.none()).block(Workload.TIMEOUT);
                }
            });
            replacing.start();
            int reads = 500;
            long ok = 0;
            long notFound = 0;
            long replaced = 0;
            List<String> other = new ArrayList<>();
            try {
                for (int i = 0; i < reads; i++) {
                    try {
                        byte[] b = StoredJson.read(reader, "_latest");
                        if (b.length == 1) {
                            ok++;
                        } else {
                            other.add("read " + b.length + " bytes");
                        }
                    } catch (StoreException e) {
                        if (e.isNotFound()) {
                            notFound++;
                        } else if (e.isTransient() && String.valueOf(e.getMessage()).contains("replaced")) {
                            replaced++;
                        } else {
                            other.add(e.toString());
                        }
                    }
                }
            } finally {
                stop.set(true);
                replacing.join(Workload.TIMEOUT.toMillis());
            }
            String counts = String.format("%d reads of an object replaced back to back: %d returned a version, %d transient \"replaced\" errors,"
                    + " %d not found, %d other outcomes %s", reads, ok, replaced, notFound, other.size(), other.stream().limit(3).toList());
            System.out.println("G1 regression: " + counts);
            assertThat(notFound).as(counts).isZero();
            assertThat(other).as(counts).isEmpty();
            assertThat(ok + replaced).as(counts).isEqualTo(reads);
        }
    }
}

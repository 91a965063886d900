package dev.checkpointer.reliability;

import dev.checkpointer.testkit.FaultInjectingStore;
import java.util.List;
import java.util.stream.Stream;

/**
 * The stores every parameterised requirement runs against: {@code @MethodSource("dev.checkpointer.reliability.Stores#all")}.
 *
 * <ul>
 *   <li>{@code memory} and {@code filesystem}: in this JVM ({@link MemoryTarget}, {@link FileSystemTarget});</li>
 *   <li>{@code s3}: the S3 store on S3Mock 5.2.0 ({@link S3Target}), and {@code azure}: the Azure Blob store on
 *       Azurite ({@link AzureTarget}), each emulator a separate process on 127.0.0.1 started on first use by
 *       {@link Emulators} with the launcher from its store module's test-jar. The bounded run scales their counts
 *       down ({@link Scale#count(StoreTarget, int, int)}); R1 runs them a second time through {@link HttpFaultProxy}
 *       (WireMock in proxy mode: 503 SlowDown / ServerBusy, 5xx, connection resets, lost responses, bodies cut short
 *       and slow responses on the wire), {@link #emulators()}.</li>
 * </ul>
 * A target whose emulator cannot start here ({@link StoreTarget#available()}) has its tests aborted, not failed,
 * and the results say so. {@code gcs}: the GCS store over the real client on {@code FakeGcsServer}, an in-process
 * GCS JSON-API server from store-gcs's test-jar ({@link GcsTarget}), a server per location; it takes the emulators'
 * bounded counts but is not run through the HTTP fault proxy.
 *
 * <p>Crashes (R2) and SPI-level faults (R1) reach any store through {@link FaultInjectingStore}; races (R3),
 * corruption (R4), cancellation (R7) and load use only the store SPI and {@link Location}, so they need nothing
 * store-specific.
 */
public final class Stores {
    private static final List<StoreTarget> ALL = List.of(new MemoryTarget(), new FileSystemTarget(), new S3Target(), new AzureTarget(), new GcsTarget());

    private Stores() {}

    /**
     * Every store target of this run.
     *
     * @return the targets
     */
    public static Stream<StoreTarget> all() {
        return ALL.stream();
    }

    /**
     * The targets in this JVM (memory, file system): the exhaustive corruption run uses only these.
     *
     * @return the targets
     */
    public static Stream<StoreTarget> local() {
        return ALL.stream().filter(t -> !t.emulator());
    }

    /**
     * The targets on emulators that R1 runs once more through the HTTP fault proxy (S3, Azure; not GCS, see
     * {@link GcsTarget}).
     *
     * @return the targets
     */
    public static Stream<StoreTarget> emulators() {
        return ALL.stream().filter(StoreTarget::httpFaults);
    }

    /**
     * The targets as a list.
     *
     * @return the targets
     */
    public static List<StoreTarget> list() {
        return ALL;
    }
}

package dev.checkpointer.reliability;

import java.util.List;
import java.util.stream.Stream;

/**
 * The stores every parameterised requirement runs against: {@code @MethodSource("dev.checkpointer.reliability.Stores#all")}.
 *
 * <h2>Adding a store (S3, Azure, GCS)</h2>
 * The S3 and Azure modules were not available when this suite was written. To add one:
 * <ol>
 *   <li>add the store module to {@code reliability/pom.xml} as a test dependency, with its emulator launcher: S3 has
 *       {@code S3MockServer} in the {@code checkpointer-store-s3} test-jar ({@code <type>test-jar</type>}, already shared
 *       with multihost-tests); Azure's {@code Azurite} launcher is in {@code store-azure}'s test sources and needs a
 *       test-jar too (plus the Azurite install its build performs);</li>
 *   <li>write a {@link StoreTarget}: {@link StoreTarget#available()} is false when the emulator cannot be started
 *       here (its tests are then aborted, not failed); {@link StoreTarget#create(String)} returns a {@link Location}
 *       on a fresh prefix (S3: {@code S3MockServer.get().store(prefix)}; Azure: a fresh container of
 *       {@code Azurite.shared()}), whose {@link Location#open()} builds a new store and client (a restarted process),
 *       whose {@link Location#uri()} is the {@code s3://…}/{@code azblob://…} URI (with the emulator endpoint and
 *       credentials passed as options where the URI cannot carry them: make {@code uri()} and the load test's
 *       {@code location(uri)} take an options map then), and whose {@link Location#pendingUploads()} lists incomplete
 *       multipart uploads (S3 {@code ListMultipartUploads}; Azure keeps uncommitted blocks per blob and cannot list
 *       them: return empty, and R7 then checks only that nothing was committed);</li>
 *   <li>list it in {@link #all()};</li>
 *   <li>add its secret options to {@link SecretCases} ({@code S3StoreBuilder.SECRET_OPTIONS}: {@code accessKeyId},
 *       {@code secretAccessKey}, {@code sessionToken}, {@code sseCustomerKey}; {@code AzureBlobStoreBuilder.SECRET_OPTIONS}:
 *       {@code connectionString}, {@code accountKey}, {@code sasToken}, {@code customerProvidedKey}), so R6 checks
 *       that none of them reaches a log, a message or a {@code toString()};</li>
 *   <li>for R1 over HTTP, add a second target (e.g. {@code s3+faults}) whose {@code open()} points the client at the
 *       WireMock fault proxy both modules now use in their own fault tests (503 SlowDown, resets, slow responses), so
 *       R1 runs through real HTTP failures as well as through {@link FaultInjectingStore}.</li>
 * </ol>
 * Crashes (R2) and faults (R1) reach any store through {@link FaultInjectingStore}; races (R3), corruption (R4),
 * cancellation (R7) and load use only the store SPI and {@link Location}, so they need nothing store-specific.
 */
public final class Stores {
    private static final List<StoreTarget> ALL = List.of(new MemoryTarget(), new FileSystemTarget());

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
     * The targets as a list.
     *
     * @return the targets
     */
    public static List<StoreTarget> list() {
        return ALL;
    }
}

package dev.checkpointer.store.gcs;

import dev.checkpointer.Payload;
import dev.checkpointer.spi.Capabilities;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.ForwardingObjectStore;
import dev.checkpointer.testkit.ObjectStoreContract;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;

/**
 * The conformance kit against the Firebase Storage emulator, through the real google-cloud-storage client and the
 * store as shipped (with {@code singleRequestUploads=false}, see {@link FirebaseStorageEmulator#store}).
 *
 * <p>The emulator lacks two capabilities the store has on GCS, so this class declares them off: the store under test
 * reports {@link #ON_THE_EMULATOR} ({@code conditionalWrites=false}: the emulator ignores {@code ifGenerationMatch};
 * {@code nativeChecksums=false}: it ignores the crc32c sent with the bytes). Every test that needs them is skipped
 * with the reason by {@link FirebaseEmulatorDeviations}; they run against {@code FakeGcsServer} in
 * {@link GcsObjectStoreContractTest} and {@link GcsScriptedServerTest}.
 */
@ExtendWith({FirebaseStorageEmulatorExtension.class, FirebaseEmulatorDeviations.class})
class GcsEmulatorObjectStoreContractTest extends ObjectStoreContract {
    /** What the store can do over the emulator: no conditional writes, no server-side checksum checks, no multipart. */
    static final Capabilities ON_THE_EMULATOR = new Capabilities(false, false, false, 1, 1, false);

    @Override
    protected ObjectStore createStore(String testName) {
        return onTheEmulator(FirebaseStorageEmulator.shared().store("contract/" + testName).build());
    }

    /**
     * The store, reporting the capabilities it has over the emulator, and refusing (as a test failure) payloads
     * larger than one upload chunk, which the emulator would truncate to their first chunk.
     */
    static ObjectStore onTheEmulator(ObjectStore store) {
        return new ForwardingObjectStore(store) {
            @Override
            public Capabilities capabilities() {
                return ON_THE_EMULATOR;
            }

            @Override
            public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
                if (payload.length() > FirebaseStorageEmulator.CHUNK) {
                    return Mono.error(new AssertionError("a payload of " + payload.length() + " bytes needs more than one upload chunk,"
                            + " which the Firebase Storage emulator breaks; raise FirebaseStorageEmulator.CHUNK"));
                }
                return super.put(key, payload, options);
            }
        };
    }

    @Override
    protected Optional<Capabilities> expectedCapabilities() {
        return Optional.of(ON_THE_EMULATOR);
    }

    /** More keys than two list pages of 250. */
    @Override
    protected int manyKeys() {
        return 600;
    }
}

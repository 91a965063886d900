package dev.checkpointer.store.gcs;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the shared {@link FirebaseStorageEmulator} before the first test class that uses it and stops it when the
 * whole test run ends (the root context's store closes what it holds), so every test class of the module shares one
 * emulator. Each test works under a prefix of its own, so nothing is reset between classes.
 */
public final class FirebaseStorageEmulatorExtension implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(FirebaseStorageEmulatorExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("emulator", k -> new Stopper(FirebaseStorageEmulator.shared()), Stopper.class);
    }

    /** Closed by JUnit at the end of the run. */
    private record Stopper(FirebaseStorageEmulator emulator) implements AutoCloseable {
        @Override
        public void close() {
            FirebaseStorageEmulator.stopShared();
        }
    }
}

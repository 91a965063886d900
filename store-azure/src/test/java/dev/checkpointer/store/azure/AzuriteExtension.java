package dev.checkpointer.store.azure;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts the shared {@link Azurite} before the first test class that uses it and stops it when the whole test run
 * ends (the root context's store closes what it holds), so every test class of the module shares one server.
 */
public final class AzuriteExtension implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(AzuriteExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("azurite", k -> new Stopper(Azurite.shared()), Stopper.class);
    }

    /** Closed by JUnit at the end of the run. */
    private record Stopper(Azurite azurite) implements AutoCloseable {
        @Override
        public void close() {
            Azurite.stopShared();
        }
    }
}

package dev.checkpointer.reliability;

import dev.checkpointer.store.azure.Azurite;
import dev.checkpointer.store.azure.AzuriteExtension;
import dev.checkpointer.store.s3.S3MockServer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The emulators of the S3 and Azure targets, each started once per test JVM on first use (not before: a run of the
 * memory and file-system targets alone starts none) with the launcher of its store module's tests, S3Mock with
 * {@link S3MockServer} and Azurite with {@link Azurite}, both from the store modules' test-jars. They are kept in the
 * root extension context's store, as in those modules, so JUnit stops them when the whole run ends.
 *
 * <p>An emulator that cannot start here (no Node, no S3Mock jar) makes its target unavailable: its tests are aborted
 * with the reason, which the results list, rather than failed.
 */
public final class Emulators implements BeforeAllCallback {
    private static volatile ExtensionContext root;
    private static final Map<String, Object> STARTED = new ConcurrentHashMap<>();
    private static final Map<String, String> UNAVAILABLE = new ConcurrentHashMap<>();

    /** Used by JUnit (registered by {@link Requirement}): remembers the root context the emulators are kept in. */
    public Emulators() {}

    @Override
    public void beforeAll(ExtensionContext context) {
        root = context.getRoot();
    }

    /**
     * S3Mock, started on first use.
     *
     * @return the server, or empty when it cannot start here (see {@link #unavailable(String)})
     */
    public static Optional<S3MockServer> s3() {
        return start("s3", () -> {
            new S3MockServer.Extension().beforeAll(context());
            return S3MockServer.get();
        }).map(S3MockServer.class::cast);
    }

    /**
     * Azurite, started on first use.
     *
     * @return the server, or empty when it cannot start here (see {@link #unavailable(String)})
     */
    public static Optional<Azurite> azurite() {
        return start("azure", () -> {
            new AzuriteExtension().beforeAll(context());
            return Azurite.shared();
        }).map(Azurite.class::cast);
    }

    /**
     * Why a target's emulator could not start.
     *
     * @param target the target's name
     * @return the reason, or empty when it started (or was not tried)
     */
    public static Optional<String> unavailable(String target) {
        return Optional.ofNullable(UNAVAILABLE.get(target));
    }

    private static ExtensionContext context() {
        ExtensionContext r = root;
        if (r == null) {
            throw new IllegalStateException("the emulators are started from tests annotated with @Requirement");
        }
        return r;
    }

    private static synchronized Optional<Object> start(String target, Supplier<Object> starter) {
        Object running = STARTED.get(target);
        if (running != null) {
            return Optional.of(running);
        }
        if (UNAVAILABLE.containsKey(target)) {
            return Optional.empty();
        }
        long t0 = System.nanoTime();
        try {
            Object server = starter.get();
            STARTED.put(target, server);
            Report.emulatorStarted(target, (System.nanoTime() - t0) / 1_000_000);
            return Optional.of(server);
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            int nl = reason.indexOf('\n');
            UNAVAILABLE.put(target, nl < 0 ? reason : reason.substring(0, nl));
            return Optional.empty();
        }
    }
}

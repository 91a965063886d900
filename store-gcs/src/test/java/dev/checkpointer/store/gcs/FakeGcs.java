package dev.checkpointer.store.gcs;

import java.io.IOException;
import java.io.UncheckedIOException;

/** One {@link FakeGcsServer} per test JVM, started on first use and stopped at JVM exit. */
final class FakeGcs {
    /** The bucket the tests use (the fake serves any bucket). */
    static final String BUCKET = "checkpointer-test";
    /** Small chunks so that a few hundred KiB already take the multi-chunk resumable path. */
    static final int CHUNK = 256 * 1024;

    private static FakeGcsServer server;

    private FakeGcs() {}

    static synchronized FakeGcsServer server() {
        if (server == null) {
            try {
                server = new FakeGcsServer();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            FakeGcsServer s = server;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "fake-gcs-stop"));
        }
        return server;
    }

    /** A builder over the shared fake server with test-scale sizes. */
    static GcsStore.Builder store(String prefix) {
        return GcsStore.builder().bucket(BUCKET).prefix(prefix).endpoint(server().endpoint()).anonymous(true)
                .chunkSize(CHUNK).readChunkSize(64 * 1024).listPageSize(250).threads(8);
    }
}

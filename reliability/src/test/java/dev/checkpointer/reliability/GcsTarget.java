package dev.checkpointer.reliability;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.gcs.FakeGcsServer;
import dev.checkpointer.store.gcs.GcsStore;
import java.net.URI;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GCS store, through the real google-cloud-storage client over HTTP, on {@code FakeGcsServer} from store-gcs's
 * test-jar ({@link FakeGcsServer}): an in-process GCS JSON-API server (JDK HttpServer) with
 * generation preconditions ({@code ifGenerationMatch}, answered with 412), crc32c checks, resumable sessions and
 * paged listings, written from the public API documentation; it is not Google's server. The Firebase Storage
 * emulator is not used: it does not honour preconditions. Each location gets its own server (started in
 * milliseconds, so {@link Location#pendingUploads()} counts exactly that location's open resumable sessions) and
 * a fresh prefix; every {@link Location#open()} builds a new store with its own client, as a restarted process would.
 * Chunks are GCS's smallest (256 KiB), so the suite's larger partitions take the multi-chunk resumable path.
 *
 * <p>The build sets {@code sun.net.httpserver.nodelay=true} for the suite: the JDK HttpServer otherwise leaves Nagle on,
 * and each response then waits out the client's delayed ACK (about 40 ms a call, which made GCS the slowest target by
 * far). It counts as an emulator target ({@link #emulator()}: an HTTP server, the emulators' smaller bounded counts),
 * but R1 runs it at the store SPI only: {@link HttpFaultProxy} speaks S3's and Azure's error dialects, not GCS's
 * ({@link #httpFaults()}).
 */
public final class GcsTarget implements StoreTarget {
    private static final AtomicLong NAMES = new AtomicLong();
    /** The bucket (the fake serves any bucket). */
    public static final String BUCKET = "checkpointer-reliability";
    private static final long CHUNK = 256 * 1024;
    private static final long READ_CHUNK = 64 * 1024;

    /** Creates the target. */
    public GcsTarget() {}

    @Override
    public String name() {
        return "gcs";
    }

    @Override
    public boolean emulator() {
        return true;
    }

    @Override
    public boolean httpFaults() {
        return false;
    }

    @Override
    public GcsLocation create(String label) {
        return new GcsLocation(newServer(), "reliability/" + label + "-" + NAMES.incrementAndGet());
    }

    private static FakeGcsServer newServer() {
        try {
            return new FakeGcsServer();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot start FakeGcsServer", e);
        }
    }

    @Override
    public String toString() {
        return name();
    }

    /** A prefix of the bucket on a server of its own. */
    public static final class GcsLocation extends RemoteLocation {
        private final FakeGcsServer server;
        private final String prefix;

        GcsLocation(FakeGcsServer server, String prefix) {
            this.server = server;
            this.prefix = prefix;
        }

        @Override
        public String target() {
            return "gcs";
        }

        @Override
        public synchronized ObjectStore open() {
            server.clearRequests(); // the fake records every request; nothing here reads them
            return track(GcsStore.builder().bucket(BUCKET).prefix(prefix).endpoint(server.endpoint()).anonymous(true)
                    .chunkSize(CHUNK).readChunkSize(READ_CHUNK).threads(8).build());
        }

        /**
         * The server's endpoint.
         *
         * @return e.g. {@code http://127.0.0.1:40123}
         */
        public URI endpoint() {
            return URI.create(server.endpoint());
        }

        @Override
        public String uri() {
            return "gs://" + BUCKET + "/" + prefix;
        }

        @Override
        public Map<String, String> options() {
            return Map.of("endpoint", server.endpoint(), "anonymous", "true", "chunkSize", Long.toString(CHUNK),
                    "readChunkSize", Long.toString(READ_CHUNK));
        }

        /** Resumable upload sessions of this location's server neither finalised nor cancelled. */
        @Override
        public OptionalInt pendingUploads() {
            return OptionalInt.of(server.openSessions());
        }

        /** Closes the handles and stops the server (its objects are in its memory). */
        @Override
        public synchronized void close() {
            try {
                closeHandles();
            } finally {
                server.close();
            }
        }
    }
}

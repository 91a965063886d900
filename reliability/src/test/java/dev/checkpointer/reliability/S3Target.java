package dev.checkpointer.reliability;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.store.s3.S3MockServer;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * The S3 store on S3Mock 5.2.0 (a separate process, started by {@link Emulators#s3()} with {@code S3MockServer} from
 * store-s3's test-jar): a fresh prefix of the test bucket per location. Every {@link Location#open()} builds a new
 * store with its own SDK client, as a restarted process would. S3Mock runs its HTTP connector with one request
 * thread, which makes its conditional writes atomic (it checks {@code If-None-Match}/{@code If-Match} and stores
 * without a lock spanning both); see store-s3's {@code loopback-connectors.xml}. S3's smallest part is 5 MiB, so the
 * engine's part size is raised to it: the suite's multipart partitions (200 KB to 2 MB) are one-part uploads here.
 */
public final class S3Target implements StoreTarget {
    private static final AtomicLong NAMES = new AtomicLong();
    /** The {@code readTimeout} of stores opened through a proxy ({@link S3Location#openVia(URI)}). */
    public static final Duration PROXIED_READ_TIMEOUT = Duration.ofMillis(300);

    /** Creates the target. */
    public S3Target() {}

    @Override
    public String name() {
        return "s3";
    }

    @Override
    public boolean available() {
        return Emulators.s3().isPresent();
    }

    @Override
    public boolean emulator() {
        return true;
    }

    @Override
    public S3Location create(String label) {
        S3MockServer server = Emulators.s3().orElseThrow(() -> new IllegalStateException("S3Mock is not available"));
        return new S3Location(server, "reliability/" + label + "-" + NAMES.incrementAndGet());
    }

    @Override
    public String toString() {
        return name();
    }

    /** A prefix of the test bucket. */
    public static final class S3Location extends RemoteLocation implements EmulatorLocation {
        private final S3MockServer server;
        private final String prefix;

        S3Location(S3MockServer server, String prefix) {
            this.server = server;
            this.prefix = prefix;
        }

        @Override
        public String target() {
            return "s3";
        }

        @Override
        public synchronized ObjectStore open() {
            return track(server.store(prefix).build());
        }

        /**
         * Through a proxy, with a short {@code readTimeout}: the SDK can lose the end of a body whose connection closes
         * part way (aws-sdk-java-v2 issue 6949), and the store's guard then fails the read only once no byte came for
         * {@code readTimeout} (default 60 s). The fault proxy cuts bodies short on purpose, so it is shortened here.
         */
        @Override
        public synchronized ObjectStore openVia(URI endpoint) {
            return track(server.store(prefix).endpoint(endpoint).readTimeout(PROXIED_READ_TIMEOUT).build());
        }

        @Override
        public URI emulatorEndpoint() {
            return server.endpoint();
        }

        @Override
        public HttpFaultProxy.Dialect dialect() {
            return HttpFaultProxy.Dialect.S3;
        }

        @Override
        public String uri() {
            return "s3://" + S3MockServer.BUCKET + "/" + prefix;
        }

        @Override
        public Map<String, String> options() {
            return Map.of("endpoint", server.endpoint().toString(), "region", "us-east-1",
                    "accessKeyId", S3MockServer.ACCESS_KEY, "secretAccessKey", S3MockServer.SECRET_KEY);
        }

        /** Incomplete multipart uploads under the prefix ({@code ListMultipartUploads}). */
        @Override
        public OptionalInt pendingUploads() {
            return OptionalInt.of(uploads().size());
        }

        private List<MultipartUpload> uploads() {
            ListMultipartUploadsResponse r = server.client()
                    .listMultipartUploads(b -> b.bucket(S3MockServer.BUCKET).prefix(prefix + "/"))
                    .join();
            return r.uploads().stream().filter(u -> u.key().startsWith(prefix + "/")).toList();
        }

        /** Closes the handles, then removes the prefix's objects and uploads (best effort: S3Mock's data goes at the end of the run anyway). */
        @Override
        public synchronized void close() {
            try {
                List<String> keys = keys();
                if (!keys.isEmpty()) {
                    observer().deleteAll(keys).block(Workload.TIMEOUT);
                }
                for (MultipartUpload u : uploads()) {
                    server.client().abortMultipartUpload(b -> b.bucket(S3MockServer.BUCKET).key(u.key()).uploadId(u.uploadId()))
                            .get(Duration.ofSeconds(30).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                // best effort
            } finally {
                closeHandles();
            }
        }
    }
}

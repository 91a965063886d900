package dev.checkpointer.store.gcs;

import com.google.cloud.storage.Storage;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.StoreKeys;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import dev.checkpointer.store.gcs.internal.GcsClients;
import dev.checkpointer.store.gcs.internal.GcsConfig;
import dev.checkpointer.store.gcs.internal.GcsObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Builds Google Cloud Storage stores. Either the store builds and owns its client (from project, credentials file
 * or the default credentials chain, endpoint), or the caller hands in a {@link Storage} client it keeps owning:
 *
 * <pre>{@code
 * ObjectStore store = GcsStore.builder().bucket("my-bucket").prefix("jobs/orders").chunkSize(16 << 20).build();
 * ObjectStore mine = GcsStore.builder().storage(myStorage).bucket("my-bucket").build(); // myStorage stays mine
 * }</pre>
 *
 * A client built by the store has its retries reduced to one attempt (the engine retries transient failures;
 * the two must not multiply). A caller-supplied client should be configured the same way:
 * {@code StorageOptions.http().setRetrySettings(GcsStore.recommendedRetrySettings())}; its upload chunk size is
 * its own {@code BlobWriteSessionConfig}'s, while {@link Builder#chunkSize} still decides which payloads go in one
 * request.
 */
public final class GcsStore {
    private GcsStore() {}

    /**
     * A new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * A store over a caller-owned client at a {@code gs://bucket/prefix} location.
     *
     * @param storage the client; not closed by the store
     * @param uri {@code gs://bucket/prefix}
     * @return the store
     */
    public static ObjectStore of(Storage storage, String uri) {
        StoreLocation loc = StoreLocation.parse(URI.create(uri));
        if (!loc.scheme().equals("gs")) {
            throw new InvalidInputException("a GCS store URI starts with gs://, got scheme '" + loc.scheme() + "'");
        }
        return builder().storage(storage).bucket(loc.container()).prefix(loc.prefix()).build();
    }

    /**
     * The retry settings the store gives the clients it builds (one attempt), for callers who build their own.
     *
     * @return the settings
     */
    public static com.google.api.gax.retrying.RetrySettings recommendedRetrySettings() {
        return GcsClients.noRetries();
    }

    /** Configures a GCS store; validates eagerly in {@link #build()}. Never shows credentials in any message. */
    public static final class Builder {
        private @Nullable Storage storage;
        private @Nullable String bucket;
        private String prefix = "";
        private @Nullable String projectId;
        private @Nullable Path credentialsFile;
        private boolean anonymous;
        private @Nullable String endpoint;
        private int chunkSize = GcsConfig.DEFAULT_CHUNK_SIZE;
        private int readChunkSize = GcsConfig.DEFAULT_READ_CHUNK_SIZE;
        private @Nullable String kmsKeyName;
        private int threads = GcsConfig.DEFAULT_THREADS;
        private java.time.Duration connectTimeout = GcsConfig.DEFAULT_CONNECT_TIMEOUT;
        private int listPageSize;
        private boolean singleRequestUploads = true;

        private Builder() {}

        /**
         * Takes bucket, prefix and options from a {@code gs://bucket/prefix?option=value} URI; entries of
         * {@code options} override the URI's query parameters. The options are those of {@link GcsStoreProvider};
         * unknown ones are refused. Only options that are present are applied, so this combines with
         * {@link #storage(Storage)} as long as no client-level option is given.
         *
         * @param uri the location
         * @param options store options (may be empty)
         * @return this builder
         * @throws InvalidInputException when the URI is not a {@code gs} URI, or an option is unknown or malformed
         */
        public Builder location(URI uri, Map<String, String> options) {
            Objects.requireNonNull(uri, "uri");
            Objects.requireNonNull(options, "options");
            StoreLocation loc = StoreLocation.parse(uri);
            if (!loc.scheme().equals("gs")) {
                throw new InvalidInputException("the GCS store opens gs:// URIs, not " + loc.scheme() + "://");
            }
            Map<String, String> merged = StoreOptions.overlay(loc.options(), options);
            StoreOptions o = StoreOptions.of("gcs", merged, GcsStoreProvider.OPTIONS, Set.of());
            bucket(loc.container());
            prefix(loc.prefix());
            o.ifSet("project", this::projectId).ifSet("credentialsFile", p -> credentialsFile(Path.of(p))).ifBool("anonymous", this::anonymous)
                    .ifSet("endpoint", this::endpoint).ifSize("chunkSize", this::chunkSize).ifSize("readChunkSize", this::readChunkSize)
                    .ifSet("kmsKeyName", this::kmsKeyName).ifPositiveInt("threads", this::threads).ifPositiveInt("listPageSize", this::listPageSize)
                    .ifDuration("connectTimeout", this::connectTimeout).ifBool("singleRequestUploads", this::singleRequestUploads);
            return this;
        }

        /**
         * Uses a caller-owned client instead of building one; project, credentials and endpoint are then the
         * client's own and must not be set here.
         *
         * @param storage the client; the store never closes it
         * @return this builder
         */
        public Builder storage(Storage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /**
         * The bucket (required).
         *
         * @param bucket the bucket name
         * @return this builder
         */
        public Builder bucket(String bucket) {
            this.bucket = Objects.requireNonNull(bucket, "bucket");
            return this;
        }

        /**
         * The key prefix inside the bucket; leading and trailing {@code /} are ignored.
         *
         * @param prefix the prefix, empty for the bucket's root
         * @return this builder
         */
        public Builder prefix(String prefix) {
            this.prefix = StoreKeys.normalizePrefix(Objects.requireNonNull(prefix, "prefix"));
            return this;
        }

        /**
         * The Google Cloud project of the client the store builds.
         *
         * @param projectId the project id
         * @return this builder
         */
        public Builder projectId(String projectId) {
            this.projectId = Objects.requireNonNull(projectId, "projectId");
            return this;
        }

        /**
         * A JSON key file (service account or external account) instead of the default credentials chain. Its
         * contents are read when the store is built and never logged.
         *
         * @param file the key file
         * @return this builder
         */
        public Builder credentialsFile(Path file) {
            this.credentialsFile = Objects.requireNonNull(file, "credentialsFile");
            return this;
        }

        /**
         * Sends no credentials at all (emulators and test servers).
         *
         * @param anonymous true for no credentials
         * @return this builder
         */
        public Builder anonymous(boolean anonymous) {
            this.anonymous = anonymous;
            return this;
        }

        /**
         * Overrides the service endpoint, e.g. {@code http://127.0.0.1:9199} or a Private Service Connect host.
         *
         * @param endpoint scheme, host and port
         * @return this builder
         */
        public Builder endpoint(String endpoint) {
            URI u = URI.create(Objects.requireNonNull(endpoint, "endpoint"));
            if (u.getScheme() == null || u.getHost() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https"))) {
                throw new InvalidInputException("GCS endpoint must be an http(s) URL such as https://storage.googleapis.com");
            }
            this.endpoint = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
            return this;
        }

        /**
         * Upload chunk size: payloads up to it are sent in one request, larger ones through a resumable session in
         * chunks of it (memory per upload: about one chunk plus two payload buffers). A multiple of 256 KiB;
         * default 8 MiB.
         *
         * @param bytes the chunk size
         * @return this builder
         */
        public Builder chunkSize(long bytes) {
            if (bytes < GcsConfig.CHUNK_GRANULARITY || bytes % GcsConfig.CHUNK_GRANULARITY != 0 || bytes > Integer.MAX_VALUE) {
                throw new InvalidInputException("GCS chunkSize must be a multiple of 256 KiB (262144 bytes) up to 2 GiB, got " + bytes);
            }
            this.chunkSize = (int) bytes;
            return this;
        }

        /**
         * Size of the buffers a read emits; default 1 MiB.
         *
         * @param bytes the size
         * @return this builder
         */
        public Builder readChunkSize(long bytes) {
            if (bytes < 1 || bytes > 64 * 1024 * 1024) {
                throw new InvalidInputException("GCS readChunkSize must be between 1 byte and 64 MiB, got " + bytes);
            }
            this.readChunkSize = (int) bytes;
            return this;
        }

        /**
         * A Cloud KMS key for customer-managed encryption of every object written.
         *
         * @param kmsKeyName {@code projects/P/locations/L/keyRings/R/cryptoKeys/K}
         * @return this builder
         */
        public Builder kmsKeyName(String kmsKeyName) {
            if (kmsKeyName.isBlank()) {
                throw new InvalidInputException("GCS kmsKeyName must not be blank");
            }
            this.kmsKeyName = kmsKeyName;
            return this;
        }

        /**
         * Threads of the store's bounded scheduler, i.e. how many blocking client calls run at once; default 16.
         *
         * @param threads the number
         * @return this builder
         */
        public Builder threads(int threads) {
            if (threads < 1 || threads > 1024) {
                throw new InvalidInputException("GCS threads must be between 1 and 1024, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /**
         * Objects per list page (1..1000); default: the service's (1000).
         *
         * @param size the page size
         * @return this builder
         */
        public Builder listPageSize(int size) {
            if (size < 1 || size > 1000) {
                throw new InvalidInputException("GCS listPageSize must be between 1 and 1000, got " + size);
            }
            this.listPageSize = size;
            return this;
        }

        /**
         * Whether payloads up to {@link #chunkSize(long)} go in one request ({@code uploadType=multipart}, the
         * default). With false every upload goes through a resumable session (one more request for small payloads),
         * for emulators that do not implement multipart uploads, such as the Firebase Storage emulator.
         *
         * @param enabled false to send every upload through a resumable session
         * @return this builder
         */
        public Builder singleRequestUploads(boolean enabled) {
            this.singleRequestUploads = enabled;
            return this;
        }

        /**
         * The longest the client the store builds waits for a TCP (and TLS) connection (default 5 s); then the request
         * fails with a transient error naming the host, and the engine retries it within its operation deadline.
         * Ignored with a client of your own.
         *
         * @param timeout from 1 ms
         * @return this builder
         */
        public Builder connectTimeout(java.time.Duration timeout) {
            if (StoreOptions.timeout("gcs", "connectTimeout", timeout).toMillis() > Integer.MAX_VALUE) {
                throw new InvalidInputException("gcs store option 'connectTimeout' must be below 24 days, got " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * Builds the store.
         *
         * @return the store, owned by the caller
         * @throws InvalidInputException when the bucket is missing or client settings are given with a client
         */
        public ObjectStore build() {
            if (bucket == null || bucket.isBlank()) {
                throw new InvalidInputException("a GCS store needs a bucket");
            }
            if (storage != null && (projectId != null || credentialsFile != null || endpoint != null || anonymous)) {
                throw new InvalidInputException("project, credentials and endpoint belong to the Storage client given; do not set them on the builder too");
            }
            if (anonymous && credentialsFile != null) {
                throw new InvalidInputException("GCS options anonymous and credentialsFile exclude each other");
            }
            GcsConfig config = new GcsConfig(bucket, prefix, projectId, credentialsFile, anonymous, endpoint, chunkSize, readChunkSize,
                    kmsKeyName, threads, listPageSize, singleRequestUploads, connectTimeout);
            if (storage != null) {
                return new GcsObjectStore(storage, false, config);
            }
            return new GcsObjectStore(GcsClients.create(config), true, config);
        }

        @Override
        public String toString() {
            return "GcsStore.Builder[gs://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + "]";
        }
    }
}

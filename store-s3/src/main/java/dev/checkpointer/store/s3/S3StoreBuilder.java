package dev.checkpointer.store.s3;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.StoreKeys;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.StoreOptions;
import dev.checkpointer.store.s3.internal.ClientSettings;
import dev.checkpointer.store.s3.internal.S3Clients;
import dev.checkpointer.store.s3.internal.S3ObjectStore;
import dev.checkpointer.store.s3.internal.Sse;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * Builds an S3 store (see {@link S3Store}). Settings are checked as they are set; {@link #build()} checks how they combine.
 *
 * <p>The same settings are available as URI query parameters or store options (names in the table; unknown names are
 * refused): {@code s3://bucket/prefix?region=eu-west-1&sse=aws:kms}.
 * <table>
 * <caption>Options</caption>
 * <tr><th>option</th><th>builder method</th><th>meaning</th></tr>
 * <tr><td>{@code region}</td><td>{@link #region}</td><td>AWS region; default from the SDK's region chain
 *     ({@code AWS_REGION}, profile, instance metadata), or {@code us-east-1} when an endpoint is set</td></tr>
 * <tr><td>{@code endpoint}</td><td>{@link #endpoint}</td><td>endpoint override for S3-compatible stores</td></tr>
 * <tr><td>{@code pathStyle}</td><td>{@link #pathStyle}</td><td>path-style addressing; default true when an endpoint
 *     is set, else false</td></tr>
 * <tr><td>{@code profile}</td><td>{@link #profile}</td><td>named profile of the shared AWS config files</td></tr>
 * <tr><td>{@code accessKeyId}, {@code secretAccessKey}, {@code sessionToken}</td><td>{@link #credentials}</td>
 *     <td>static credentials (secret); default is the SDK's default credentials chain</td></tr>
 * <tr><td>{@code partSize}</td><td>{@link #partSize}</td><td>smallest multipart part, at least 5 MiB (the default);
 *     the checkpointer's part size is raised to it</td></tr>
 * <tr><td>{@code maxConnections}</td><td>{@link #maxConnections}</td><td>HTTP connections (default 64)</td></tr>
 * <tr><td>{@code readTimeout}</td><td>{@link #readTimeout}</td><td>longest wait for a response's next bytes
 *     (default 60s)</td></tr>
 * <tr><td>{@code connectTimeout}</td><td>{@link #connectTimeout}</td><td>longest wait for a connection
 *     (default 5s)</td></tr>
 * <tr><td>{@code crt}</td><td>{@link #crt}</td><td>use the AWS CRT-based client ({@code aws-crt} on the class
 *     path)</td></tr>
 * <tr><td>{@code crossRegion}</td><td>{@link #crossRegion}</td><td>follow a bucket in another region (the SDK's
 *     cross-region access); default true without an endpoint, false with one</td></tr>
 * <tr><td>{@code sse}</td><td>{@link #sseS3}, {@link #sseKms}</td><td>{@code AES256} or {@code aws:kms}</td></tr>
 * <tr><td>{@code sseKmsKeyId}, {@code sseBucketKey}</td><td>{@link #sseKms}</td><td>KMS key and S3 Bucket Key for
 *     SSE-KMS</td></tr>
 * <tr><td>{@code sseCustomerKey}</td><td>{@link #sseCustomerKey}</td><td>SSE-C: base64 of a 256-bit key
 *     (secret)</td></tr>
 * </table>
 *
 * <p>Secrets (credentials, the SSE-C key) never appear in {@link #toString()}, in a store's {@code toString()} or
 * {@code describe()}, or in the messages of the errors the store raises.
 */
public final class S3StoreBuilder {
    /** The URI scheme this store opens. */
    public static final String SCHEME = "s3";
    /** Smallest part S3 accepts in a multipart upload (except the last). */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    /** Largest {@code partSize} accepted (the engine holds one part in one buffer). */
    public static final long MAX_PART_SIZE = 1024L * 1024 * 1024;
    /** Connections the store's own client opens at most, unless {@code maxConnections} says otherwise. */
    public static final int DEFAULT_MAX_CONNECTIONS = 64;

    /** How long a response may keep the store waiting for its next bytes, unless {@code readTimeout} says otherwise. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    /** How long the store's own client waits for a connection, unless {@code connectTimeout} says otherwise. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** Every option name a URI or options map may use. */
    public static final Set<String> OPTIONS = Set.of("region", "endpoint", "pathStyle", "profile", "accessKeyId", "secretAccessKey",
            "sessionToken", "partSize", "maxConnections", "readTimeout", "connectTimeout", "crt", "crossRegion", "sse", "sseKmsKeyId", "sseBucketKey", "sseCustomerKey");
    /** The options whose values are secret. */
    public static final Set<String> SECRET_OPTIONS = Set.of("accessKeyId", "secretAccessKey", "sessionToken", "sseCustomerKey");

    private @Nullable String bucket;
    private String prefix = "";
    private @Nullable String region;
    private @Nullable URI endpoint;
    private @Nullable Boolean pathStyle;
    private @Nullable String profile;
    private @Nullable String accessKeyId;
    private @Nullable String secretAccessKey;
    private @Nullable String sessionToken;
    private @Nullable AwsCredentialsProvider credentialsProvider;
    private long partSize = MIN_PART_SIZE;
    private @Nullable Integer maxConnections;
    private Duration readTimeout = DEFAULT_READ_TIMEOUT;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private @Nullable Boolean crossRegion;
    private boolean crt;
    private @Nullable String sse;
    private @Nullable String sseKmsKeyId;
    private @Nullable Boolean sseBucketKey;
    private @Nullable String sseCustomerKey;
    private @Nullable S3AsyncClient client;

    S3StoreBuilder() {}

    /**
     * Takes bucket, prefix and options from an {@code s3://bucket/prefix?option=value} URI; entries of
     * {@code options} override the URI's query parameters. Unknown options are refused.
     *
     * @param uri the location
     * @param options store options (may be empty)
     * @return this builder
     * @throws InvalidInputException when the URI is not an {@code s3} URI, or an option is unknown or malformed
     */
    public S3StoreBuilder location(URI uri, Map<String, String> options) {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(options, "options");
        StoreLocation location = StoreLocation.parse(uri);
        if (!SCHEME.equals(location.scheme())) {
            throw new InvalidInputException("an S3 store URI starts with s3://, not " + location.scheme() + "://");
        }
        Map<String, String> merged = StoreOptions.overlay(location.options(), options);
        bucket(location.container());
        prefix(location.prefix());
        return options(merged);
    }

    /**
     * Applies options by name (see the table in the class description). Unknown options are refused.
     *
     * @param options the options
     * @return this builder
     * @throws InvalidInputException naming an unknown or malformed option (never showing a secret value)
     */
    public S3StoreBuilder options(Map<String, String> options) {
        StoreOptions o = StoreOptions.of("s3", options, OPTIONS, SECRET_OPTIONS);
        o.string("region").ifPresent(this::region);
        o.string("endpoint").ifPresent(e -> endpoint(parseEndpoint(e)));
        o.ifBool("pathStyle", this::pathStyle);
        o.string("profile").ifPresent(this::profile);
        String id = o.string("accessKeyId").orElse(null);
        String secret = o.string("secretAccessKey").orElse(null);
        String token = o.string("sessionToken").orElse(null);
        if (id != null || secret != null || token != null) {
            if (id == null || secret == null) {
                throw new InvalidInputException("s3 store options accessKeyId and secretAccessKey must be given together"
                        + (token != null ? " (sessionToken needs both)" : ""));
            }
            credentials(id, secret, token);
        }
        o.ifSize("partSize", this::partSize);
        o.ifBool("crossRegion", this::crossRegion);
        o.ifDuration("connectTimeout", this::connectTimeout);
        o.ifDuration("readTimeout", this::readTimeout);
        o.ifPositiveInt("maxConnections", this::maxConnections);
        o.ifBool("crt", this::crt);
        String mode = o.string("sse").map(String::trim).orElse(null);
        String keyId = o.string("sseKmsKeyId").map(String::trim).filter(s -> !s.isEmpty()).orElse(null);
        Boolean bucketKey = o.string("sseBucketKey").isPresent() ? o.bool("sseBucketKey", false) : null;
        if (mode != null) {
            switch (mode.toLowerCase(Locale.ROOT)) {
                case "aes256", "sse-s3" -> {
                    if (keyId != null || bucketKey != null) {
                        throw new InvalidInputException("s3 store options sseKmsKeyId and sseBucketKey need sse=aws:kms, not sse=" + mode);
                    }
                    sseS3();
                }
                case "aws:kms", "sse-kms" -> sseKms(keyId, bucketKey != null && bucketKey);
                case "none", "" -> {
                    if (keyId != null || bucketKey != null) {
                        throw new InvalidInputException("s3 store options sseKmsKeyId and sseBucketKey need sse=aws:kms");
                    }
                }
                default -> throw new InvalidInputException("s3 store option 'sse' must be AES256 or aws:kms, got '" + mode + "'");
            }
        } else if (keyId != null || bucketKey != null) {
            sseKms(keyId, bucketKey != null && bucketKey); // a KMS key implies aws:kms
        }
        o.string("sseCustomerKey").ifPresent(this::sseCustomerKey);
        return this;
    }

    /**
     * The bucket (required).
     *
     * @param bucket the bucket name
     * @return this builder
     */
    public S3StoreBuilder bucket(String bucket) {
        Objects.requireNonNull(bucket, "bucket");
        if (bucket.isBlank() || bucket.contains("/") || bucket.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new InvalidInputException("S3 bucket name is malformed: '" + bucket + "'");
        }
        this.bucket = bucket;
        return this;
    }

    /**
     * The key prefix inside the bucket (default: the bucket's root). Leading and trailing {@code /} are ignored.
     *
     * @param prefix the prefix
     * @return this builder
     */
    public S3StoreBuilder prefix(String prefix) {
        this.prefix = StoreKeys.normalizePrefix(Objects.requireNonNull(prefix, "prefix"));
        return this;
    }

    /**
     * The AWS region (for example {@code eu-west-1}).
     *
     * @param region the region id
     * @return this builder
     */
    public S3StoreBuilder region(String region) {
        Objects.requireNonNull(region, "region");
        if (!region.trim().matches("[a-z0-9-]+")) {
            throw new InvalidInputException("s3 store option 'region' must look like eu-west-1, got '" + region + "'");
        }
        this.region = region.trim();
        return this;
    }

    /**
     * An endpoint override, for S3-compatible stores or VPC endpoints ({@code http://127.0.0.1:9090}).
     *
     * @param endpoint an absolute http or https URI
     * @return this builder
     */
    public S3StoreBuilder endpoint(URI endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null) {
            throw new InvalidInputException("s3 store option 'endpoint' must be an http(s) URL such as https://s3.example.com, got '"
                    + endpoint.getScheme() + "://" + endpoint.getHost() + "'");
        }
        if (endpoint.getUserInfo() != null) {
            throw new InvalidInputException("s3 store option 'endpoint' must not carry credentials; use accessKeyId and secretAccessKey");
        }
        this.endpoint = endpoint;
        return this;
    }

    /**
     * Path-style addressing ({@code https://host/bucket/key}) instead of virtual-hosted style. Default: true when an
     * endpoint is set, false otherwise.
     *
     * @param pathStyle whether to use path-style addressing
     * @return this builder
     */
    public S3StoreBuilder pathStyle(boolean pathStyle) {
        this.pathStyle = pathStyle;
        return this;
    }

    /**
     * Whether a bucket in another region than the client's is followed: the SDK's cross-region access reads
     * {@code x-amz-bucket-region} from S3's redirect and signs the request again for that region. Default: true on
     * AWS (no endpoint set), false with an endpoint, where S3-compatible stores have no regions to follow. With it on,
     * the SDK (2.x up to at least the version this project uses) does not pass a caller's cancellation on to an
     * upload already sending: the upload runs to the end of its body. The checkpointer already treats a write sent
     * before a cancel as detached (it is deleted when it lands), but a direct {@code ObjectStore} user should know.
     *
     * @param crossRegion whether to follow a bucket's region
     * @return this builder
     */
    public S3StoreBuilder crossRegion(boolean crossRegion) {
        this.crossRegion = crossRegion;
        return this;
    }

    /**
     * A named profile of the shared AWS config and credentials files, for credentials and (unless set) region.
     *
     * @param profile the profile name
     * @return this builder
     */
    public S3StoreBuilder profile(String profile) {
        Objects.requireNonNull(profile, "profile");
        if (profile.isBlank()) {
            throw new InvalidInputException("s3 store option 'profile' must not be blank");
        }
        this.profile = profile.trim();
        return this;
    }

    /**
     * Static credentials.
     *
     * @param accessKeyId the access key id
     * @param secretAccessKey the secret access key
     * @return this builder
     */
    public S3StoreBuilder credentials(String accessKeyId, String secretAccessKey) {
        return credentials(accessKeyId, secretAccessKey, null);
    }

    /**
     * Static (session) credentials.
     *
     * @param accessKeyId the access key id
     * @param secretAccessKey the secret access key
     * @param sessionToken the session token of temporary credentials, or null
     * @return this builder
     */
    public S3StoreBuilder credentials(String accessKeyId, String secretAccessKey, @Nullable String sessionToken) {
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
        if (accessKeyId.isBlank() || secretAccessKey.isBlank()) {
            throw new InvalidInputException("S3 credentials must not be blank");
        }
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.sessionToken = sessionToken == null || sessionToken.isBlank() ? null : sessionToken;
        return this;
    }

    /**
     * A credentials provider of your own (for example a role-assuming or web-identity provider). It is not closed by
     * the store.
     *
     * @param provider the provider
     * @return this builder
     */
    public S3StoreBuilder credentialsProvider(AwsCredentialsProvider provider) {
        this.credentialsProvider = Objects.requireNonNull(provider, "provider");
        return this;
    }

    /**
     * The smallest multipart part, from 5 MiB (the default, S3's minimum) to 1 GiB. Reported as
     * {@code capabilities().minPartSize()}, so the checkpointer's part size is raised to at least this.
     *
     * @param bytes the size in bytes
     * @return this builder
     */
    public S3StoreBuilder partSize(long bytes) {
        checkPartSize(bytes);
        this.partSize = bytes;
        return this;
    }

    /**
     * The most HTTP connections the store's client opens (default {@value #DEFAULT_MAX_CONNECTIONS}).
     *
     * @param n at least 1
     * @return this builder
     */
    public S3StoreBuilder maxConnections(int n) {
        if (n < 1) {
            throw new InvalidInputException("s3 store option 'maxConnections' must be at least 1, got " + n);
        }
        this.maxConnections = n;
        return this;
    }

    /**
     * The longest a response may keep the store waiting for its headers or its next bytes while the reader wants more
     * (default 60 s); then the request fails with a transient error. It also guards reads against a body that never
     * ends when its connection is lost (aws-sdk-java-v2 issue 6949). A reader that pauses is never timed out.
     *
     * @param timeout at least 1 ms
     * @return this builder
     */
    public S3StoreBuilder readTimeout(Duration timeout) {
        this.readTimeout = StoreOptions.timeout("s3", "readTimeout", timeout);
        return this;
    }

    /**
     * The longest the store's own client waits for a TCP (and TLS) connection (default 5 s); then the request fails
     * with a transient error naming the host, and the engine retries it within its operation deadline. Ignored with
     * {@link #client}.
     *
     * @param timeout at least 1 ms
     * @return this builder
     */
    public S3StoreBuilder connectTimeout(Duration timeout) {
        this.connectTimeout = StoreOptions.timeout("s3", "connectTimeout", timeout);
        return this;
    }

    /**
     * Whether to use the AWS CRT-based {@code S3CrtAsyncClient} (faster for large objects) instead of the Netty-based
     * client. Needs {@code software.amazon.awssdk.crt:aws-crt} on the class path.
     *
     * @param crt true for the CRT client
     * @return this builder
     */
    public S3StoreBuilder crt(boolean crt) {
        this.crt = crt;
        return this;
    }

    /**
     * Server-side encryption with S3-managed keys (SSE-S3, {@code x-amz-server-side-encryption: AES256}).
     *
     * @return this builder
     */
    public S3StoreBuilder sseS3() {
        this.sse = "AES256";
        this.sseKmsKeyId = null;
        this.sseBucketKey = null;
        return this;
    }

    /**
     * Server-side encryption with KMS keys (SSE-KMS).
     *
     * @param keyId the KMS key id or ARN, or null for the account's default {@code aws/s3} key
     * @param bucketKey whether to use an S3 Bucket Key (fewer KMS requests)
     * @return this builder
     */
    public S3StoreBuilder sseKms(@Nullable String keyId, boolean bucketKey) {
        this.sse = "aws:kms";
        this.sseKmsKeyId = keyId == null || keyId.isBlank() ? null : keyId.trim();
        this.sseBucketKey = bucketKey;
        return this;
    }

    /**
     * Server-side encryption with a customer-provided key (SSE-C). The same key is needed to read the objects back.
     *
     * @param base64Key base64 of a 256-bit AES key
     * @return this builder
     */
    public S3StoreBuilder sseCustomerKey(String base64Key) {
        Objects.requireNonNull(base64Key, "base64Key");
        Sse.customerKey(base64Key); // validates without echoing the key
        this.sseCustomerKey = base64Key.trim();
        return this;
    }

    /**
     * Uses an {@code S3AsyncClient} of your own (for example one a Spring context manages). The store never closes
     * it. Client settings (region, endpoint, path style, profile, credentials, connections, CRT) cannot be combined
     * with it: configure them on the client. Give the client no retries of its own, e.g.
     * {@code overrideConfiguration(o -> o.retryStrategy(S3StoreBuilder.recommendedRetryStrategy()))}, so that the
     * checkpointer's retries do not multiply with the SDK's.
     *
     * @param client the client
     * @return this builder
     */
    public S3StoreBuilder client(S3AsyncClient client) {
        this.client = Objects.requireNonNull(client, "client");
        return this;
    }

    /**
     * Builds the store. A store built without {@link #client} owns its client and closes it on {@code close()}.
     *
     * @return the store
     * @throws InvalidInputException when a setting is missing or settings conflict
     * @throws dev.checkpointer.CheckpointException with code {@code CONFIGURATION} when the client cannot be built
     *     (no region found, CRT requested but absent)
     */
    public ObjectStore build() {
        if (bucket == null) {
            throw new InvalidInputException("an S3 store needs a bucket: s3://bucket/prefix or bucket(name)");
        }
        if (sseCustomerKey != null && sse != null) {
            throw new InvalidInputException("SSE-C (sseCustomerKey) cannot be combined with sse=" + sse);
        }
        Sse encryption = Sse.of(sse, sseKmsKeyId, sseBucketKey, sseCustomerKey);
        if (client != null) {
            if (region != null || endpoint != null || pathStyle != null || profile != null || accessKeyId != null
                    || credentialsProvider != null || maxConnections != null || crt || crossRegion != null) {
                throw new InvalidInputException("with client(S3AsyncClient), set region, endpoint, path style, profile, credentials,"
                        + " connections, CRT and cross-region access on that client, not on the store");
            }
            return S3ObjectStore.create(client, false, bucket, prefix, partSize, readTimeout, encryption, "client supplied", () -> {});
        }
        if (profile != null && (accessKeyId != null || credentialsProvider != null)) {
            throw new InvalidInputException("s3 store option 'profile' cannot be combined with explicit credentials");
        }
        if (accessKeyId != null && credentialsProvider != null) {
            throw new InvalidInputException("give static credentials or a credentials provider, not both");
        }
        ClientSettings settings = new ClientSettings(region, endpoint, pathStyle != null ? pathStyle : endpoint != null, profile,
                accessKeyId, secretAccessKey, sessionToken, credentialsProvider,
                maxConnections != null ? maxConnections : DEFAULT_MAX_CONNECTIONS, readTimeout, crt, partSize,
                connectTimeout, crossRegion != null ? crossRegion : endpoint == null);
        S3Clients.Built built = S3Clients.build(settings);
        return S3ObjectStore.create(built.client(), true, bucket, prefix, partSize, readTimeout, encryption, built.description(), built.resources());
    }

    /**
     * The SDK retry strategy the store gives its own clients, for a client you build yourself: no retries, except up
     * to two retries, 10 ms apart, of a request whose pooled connection was closed or reset before any response (the Netty client
     * closes a connection asynchronously after an error response, and the next request may already have taken it).
     * Throttling, 5xx and timeouts are left to the checkpointer's retries.
     *
     * @return a new strategy, for {@code ClientOverrideConfiguration.Builder.retryStrategy}
     */
    public static RetryStrategy recommendedRetryStrategy() {
        return S3Clients.sdkRetries();
    }

    private static void checkPartSize(long bytes) {
        if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
            throw new InvalidInputException("s3 store option 'partSize' must be between 5 MiB and 1 GiB, got " + bytes + " bytes");
        }
    }

    private static URI parseEndpoint(String text) {
        try {
            return new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new InvalidInputException("s3 store option 'endpoint' is not a valid URL: " + e.getReason());
        }
    }

    @Override
    public String toString() {
        return "S3StoreBuilder[bucket=" + bucket + ", prefix=" + prefix + ", region=" + region + ", endpoint=" + endpoint
                + ", credentials=" + (accessKeyId != null ? "static (not shown)" : credentialsProvider != null ? "provider" : profile != null ? "profile " + profile : "default chain")
                + ", partSize=" + partSize + ", crt=" + crt + ", sse=" + (sseCustomerKey != null ? "SSE-C (key not shown)" : sse) + "]";
    }
}

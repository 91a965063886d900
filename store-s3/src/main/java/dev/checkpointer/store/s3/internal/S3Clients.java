package dev.checkpointer.store.s3.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.retries.StandardRetryStrategy;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3CrtAsyncClientBuilder;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Builds the store's own {@link S3AsyncClient}: the Netty-based client by default, the CRT-based one on request.
 *
 * <p>SDK retries are (almost) off: the checkpointer engine retries transient failures itself, per request and per
 * part, with backoff and an overall time budget. Two retry layers would multiply attempts (8 engine attempts x 3 SDK
 * attempts = 24 requests per failing call) and hide throttling from the engine's backoff. The one exception is
 * {@link #sdkRetries()}: up to two SDK retries, 10 ms apart, when the pooled connection a request went out on was
 * closed or reset before any response arrived. The Netty client needs it: after an error response (404, 412, 416, …)
 * the connection is closed asynchronously, and the next request may already have picked it from the pool; the
 * closes come in bursts, so an immediate single retry is not enough. Measured on S3Mock with 1500 pairs of a 416 read
 * and a HEAD: one immediate retry left 15 HEADs failed, one retry after 5 ms left 4, two retries after 10 ms left 0.
 * Throttling, 5xx and timeouts are never
 * retried by the SDK. The CRT client (which has no such race) gets {@code numRetries(0)}.
 *
 * <p>Both clients follow a bucket that lives in another region than the one configured (cross-region access: the SDK
 * reads {@code x-amz-bucket-region} from the 301/400 answer and signs the request again for that region), and both
 * give up connecting after the {@code connectTimeout} option (default 5 s).
 */
public final class S3Clients {
    /** A CRT client would split a PutObject above this into its own multipart upload, losing our conditions. */
    private static final long CRT_NO_AUTO_MULTIPART = 5L * 1024 * 1024 * 1024;
    private static final Region EMULATOR_REGION = Region.US_EAST_1;
    private static final int CLOSED_CONNECTION_ATTEMPTS = 3;
    private static final Duration CLOSED_CONNECTION_DELAY = Duration.ofMillis(10);

    /**
     * The SDK retry strategy of the store's Netty client: two retries 10 ms apart, only for a connection closed or
     * reset under a request before a response arrived (see the class description). A new instance per client.
     *
     * @return the strategy
     */
    public static RetryStrategy sdkRetries() {
        return StandardRetryStrategy.builder()
                .maxAttempts(CLOSED_CONNECTION_ATTEMPTS)
                .retryOnException(S3Clients::isClosedConnection)
                .backoffStrategy(BackoffStrategy.fixedDelay(CLOSED_CONNECTION_DELAY))
                .throttlingBackoffStrategy(BackoffStrategy.retryImmediately())
                .circuitBreakerEnabled(false)
                .useClientDefaults(false)
                .build();
    }

    private S3Clients() {}

    /**
     * Whether an SDK failure is a pooled connection closed or reset before any response: safe to send again at once.
     *
     * @param error the failure
     * @return true for closed or reset connections, never for service errors or timeouts
     */
    static boolean isClosedConnection(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AwsServiceException) {
                return false;
            }
            if (t instanceof ClosedChannelException) {
                return true;
            }
            if (t instanceof IOException) {
                String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
                if (m.contains("timed out")) {
                    return false;
                }
                if (m.contains("connection was closed") || m.contains("connection reset") || m.contains("channel was closed")) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A built client with what must be closed after it.
     *
     * @param client the client
     * @param description for {@code toString()}: client kind, region, endpoint; never credentials
     * @param resources closes the client and whatever the store created for it
     */
    public record Built(S3AsyncClient client, String description, AutoCloseable resources) {}

    /**
     * Builds a client.
     *
     * @param settings the settings
     * @return the client and its resources
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when no region is found or CRT is missing
     */
    public static Built build(ClientSettings settings) {
        Region region = region(settings);
        List<AutoCloseable> owned = new ArrayList<>();
        AwsCredentialsProvider credentials = credentials(settings, owned);
        S3AsyncClient client;
        if (settings.crt()) {
            client = crt(settings, region, credentials);
        } else {
            var builder = S3AsyncClient.builder()
                    .region(region)
                    .credentialsProvider(credentials)
                    .forcePathStyle(settings.pathStyle())
                    .crossRegionAccessEnabled(settings.crossRegion()) // a bucket in another region: follow its x-amz-bucket-region
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED) // asked for per request: whole objects only
                    .overrideConfiguration(o -> o.retryStrategy(sdkRetries()))
                    .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                            .maxConcurrency(settings.maxConnections())
                            .readTimeout(settings.readTimeout())
                            .connectionTimeout(settings.connectTimeout())
                            .connectionAcquisitionTimeout(Duration.ofSeconds(60)));
            if (settings.endpoint() != null) {
                builder.endpointOverride(settings.endpoint());
            }
            client = builder.build();
        }
        S3AsyncClient c = client;
        AutoCloseable resources = () -> {
            c.close();
            for (AutoCloseable r : owned) {
                r.close();
            }
        };
        String description = (settings.crt() ? "crt" : "netty") + ", region=" + region.id()
                + (settings.endpoint() != null ? ", endpoint=" + settings.endpoint() + (settings.pathStyle() ? " (path style)" : "") : "")
                + (settings.crossRegion() ? ", cross-region" : "");
        return new Built(client, description, resources);
    }

    private static S3AsyncClient crt(ClientSettings settings, Region region, AwsCredentialsProvider credentials) {
        try {
            Class.forName("software.amazon.awssdk.crt.CRT", false, S3Clients.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new CheckpointException(ErrorCode.CONFIGURATION,
                    "s3 store option crt=true needs software.amazon.awssdk.crt:aws-crt on the class path", e);
        }
        S3CrtAsyncClientBuilder builder = S3AsyncClient.crtBuilder()
                .region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                .crossRegionAccessEnabled(settings.crossRegion())
                .httpConfiguration(h -> h.connectionTimeout(settings.connectTimeout()))
                .maxConcurrency(settings.maxConnections())
                .minimumPartSizeInBytes(settings.partSize())
                .thresholdInBytes(CRT_NO_AUTO_MULTIPART)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED) // asked for per request: whole objects only
                .retryConfiguration(r -> r.numRetries(0));
        if (settings.endpoint() != null) {
            builder.endpointOverride(settings.endpoint());
        }
        try {
            return builder.build();
        } catch (RuntimeException | LinkageError e) {
            throw new CheckpointException(ErrorCode.CONFIGURATION, "cannot start the AWS CRT S3 client: " + e.getMessage(), e);
        }
    }

    private static Region region(ClientSettings settings) {
        if (settings.region() != null) {
            return Region.of(settings.region());
        }
        try {
            var chain = DefaultAwsRegionProviderChain.builder();
            if (settings.profile() != null) {
                chain.profileName(settings.profile());
            }
            return chain.build().getRegion();
        } catch (SdkClientException e) {
            if (settings.endpoint() != null) {
                return EMULATOR_REGION; // S3-compatible stores mostly ignore the region; SigV4 still needs one
            }
            throw new CheckpointException(ErrorCode.CONFIGURATION,
                    "no AWS region found for the S3 store: set option region (s3://bucket/prefix?region=eu-west-1) or AWS_REGION", e);
        }
    }

    private static AwsCredentialsProvider credentials(ClientSettings settings, List<AutoCloseable> owned) {
        if (settings.credentialsProvider() != null) {
            return settings.credentialsProvider();
        }
        if (settings.accessKeyId() != null && settings.secretAccessKey() != null) {
            return StaticCredentialsProvider.create(settings.sessionToken() != null
                    ? AwsSessionCredentials.create(settings.accessKeyId(), settings.secretAccessKey(), settings.sessionToken())
                    : AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
        }
        if (settings.profile() != null) {
            ProfileCredentialsProvider p = ProfileCredentialsProvider.builder().profileName(settings.profile()).build();
            owned.add(p);
            return p;
        }
        DefaultCredentialsProvider p = DefaultCredentialsProvider.builder().build();
        owned.add(closeable(p));
        return p;
    }

    private static AutoCloseable closeable(SdkAutoCloseable c) {
        return c::close;
    }
}

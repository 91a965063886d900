package dev.checkpointer.store.s3.internal;

import java.net.URI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * What the store's own S3 client is built from. {@link #toString()} never shows credentials.
 *
 * @param region the region, or null for the SDK's region chain
 * @param endpoint an endpoint override, or null
 * @param pathStyle whether to use path-style addressing
 * @param profile a profile name, or null
 * @param accessKeyId static access key id, or null
 * @param secretAccessKey static secret key, or null
 * @param sessionToken static session token, or null
 * @param credentialsProvider a caller's provider (not closed by the store), or null
 * @param maxConnections most connections
 * @param readTimeout longest wait for a response's next bytes
 * @param crt whether to build the CRT-based client
 * @param partSize the part size, for the CRT client's own part sizing
 * @param connectTimeout longest wait for a TCP (and TLS) connection
 */
public record ClientSettings(
        @Nullable String region,
        @Nullable URI endpoint,
        boolean pathStyle,
        @Nullable String profile,
        @Nullable String accessKeyId,
        @Nullable String secretAccessKey,
        @Nullable String sessionToken,
        @Nullable AwsCredentialsProvider credentialsProvider,
        int maxConnections,
        Duration readTimeout,
        boolean crt,
        long partSize,
        Duration connectTimeout,
        boolean crossRegion) {

    @Override
    public String toString() {
        return "ClientSettings[region=" + region + ", endpoint=" + endpoint + ", pathStyle=" + pathStyle + ", credentials="
                + (accessKeyId != null ? "static (not shown)" : credentialsProvider != null ? "provider" : profile != null ? "profile " + profile : "default chain")
                + ", maxConnections=" + maxConnections + ", connectTimeout=" + connectTimeout + ", crt=" + crt
                + ", crossRegion=" + crossRegion + "]";
    }
}

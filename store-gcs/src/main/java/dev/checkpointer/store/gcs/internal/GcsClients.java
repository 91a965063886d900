package dev.checkpointer.store.gcs.internal;

import com.google.api.gax.retrying.RetrySettings;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.NoCredentials;
import com.google.cloud.http.HttpTransportOptions;
import com.google.cloud.storage.BlobWriteSessionConfigs;
import com.google.cloud.storage.HttpStorageOptions;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;

/** Builds the {@link Storage} client a store owns. */
public final class GcsClients {
    private GcsClients() {}

    /**
     * The client's retry settings: one attempt, so that the engine's retry (resilience4j, per request, transient
     * errors only) is the only one and the two never multiply. Timeouts per attempt stay at the client defaults.
     *
     * @return the settings
     */
    public static RetrySettings noRetries() {
        return StorageOptions.getDefaultRetrySettings().toBuilder().setMaxAttempts(1).build();
    }

    /**
     * Builds a client from a configuration: HTTP/JSON transport with the configuration's connect timeout, retries off
     * ({@link #noRetries()}), the upload
     * chunk size of the configuration, the endpoint override, project and credentials.
     *
     * @param config the configuration
     * @return a new client, owned by the caller
     * @throws CheckpointException with {@link ErrorCode#CONFIGURATION} when the credentials file cannot be read;
     *     the message names the path, never the contents
     */
    public static Storage create(GcsConfig config) {
        HttpStorageOptions.Builder b = StorageOptions.http()
                .setRetrySettings(noRetries())
                .setTransportOptions(HttpTransportOptions.newBuilder().setConnectTimeout((int) config.connectTimeout().toMillis()).build())
                .setBlobWriteSessionConfig(BlobWriteSessionConfigs.getDefault().withChunkSize(config.chunkSize()));
        if (config.projectId() != null) {
            b.setProjectId(config.projectId());
        }
        if (config.endpoint() != null) {
            b.setHost(config.endpoint());
        }
        if (config.anonymous()) {
            b.setCredentials(NoCredentials.getInstance());
            if (config.projectId() == null) {
                b.setProjectId("checkpointer-anonymous");
            }
        } else if (config.credentialsFile() != null) {
            try (InputStream in = Files.newInputStream(config.credentialsFile())) {
                b.setCredentials(GoogleCredentials.fromStream(in));
            } catch (IOException | RuntimeException e) {
                // The parser's message may quote the file; only the path and the failure's type are reported.
                throw new CheckpointException(ErrorCode.CONFIGURATION,
                        "cannot load GCS credentials from file " + config.credentialsFile() + " (" + e.getClass().getSimpleName() + ")", null);
            }
        }
        return b.build().getService();
    }
}

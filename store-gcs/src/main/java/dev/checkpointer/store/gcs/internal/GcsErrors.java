package dev.checkpointer.store.gcs.internal;

import com.google.cloud.BaseServiceException;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * Maps google-cloud-storage failures onto {@link StoreException}s.
 *
 * <table>
 *   <caption>HTTP status to error code</caption>
 *   <tr><th>status / failure</th><th>code</th><th>retried by the engine</th></tr>
 *   <tr><td>412</td><td>STORE_PRECONDITION_FAILED</td><td>no</td></tr>
 *   <tr><td>404</td><td>STORE_NOT_FOUND; STORE_BUCKET_NOT_FOUND when the service says the bucket does not exist
 *       (the store restates it with the bucket's name and the remedy)</td><td>no</td></tr>
 *   <tr><td>429</td><td>STORE_THROTTLED</td><td>yes</td></tr>
 *   <tr><td>408, 5xx</td><td>STORE_TRANSIENT</td><td>yes</td></tr>
 *   <tr><td>no status: timeouts, resets, refused connections, TLS and DNS failures (the store names the host and
 *       the cause of a failure to connect)</td><td>STORE_TRANSIENT</td><td>yes</td></tr>
 *   <tr><td>401, 403</td><td>STORE_ACCESS_DENIED</td><td>no</td></tr>
 *   <tr><td>400 (also a refused crc32c), 411, 413, 416</td><td>STORE_BAD_REQUEST</td><td>no</td></tr>
 *   <tr><td>anything else</td><td>STORE_FAILURE</td><td>no</td></tr>
 * </table>
 */
public final class GcsErrors {
    private GcsErrors() {}

    /**
     * Maps a failure.
     *
     * @param operation the SPI operation
     * @param key the store-relative key, if any
     * @param error the failure
     * @return the store exception (the same instance when {@code error} already is a checkpointer error)
     */
    public static CheckpointException map(String operation, @Nullable String key, Throwable error) {
        if (error instanceof CheckpointException ce) {
            return ce;
        }
        if (error instanceof RejectedExecutionException) {
            return closed(operation, key);
        }
        Integer status = status(error);
        String message = describe(error, status);
        if (status != null && status > 0) {
            return switch (status) {
                case 412 -> StoreException.preconditionFailed(operation, key == null ? "" : key, message, error);
                case 404 -> new StoreException(ErrorCode.STORE_NOT_FOUND, operation, key, message, error);
                case 429 -> StoreException.throttled(operation, key, message, error);
                case 408 -> StoreException.transientFailure(operation, key, message, error);
                case 401, 403 -> StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key, message, error);
                case 400, 411, 413, 416 -> StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, key, message, error);
                default -> status >= 500
                        ? StoreException.transientFailure(operation, key, message, error)
                        : StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, message, error);
            };
        }
        if (isNetworkFailure(error)) {
            return StoreException.transientFailure(operation, key, message, error);
        }
        if (error instanceof BaseServiceException bse && bse.isRetryable()) {
            return StoreException.transientFailure(operation, key, message, error);
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, message, error);
    }

    /**
     * Whether a 404 says the bucket itself does not exist ("The specified bucket does not exist."), not an object.
     *
     * @param error the failure
     * @return true for a missing bucket
     */
    public static boolean isMissingBucket(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && m.toLowerCase(java.util.Locale.ROOT).contains("bucket does not exist")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error for a store used after close.
     *
     * @param operation the SPI operation
     * @param key the key, if any
     * @return the exception
     */
    public static StoreException closed(String operation, @Nullable String key) {
        return new StoreException(ErrorCode.CLOSED, operation, key, "the GCS store is closed", null);
    }

    private static @Nullable Integer status(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof BaseServiceException bse && bse.getCode() > 0) {
                return bse.getCode();
            }
            if (t instanceof com.google.api.client.http.HttpResponseException hre) {
                return hre.getStatusCode();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    private static boolean isNetworkFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof SocketException || t instanceof ConnectException
                    || t instanceof SSLException || t instanceof UnknownHostException || t instanceof InterruptedIOException
                    || (t instanceof IOException && t.getClass().getName().contains("ChecksumMismatch"))) {
                return true;
            }
            if (t.getClass().getName().contains("ChecksumMismatch")) {
                return true; // corrupted in transit on a read: retrying may succeed
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    private static String describe(Throwable error, @Nullable Integer status) {
        String m = error.getMessage();
        if (m == null || m.isBlank()) {
            m = error.getClass().getSimpleName();
        }
        // One line, bounded: server messages never carry credentials, but may be long JSON bodies.
        m = m.replaceAll("\\s+", " ");
        if (m.length() > 300) {
            m = m.substring(0, 300) + "…";
        }
        return (status != null && status > 0 ? "HTTP " + status + ": " : "") + m;
    }
}

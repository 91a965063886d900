package dev.checkpointer.store.s3.internal;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.InvalidInputException;
import dev.checkpointer.StoreException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Maps what the AWS SDK reports onto {@link StoreException}s. The table (status, then S3 error code):
 * <table>
 * <caption>Error mapping</caption>
 * <tr><th>S3 answer</th><th>code</th></tr>
 * <tr><td>412 PreconditionFailed; 409 ConditionalRequestConflict; 404 NoSuchKey on an If-Match write</td>
 *     <td>{@code STORE_PRECONDITION_FAILED}</td></tr>
 * <tr><td>404 NoSuchKey / NoSuchUpload (and a body-less 404 of HEAD)</td><td>{@code STORE_NOT_FOUND}</td></tr>
 * <tr><td>404 NoSuchBucket</td><td>{@code STORE_BUCKET_NOT_FOUND}, naming the bucket and the remedy (mapped by the
 *     store, which knows the bucket)</td></tr>
 * <tr><td>503 SlowDown, 429, and the SDK's throttling codes (Throttling, RequestLimitExceeded, …)</td>
 *     <td>{@code STORE_THROTTLED}</td></tr>
 * <tr><td>500, 502, 503, 504 and other 5xx except 501; 400 RequestTimeout; 409 OperationAborted;
 *     403 RequestTimeTooSkewed</td><td>{@code STORE_TRANSIENT}</td></tr>
 * <tr><td>403 (AccessDenied, InvalidAccessKeyId, SignatureDoesNotMatch, …); 400 ExpiredToken,
 *     InvalidToken; credentials that cannot be loaded</td><td>{@code STORE_ACCESS_DENIED}</td></tr>
 * <tr><td>400 (BadDigest, InvalidRequest, InvalidPart, EntityTooSmall, KMS errors, …), 411, 413</td>
 *     <td>{@code STORE_BAD_REQUEST}</td></tr>
 * <tr><td>501 NotImplemented</td><td>{@code STORE_UNSUPPORTED}</td></tr>
 * <tr><td>cannot connect (unknown host, refused, connect timeout)</td><td>{@code STORE_TRANSIENT}, "cannot reach HOST:
 *     CAUSE" (mapped by the store through {@code StoreFailures.unreachable})</td></tr>
 * <tr><td>no response: I/O errors (connection reset, refused, closed), timeouts, CRT connection errors, a response
 *     checksum mismatch</td><td>{@code STORE_TRANSIENT}</td></tr>
 * <tr><td>anything else</td><td>{@code STORE_FAILURE}</td></tr>
 * </table>
 * Messages carry the operation, key, status, S3 error code, S3's message and the request id: never request headers,
 * so never credentials.
 */
public final class S3Errors {
    private static final Set<String> THROTTLING = Set.of("SlowDown", "Throttling", "ThrottlingException", "ThrottledException",
            "RequestThrottledException", "TooManyRequestsException", "RequestThrottled", "RequestLimitExceeded",
            "BandwidthLimitExceeded", "ProvisionedThroughputExceededException", "TransactionInProgressException", "EC2ThrottledException");
    private static final Set<String> TRANSIENT_CODES = Set.of("RequestTimeout", "RequestTimeoutException", "InternalError", "ServiceUnavailable",
            "OperationAborted", "RequestTimeTooSkewed", "PriorRequestNotComplete", "IDPCommunicationError");
    private static final Set<String> AUTH_CODES = Set.of("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
            "InvalidToken", "TokenRefreshRequired", "AllAccessDisabled", "AccountProblem", "InvalidSecurity", "NotSignedUp");

    private S3Errors() {}

    /** What kind of request failed, which changes how a 404 reads. */
    public enum Kind {
        /** A read or delete: 404 means no such object. */
        READ,
        /** An unconditional write. */
        WRITE,
        /** A write under If-Match: 404 means the object to replace is gone, a lost condition. */
        WRITE_IF_MATCH
    }

    /**
     * Maps a failure of an SDK call.
     *
     * @param operation the SPI operation
     * @param key the store-relative key, if any
     * @param error what the SDK future failed with
     * @param kind the kind of request
     * @return the exception to signal
     */
    public static CheckpointException map(String operation, @Nullable String key, Throwable error, Kind kind) {
        Throwable e = unwrap(error);
        if (e instanceof CheckpointException ce) {
            return ce;
        }
        if (e instanceof AwsServiceException ase) {
            return service(operation, key, ase, kind);
        }
        if (e instanceof SdkServiceException sse) {
            // A service error the SDK could not parse into an AWS error (no XML body).
            return byStatus(operation, key, sse.statusCode(), "", sse.getMessage(), kind, e);
        }
        if (isTransientClientError(e)) {
            return StoreException.transientFailure(operation, key, describe(e), e);
        }
        if (e instanceof SdkClientException && String.valueOf(e.getMessage()).contains("Unable to load credentials")) {
            return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key, "no AWS credentials: " + firstLine(e.getMessage()), e);
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, describe(e), e);
    }

    /**
     * Maps an error raised by a payload (the caller's bytes) while the SDK was sending it: the caller's error is kept
     * as the cause, and retrying is pointless.
     *
     * @param key the key being written
     * @param error the payload's error
     * @return the exception to signal
     */
    public static CheckpointException payloadFailed(String key, Throwable error) {
        if (error instanceof CheckpointException ce) {
            return ce;
        }
        return new InvalidInputException("the payload for '" + key + "' failed while being read: " + error, error);
    }

    /**
     * The HTTP status of an SDK failure, or -1.
     *
     * @param error the failure
     * @return the status
     */
    public static int status(Throwable error) {
        Throwable e = unwrap(error);
        return e instanceof SdkServiceException s ? s.statusCode() : -1;
    }

    /**
     * The S3 error code of an SDK failure, or an empty string.
     *
     * @param error the failure
     * @return the code
     */
    public static String errorCode(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null && a.awsErrorDetails().errorCode() != null) {
            return a.awsErrorDetails().errorCode();
        }
        return "";
    }

    /**
     * Unwraps {@link CompletionException} and {@link ExecutionException}.
     *
     * @param error the error
     * @return the cause that matters
     */
    public static Throwable unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private static CheckpointException service(String operation, @Nullable String key, AwsServiceException e, Kind kind) {
        String code = e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? "" : e.awsErrorDetails().errorCode();
        String message = e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null ? "" : e.awsErrorDetails().errorMessage();
        int status = e.statusCode();
        if (THROTTLING.contains(code) || status == 429 || e.isThrottlingException()) {
            return StoreException.throttled(operation, key, text(status, code, message, e), e);
        }
        return byStatus(operation, key, status, code, message, kind, e);
    }

    private static CheckpointException byStatus(String operation, @Nullable String key, int status, String code, @Nullable String message,
            Kind kind, Throwable e) {
        String text = text(status, code, message, e);
        if (status == 412 || code.equals("PreconditionFailed") || code.equals("ConditionalRequestConflict")) {
            return StoreException.preconditionFailed(operation, key == null ? "" : key, text, e);
        }
        if (TRANSIENT_CODES.contains(code)) {
            return StoreException.transientFailure(operation, key, text, e);
        }
        if (status == 404) {
            if (code.equals("NoSuchBucket")) {
                return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "the bucket does not exist: " + text, e);
            }
            if (kind == Kind.WRITE_IF_MATCH && !code.equals("NoSuchUpload")) {
                return StoreException.preconditionFailed(operation, key == null ? "" : key, "no object to replace: " + text, e);
            }
            return key == null
                    ? StoreException.permanent(ErrorCode.STORE_FAILURE, operation, null, text, e)
                    : new StoreException(ErrorCode.STORE_NOT_FOUND, operation, key, "no such object (" + text + ")", e);
        }
        if (status == 501) {
            return StoreException.permanent(ErrorCode.STORE_UNSUPPORTED, operation, key, text, e);
        }
        if (status >= 500) {
            return StoreException.transientFailure(operation, key, text, e);
        }
        if (status == 401 || status == 403 || AUTH_CODES.contains(code)) {
            return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key, text, e);
        }
        if (status == 400 || status == 411 || status == 413 || status == 416) {
            return StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, key, text, e);
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, text, e);
    }

    private static boolean isTransientClientError(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof TimeoutException
                    || t instanceof ApiCallAttemptTimeoutException || t instanceof ApiCallTimeoutException
                    || t.getClass().getName().startsWith("io.netty.handler.timeout.")
                    || t.getClass().getName().equals("io.netty.channel.ChannelException")
                    || isCrtConnectionError(t)) {
                return true;
            }
            String m = String.valueOf(t.getMessage());
            if (t instanceof SdkClientException
                    && (m.contains("checksum") && m.contains("does not match") || m.contains("Data read has a different checksum"))) {
                return true; // bytes damaged on the way back: reading again may succeed
            }
            if (m.contains("Connection reset") || m.contains("channel was closed") || m.contains("Channel was closed")
                    || m.contains("connection was closed") || m.contains("Server failed to send complete response")
                    || m.contains("Acquire operation took longer")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isCrtConnectionError(Throwable t) {
        if (!t.getClass().getName().startsWith("software.amazon.awssdk.crt.")) {
            return false;
        }
        String m = String.valueOf(t.getMessage()).toUpperCase(Locale.ROOT);
        return m.contains("SOCKET") || m.contains("CONNECTION") || m.contains("TIMEOUT") || m.contains("TIMED_OUT") || m.contains("CLOSED")
                || m.contains("RESET") || m.contains("BROKEN_PIPE") || m.contains("INTERNAL_ERROR") || m.contains("SLOW_DOWN")
                || m.contains("UNEXPECTED_EOF") || m.contains("HTTP_SERVER_CLOSED");
    }

    private static String text(int status, String code, @Nullable String message, Throwable e) {
        StringBuilder sb = new StringBuilder("S3 answered ").append(status);
        if (!code.isEmpty()) {
            sb.append(' ').append(code);
        }
        if (message != null && !message.isBlank()) {
            sb.append(": ").append(firstLine(message));
        }
        if (e instanceof SdkServiceException s && s.requestId() != null) {
            sb.append(" (request id ").append(s.requestId()).append(')');
        }
        return sb.toString();
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.getClass().getSimpleName()).append(": ").append(firstLine(String.valueOf(e.getMessage())));
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e) {
            sb.append(" (").append(root.getClass().getSimpleName()).append(": ").append(firstLine(String.valueOf(root.getMessage()))).append(')');
        }
        return sb.toString();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 500 ? line.substring(0, 500) + "…" : line;
    }
}

package dev.checkpointer.store.azure.internal;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobStorageException;
import dev.checkpointer.CheckpointException;
import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import dev.checkpointer.spi.Condition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import reactor.core.Exceptions;

/**
 * Maps what the Azure SDK signals onto {@link StoreException}. The store never retries; the engine retries what this
 * classifies as transient:
 * <table>
 * <caption>Mapping</caption>
 * <tr><th>Azure</th><th>StoreException</th></tr>
 * <tr><td>412 (any code); 409 {@code BlobAlreadyExists}, or any 409 of a create-if-absent write</td><td>precondition failed</td></tr>
 * <tr><td>404 {@code ContainerNotFound}</td><td>permanent {@code STORE_BUCKET_NOT_FOUND} (a misconfiguration, not a missing key;
 * the store restates it with the container's name and the remedy)</td></tr>
 * <tr><td>404 (other)</td><td>not found</td></tr>
 * <tr><td>401, 403; a token that cannot be obtained</td><td>permanent {@code STORE_ACCESS_DENIED}</td></tr>
 * <tr><td>400, 405, 411, 413, 416 and other 4xx</td><td>permanent {@code STORE_BAD_REQUEST} (includes {@code Md5Mismatch})</td></tr>
 * <tr><td>409 (other)</td><td>permanent {@code STORE_FAILURE}</td></tr>
 * <tr><td>503 (ServerBusy), 429</td><td>throttled (transient)</td></tr>
 * <tr><td>408, 500, 502, 504 and other 5xx</td><td>transient</td></tr>
 * <tr><td>connection refused or reset, premature close, timeouts (any {@link IOException} or {@link TimeoutException}
 *     in the cause chain, Netty channel and decoder errors)</td><td>transient</td></tr>
 * <tr><td>anything else</td><td>permanent {@code STORE_FAILURE}</td></tr>
 * </table>
 * The message names the HTTP status, the service's error code and request id; the cause is the SDK's exception with
 * every message redacted (see {@link Redactor}). Azurite's error codes differ from Azure's in places, so the
 * classification rests on the status first.
 */
final class AzureErrors {
    private static final HttpHeaderName ERROR_CODE = HttpHeaderName.fromString("x-ms-error-code");
    private static final HttpHeaderName REQUEST_ID = HttpHeaderName.fromString("x-ms-request-id");

    private AzureErrors() {}

    /**
     * Maps a failure.
     *
     * @param operation the SPI operation
     * @param key the key concerned, if any
     * @param error what the SDK signalled
     * @param condition the write condition of the request (for 409 on a create-if-absent), or null
     * @param redactor removes secrets from the cause
     * @return a {@link CheckpointException}: the error itself when it already is one
     */
    public static CheckpointException map(String operation, @Nullable String key, Throwable error, @Nullable Condition condition, Redactor redactor) {
        Throwable e = Exceptions.unwrap(error);
        if (e instanceof CheckpointException ce) {
            return ce;
        }
        HttpResponseException http = find(e, HttpResponseException.class);
        if (http != null && http.getResponse() != null) {
            return fromStatus(operation, key, http, condition, redactor);
        }
        ClientAuthenticationException auth = find(e, ClientAuthenticationException.class);
        if (auth != null || isCredentialUnavailable(e)) {
            return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key,
                    "could not authenticate: " + redactor.redact(String.valueOf((auth != null ? auth : e).getMessage())), redactor.scrub(e));
        }
        if (isTransport(e)) {
            Throwable root = rootCause(e);
            return StoreException.transientFailure(operation, key,
                    "connection failed: " + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : " (" + redactor.redact(root.getMessage()) + ")"),
                    redactor.scrub(e));
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key,
                "unexpected " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + redactor.redact(e.getMessage())), redactor.scrub(e));
    }

    /**
     * The HTTP status of an SDK failure.
     *
     * @param error the failure
     * @return the status, or -1 when it is not an HTTP response error
     */
    public static int status(Throwable error) {
        HttpResponseException http = find(Exceptions.unwrap(error), HttpResponseException.class);
        return http == null || http.getResponse() == null ? -1 : http.getResponse().getStatusCode();
    }

    /**
     * A short description of an HTTP failure: status, error code, request id.
     *
     * @param http the failure
     * @return e.g. {@code HTTP 412 ConditionNotMet (request id …)}
     */
    static String describe(HttpResponseException http) {
        HttpResponse response = http.getResponse();
        int status = response.getStatusCode();
        String code = response.getHeaders().getValue(ERROR_CODE);
        if (code == null && http instanceof BlobStorageException bse && bse.getErrorCode() != null) {
            code = bse.getErrorCode().toString();
        }
        String requestId = response.getHeaders().getValue(REQUEST_ID);
        return "HTTP " + status + (code == null ? "" : " " + code) + (requestId == null ? "" : " (request id " + requestId + ")");
    }

    private static CheckpointException fromStatus(String operation, @Nullable String key, HttpResponseException http, @Nullable Condition condition, Redactor redactor) {
        int status = http.getResponse().getStatusCode();
        String code = http.getResponse().getHeaders().getValue(ERROR_CODE);
        String message = describe(http);
        Throwable cause = redactor.scrub(http);
        if (status == 412 || (status == 409 && (condition instanceof Condition.IfAbsent || BlobErrorCode.BLOB_ALREADY_EXISTS.toString().equals(code)))) {
            return StoreException.preconditionFailed(operation, key == null ? "" : key, message, cause);
        }
        if (status == 404) {
            if (BlobErrorCode.CONTAINER_NOT_FOUND.toString().equals(code)) {
                // the store, which knows the container's name, restates it with the name and the remedy
                return StoreException.permanent(ErrorCode.STORE_BUCKET_NOT_FOUND, operation, key, "the container does not exist: " + message, cause);
            }
            return key == null ? StoreException.permanent(ErrorCode.STORE_NOT_FOUND, operation, null, message, cause) : StoreException.notFound(operation, key);
        }
        if (status == 401 || status == 403) {
            return StoreException.permanent(ErrorCode.STORE_ACCESS_DENIED, operation, key, "access denied: " + message, cause);
        }
        if (status == 429 || status == 503) {
            return StoreException.throttled(operation, key, message, cause);
        }
        if (status == 408 || status >= 500) {
            return StoreException.transientFailure(operation, key, message, cause);
        }
        if (status == 409) {
            return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "conflict: " + message, cause);
        }
        if (status >= 400) {
            return StoreException.permanent(ErrorCode.STORE_BAD_REQUEST, operation, key, "refused: " + message, cause);
        }
        return StoreException.permanent(ErrorCode.STORE_FAILURE, operation, key, "unexpected response: " + message, cause);
    }

    private static boolean isTransport(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof IOException || t instanceof UncheckedIOException || t instanceof TimeoutException) {
                return true;
            }
            String name = t.getClass().getName();
            // Netty's channel, timeout and codec errors do not extend IOException.
            if (name.startsWith("io.netty.") && (name.contains("Channel") || name.contains("Timeout") || name.contains("Decoder")
                    || name.contains("Premature") || name.contains("Ssl"))) {
                return true;
            }
            if (name.startsWith("reactor.netty.")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isCredentialUnavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getName().equals("com.azure.identity.CredentialUnavailableException")) {
                return true;
            }
        }
        return false;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static <T extends Throwable> @Nullable T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}

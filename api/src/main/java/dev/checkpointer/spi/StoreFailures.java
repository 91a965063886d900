package dev.checkpointer.spi;

import dev.checkpointer.ErrorCode;
import dev.checkpointer.StoreException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.jspecify.annotations.Nullable;

/**
 * Turns connection-level failures into errors that say which host could not be reached and why, the same way in
 * every store: {@code cannot reach storage.googleapis.com: UnknownHostException: storage.googleapis.com}. Part of the
 * SPI toolkit; a store calls {@link #tlsFailure} and then {@link #unreachable} first when it maps an SDK exception.
 */
public final class StoreFailures {
    private StoreFailures() {}

    /**
     * Maps a failure to connect (unknown host, refused, no route, connect timeout) to a transient
     * {@link StoreException} naming the host and the cause; the engine retries it within its operation deadline.
     *
     * @param operation the SPI operation, e.g. {@code get}
     * @param key the key involved, if any
     * @param host the host (and port, when not the default) the store connects to; never credentials or a query
     * @param error the SDK's exception, searched through its causes
     * @return the exception, or null when the failure is not a connection failure
     */
    public static @Nullable StoreException unreachable(String operation, @Nullable String key, String host, Throwable error) {
        return unreachable(operation, key, host, error, UnaryOperator.identity(), error);
    }

    /**
     * As {@link #unreachable(String, String, String, Throwable)}, for a store that must redact what it reports.
     *
     * @param operation the SPI operation, e.g. {@code get}
     * @param key the key involved, if any
     * @param host the host (and port) the store connects to
     * @param error the SDK's exception, searched through its causes
     * @param redact applied to the cause's message before it goes into the error's message
     * @param cause the cause to attach (e.g. a redacted copy of {@code error})
     * @return the exception, or null when the failure is not a connection failure
     */
    public static @Nullable StoreException unreachable(String operation, @Nullable String key, String host, Throwable error,
            UnaryOperator<String> redact, @Nullable Throwable cause) {
        Throwable found = connectFailure(error);
        if (found == null) {
            return null;
        }
        String why = found.getMessage();
        return StoreException.transientFailure(operation, key, "cannot reach " + host + ": " + found.getClass().getSimpleName()
                + (why == null || why.isBlank() ? "" : ": " + redact.apply(why)), cause);
    }

    /**
     * The connection-level failure among an exception and its causes, if any.
     *
     * @param error the exception
     * @return the unknown-host, refused, no-route or connect-timeout exception found, or null
     */
    public static @Nullable Throwable connectFailure(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof UnknownHostException || t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof PortUnreachableException || t instanceof UnresolvedAddressException) {
                return t;
            }
            if (t instanceof SocketTimeoutException && String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("connect")) {
                return t;
            }
        }
        return null;
    }

    /**
     * Maps a failed TLS handshake (the server's certificate is not trusted, "PKIX path building failed"; it has expired
     * or names another host; the endpoint does not speak TLS; no common protocol) to a permanent {@link StoreException}
     * with code {@link ErrorCode#STORE_TLS} naming the host and the remedy. A store calls it before it looks for
     * network failures: such an error is a configuration error, and retrying it until the operation deadline would
     * only hide it. A handshake cut short by the network (the peer closed the connection) is not a TLS failure.
     *
     * @param operation the SPI operation, e.g. {@code get}
     * @param key the key involved, if any
     * @param host the host (and port, when not the default) the store connects to; never credentials or a query
     * @param error the SDK's exception, searched through its causes
     * @return the exception, or null when the failure is not a TLS failure
     */
    public static @Nullable StoreException tlsFailure(String operation, @Nullable String key, String host, Throwable error) {
        return tlsFailure(operation, key, host, error, UnaryOperator.identity(), error);
    }

    /**
     * As {@link #tlsFailure(String, String, String, Throwable)}, for a store that must redact what it reports.
     *
     * @param operation the SPI operation, e.g. {@code get}
     * @param key the key involved, if any
     * @param host the host (and port) the store connects to
     * @param error the SDK's exception, searched through its causes
     * @param redact applied to the cause's message before it goes into the error's message
     * @param cause the cause to attach (e.g. a redacted copy of {@code error})
     * @return the exception, or null when the failure is not a TLS failure
     */
    public static @Nullable StoreException tlsFailure(String operation, @Nullable String key, String host, Throwable error,
            UnaryOperator<String> redact, @Nullable Throwable cause) {
        Throwable found = tlsCause(error);
        if (found == null) {
            return null;
        }
        String why = describe(found, redact);
        Throwable certificate = certificateCause(error);
        if (certificate != null && certificate != found && !why.contains(String.valueOf(certificate.getMessage()))) {
            why += "; " + describe(certificate, redact); // e.g. OpenSSL's "General OpenSslEngine problem" hides the reason
        }
        String remedy = isPlaintext(found)
                ? "the endpoint does not speak TLS: use an http:// endpoint for it, or fix the endpoint"
                : isCertificateProblem(error)
                        ? "the server's certificate is not trusted by this JVM, has expired or names another host: add the CA that"
                                + " issued it to the trust store (javax.net.ssl.trustStore, or the trust store of the client you supply),"
                                + " or fix the endpoint"
                        : "check the endpoint and the TLS protocols and cipher suites this JVM allows";
        return StoreException.permanent(ErrorCode.STORE_TLS, operation, key, "TLS handshake with " + host + " failed (" + why + "); "
                + remedy, cause);
    }

    /**
     * The TLS failure among an exception and its causes, if any: a certificate that could not be validated, a
     * handshake the server or this JVM refused, or an endpoint that does not speak TLS.
     *
     * @param error the exception
     * @return the TLS exception found (the outermost SSL exception of the chain, or the certificate exception), or null
     */
    public static @Nullable Throwable tlsCause(Throwable error) {
        SSLException ssl = null;
        Throwable certificate = null;
        boolean certificateProblem = false;
        boolean cutShort = false;
        int depth = 0;
        for (Throwable t = error; t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            certificateProblem |= isCertificate(t);
            if (t instanceof SSLException e) {
                ssl = ssl == null ? e : ssl;
                cutShort |= String.valueOf(e.getMessage()).contains("terminated the handshake");
            } else if (isCertificateType(t)) {
                certificate = certificate == null ? t : certificate; // the exception itself, not a wrapper quoting its message
            } else if (ssl != null && t instanceof java.io.IOException) {
                cutShort = true; // e.g. an SSLException caused by an EOFException or a reset: the network's doing
            }
        }
        if (certificateProblem) {
            return ssl != null ? ssl : certificate != null ? certificate : error;
        }
        if (ssl == null || cutShort) {
            return null;
        }
        return ssl instanceof SSLHandshakeException || isPlaintext(ssl) ? ssl : null;
    }

    private static boolean isCertificate(Throwable t) {
        return isCertificateType(t) || String.valueOf(t.getMessage()).contains("PKIX path");
    }

    private static boolean isCertificateType(Throwable t) {
        return t instanceof CertificateException || t instanceof CertPathValidatorException || t instanceof CertPathBuilderException
                || t instanceof SSLPeerUnverifiedException;
    }

    private static String describe(Throwable t, UnaryOperator<String> redact) {
        String why = t.getMessage();
        return t.getClass().getSimpleName() + (why == null || why.isBlank() ? "" : ": " + redact.apply(firstLine(why)));
    }

    /** The first exception of the chain that is a certificate exception by type, if any. */
    private static @Nullable Throwable certificateCause(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (isCertificateType(t)) {
                return t;
            }
        }
        return null;
    }

    private static boolean isCertificateProblem(Throwable error) {
        int depth = 0;
        for (Throwable t = error; t != null && depth < 16; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (isCertificate(t)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isPlaintext(Throwable t) {
        String m = String.valueOf(t.getMessage());
        return t instanceof SSLException && (m.contains("plaintext connection") || m.contains("Unrecognized SSL message")
                || m.contains("not an SSL/TLS record"));
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /**
     * The error of an operation that did not complete within its deadline, retries included: transient, naming the
     * deadline, the attempts made and the last failure seen (or that the store never answered). Used by the engine's
     * operation deadline and by tools that bound their own raw store calls the same way.
     *
     * @param operation the SPI operation, e.g. {@code get}
     * @param key the key involved, if any
     * @param deadline the deadline that passed
     * @param attempts attempts started (at least 1)
     * @param last the last failure seen, or null when no attempt ever answered
     * @return the exception
     */
    public static StoreException deadlinePassed(String operation, @Nullable String key, Duration deadline, int attempts, @Nullable Throwable last) {
        String seen = last == null ? "no answer from the store"
                : "last failure: " + (last.getMessage() == null ? last.getClass().getSimpleName() : last.getMessage());
        return StoreException.transientFailure(operation, key, "did not complete within the " + human(deadline) + " operation deadline ("
                + attempts + (attempts == 1 ? " attempt; " : " attempts; ") + seen + ")", last);
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}

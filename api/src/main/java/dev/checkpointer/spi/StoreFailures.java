package dev.checkpointer.spi;

import dev.checkpointer.StoreException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Turns connection-level failures into errors that say which host could not be reached and why, the same way in
 * every store: {@code cannot reach storage.googleapis.com: UnknownHostException: storage.googleapis.com}. Part of the
 * SPI toolkit; a store calls {@link #unreachable} first when it maps an SDK exception.
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

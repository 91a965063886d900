package dev.checkpointer.store.azure.internal;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Removes credentials from text and from exception chains before they reach a message, a log or a cause: the
 * exact secrets this store was configured with (account key, SAS token and its signature, connection string and
 * its parts, customer-provided key), and anything that looks like one (a {@code sig=} query parameter, an
 * {@code AccountKey=} or {@code SharedAccessSignature=} connection-string part, a {@code SharedKey} authorization
 * header, a bearer token, an encryption-key header, the request signature a 403 quotes).
 */
public final class Redactor {
    /** What replaces a secret. */
    public static final String MASK = "****";

    private static final Pattern PATTERNS = Pattern.compile(
            "(?i)(\\bsig=|\\bAccountKey=|\\bSharedAccessSignature=|x-ms-encryption-key[\"'=:\\s]+|SharedKey(?:Lite)?\\s+[^:\\s]+:|Bearer\\s+"
                    + "|signature found in the HTTP request ')([^&;\\s\"'<>,]+)");
    private static final int MAX_DEPTH = 16;
    private static final Set<String> SECRET_PARTS = Set.of("accountkey", "sharedaccesssignature", "sig");

    private final List<String> secrets;

    private Redactor(List<String> secrets) {
        this.secrets = secrets;
    }

    /**
     * A redactor that knows some secrets by value (empty and very short values are ignored, as masking them would
     * garble ordinary text), with the {@code AccountKey}, {@code SharedAccessSignature} and {@code sig} parts of
     * connection strings and SAS tokens, each as given, percent-decoded and percent-encoded.
     *
     * @param secrets secret values; nulls are skipped
     * @return the redactor
     */
    public static Redactor of(Collection<@Nullable String> secrets) {
        Set<String> s = new HashSet<>();
        for (String v : secrets) {
            if (v == null || v.length() < 6) {
                continue;
            }
            addVariants(s, v);
            // Connection strings and SAS tokens are made of parts; the secret ones may show up on their own.
            for (String part : v.split("[;&]")) {
                int eq = part.indexOf('=');
                if (eq > 0 && SECRET_PARTS.contains(part.substring(0, eq).trim().toLowerCase(Locale.ROOT)) && part.length() - eq > 6) {
                    addVariants(s, part.substring(eq + 1));
                }
            }
        }
        List<String> sorted = new ArrayList<>(s);
        sorted.sort(Comparator.comparingInt(String::length).reversed());
        return new Redactor(List.copyOf(sorted));
    }

    /** The value as given, percent-decoded and percent-encoded: a SAS signature travels encoded. */
    private static void addVariants(Set<String> out, String value) {
        out.add(value);
        try {
            out.add(URLDecoder.decode(value, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException notEncoded) {
            // keep the value as given
        }
        out.add(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    /**
     * A redactor that masks only what looks like a secret (for a client supplied by the caller, whose secrets the
     * store never sees).
     *
     * @return the redactor
     */
    public static Redactor patternsOnly() {
        return new Redactor(List.of());
    }

    /**
     * Masks secrets in a text.
     *
     * @param text the text, may be null
     * @return the text without secrets ({@code ""} for null)
     */
    public String redact(@Nullable String text) {
        if (text == null) {
            return "";
        }
        String out = text;
        for (String s : secrets) {
            if (out.contains(s)) {
                out = out.replace(s, MASK);
            }
        }
        return PATTERNS.matcher(out).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1) + MASK));
    }

    /**
     * A copy of an exception chain with every message redacted: each link becomes a {@link RedactedException} that
     * names the original type and keeps its stack trace, so nothing a service or a library put in a message can
     * carry a secret into a log.
     *
     * @param error the error
     * @return the redacted chain
     */
    public RedactedException scrub(Throwable error) {
        Objects.requireNonNull(error, "error");
        return scrub(error, 0);
    }

    private RedactedException scrub(Throwable error, int depth) {
        if (error instanceof RedactedException r) {
            return r;
        }
        Throwable cause = error.getCause();
        RedactedException next = cause == null || cause == error || depth >= MAX_DEPTH ? null : scrub(cause, depth + 1);
        String message = error.getMessage() == null ? error.getClass().getName() : error.getClass().getName() + ": " + redact(firstLines(error.getMessage()));
        RedactedException out = new RedactedException(message, next);
        out.setStackTrace(error.getStackTrace());
        return out;
    }

    /** Service errors carry whole XML bodies; keep their start, which says what went wrong. */
    private static String firstLines(String message) {
        String m = message.replaceAll("\\s*\\R\\s*", " ");
        return m.length() > 600 ? m.substring(0, 600) + "…" : m;
    }

    /** An exception from a library or service, with its message redacted; the original's type is in the message. */
    public static final class RedactedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RedactedException(String message, @Nullable Throwable cause) {
            super(message, cause, false, true);
        }

        @Override
        public String toString() {
            return "(redacted) " + getMessage();
        }
    }
}

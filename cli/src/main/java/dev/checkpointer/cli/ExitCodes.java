package dev.checkpointer.cli;

import dev.checkpointer.CheckpointException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;
import reactor.core.Exceptions;

/** The exit codes of every command, and how a failure maps onto one. Scripts may rely on them. */
final class ExitCodes {
    /** Success. */
    static final int OK = 0;
    /**
     * A checkpoint failed verification: bytes or a manifest do not match, a chain member or the pointer is missing or
     * unreadable, a file at a manifest key is corrupt ({@code verify all}, {@code list}); or the demo's recovery check failed; or repair found no checkpoint to make the head.
     */
    static final int VERIFICATION_FAILED = 1;
    /** Bad arguments: unknown option, malformed URI or id, no store module for the scheme, invalid store option. */
    static final int USAGE = 2;
    /**
     * No such checkpoint (or no checkpoint at all where one was required), or no such location: a {@code file:}
     * directory that does not exist (code {@code STORE_LOCATION_NOT_FOUND}; read commands never create one), or a bucket
     * or container that does not exist (code {@code STORE_BUCKET_NOT_FOUND}).
     */
    static final int NOT_FOUND = 3;
    /** The store failed (access denied, network, throttling beyond retries), a concurrent writer won, or another error. */
    static final int STORE_OR_OTHER = 4;

    /** The exit-code section shown in every command's help. */
    static final Map<String, String> DESCRIPTIONS = descriptions();

    private ExitCodes() {}

    private static Map<String, String> descriptions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("0", "success");
        m.put("1", "verification failed: an artifact or manifest does not match its SHA-256, is missing or unreadable, the pointer _latest is missing or corrupt while checkpoints exist, or a file at a manifest key is corrupt (verify all, list) (also: the demo's recovery check failed; repair found no checkpoint to make the head)");
        m.put("2", "usage error: bad arguments, malformed URI or id, no store module for the URI's scheme, invalid store option");
        m.put("3", "not found: no such checkpoint, none at the location where one is required, or no such location (a file: directory, bucket or container that does not exist; read commands never create one)");
        m.put("4", "store or other error: access denied, network, throttling after retries, a concurrent writer won");
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * The exit code for a failure.
     *
     * @param error what was thrown
     * @return one of the codes above
     */
    static int of(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof CommandLine.ParameterException) {
            return USAGE;
        }
        if (t instanceof CheckpointException ce) {
            return switch (ce.code()) {
                case INVALID_ARGUMENT, PAYLOAD_LENGTH_MISMATCH, CONFIGURATION -> USAGE;
                case CHECKPOINT_NOT_FOUND, STORE_LOCATION_NOT_FOUND, STORE_BUCKET_NOT_FOUND -> NOT_FOUND;
                case INTEGRITY, CORRUPT_METADATA, INCOMPATIBLE -> VERIFICATION_FAILED;
                default -> STORE_OR_OTHER;
            };
        }
        return STORE_OR_OTHER;
    }

    /**
     * Whether a failure met while reading a checkpoint means the checkpoint itself is bad (as opposed to the store
     * being unreachable): a digest or size mismatch, an unreadable manifest, or an artifact the manifest names that
     * is gone.
     *
     * @param error the failure
     * @return true when it is a verification failure
     */
    static boolean isVerificationFailure(Throwable error) {
        Throwable t = unwrap(error);
        if (t instanceof dev.checkpointer.StoreException se) {
            return se.isNotFound();
        }
        return of(t) == VERIFICATION_FAILED;
    }

    /**
     * Strips the wrappers Reactor and futures put around a failure.
     *
     * @param error the failure
     * @return the underlying failure
     */
    static Throwable unwrap(Throwable error) {
        Throwable t = Exceptions.unwrap(error);
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof CommandLine.ExecutionException) && t.getCause() != null) {
            t = Exceptions.unwrap(t.getCause());
        }
        return t;
    }

    /**
     * A one-line description of a failure for people: the library's message, which never holds credentials.
     *
     * @param error the failure
     * @return the message
     */
    static String describe(Throwable error) {
        Throwable t = unwrap(error);
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t.getClass().getSimpleName();
        }
        if (t instanceof CheckpointException ce) {
            return message + " [" + ce.code() + "]";
        }
        return message;
    }
}

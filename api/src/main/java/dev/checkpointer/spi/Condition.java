package dev.checkpointer.spi;

import java.util.Objects;

/** The condition a write is made under. A lost condition fails with a precondition {@code StoreException}. */
public sealed interface Condition {

    /** Unconditional: create or overwrite. */
    Condition NONE = new None();
    /** Create only if no object exists under the key (If-None-Match: *, doesNotExist, CREATE_NEW). */
    Condition IF_ABSENT = new IfAbsent();

    /**
     * Overwrite only if the object's current ETag equals {@code etag} (compare-and-swap).
     *
     * @param etag the ETag from a previous head/get/put
     * @return the condition
     */
    static Condition ifMatch(String etag) {
        return new IfMatch(etag);
    }

    /** Unconditional write. */
    record None() implements Condition {}

    /** Create-if-absent. */
    record IfAbsent() implements Condition {}

    /**
     * Compare-and-swap on the ETag.
     *
     * @param etag the expected current ETag
     */
    record IfMatch(String etag) implements Condition {
        /** Validates the ETag. */
        public IfMatch {
            Objects.requireNonNull(etag, "etag");
            if (etag.isEmpty()) {
                throw new IllegalArgumentException("etag must not be empty");
            }
        }
    }
}

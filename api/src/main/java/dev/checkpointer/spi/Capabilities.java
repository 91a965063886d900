package dev.checkpointer.spi;

/**
 * What a store can do; the engine and the conformance kit adapt to it.
 *
 * @param conditionalWrites create-if-absent and if-match are atomic on the server
 * @param nativeChecksums the server verifies a checksum sent with the bytes and refuses a mismatch
 * @param multipart {@link ObjectStore#startMultipart} is supported
 * @param minPartSize smallest part (except the last) a multipart upload accepts, in bytes
 * @param maxParts most parts one multipart upload may have
 * @param batchDelete {@link ObjectStore#deleteAll} uses a batch request rather than one request per key
 */
public record Capabilities(boolean conditionalWrites, boolean nativeChecksums, boolean multipart, long minPartSize, int maxParts, boolean batchDelete) {

    /** Validates the values. */
    public Capabilities {
        if (minPartSize < 1) {
            throw new IllegalArgumentException("minPartSize must be >= 1");
        }
        if (maxParts < 1) {
            throw new IllegalArgumentException("maxParts must be >= 1");
        }
    }

    /**
     * A store with atomic conditional writes and nothing else.
     *
     * @return the capabilities
     */
    public static Capabilities basic() {
        return new Capabilities(true, false, false, 1, 1, false);
    }
}

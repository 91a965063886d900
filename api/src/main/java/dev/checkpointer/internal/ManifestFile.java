package dev.checkpointer.internal;

import dev.checkpointer.CheckpointId;
import dev.checkpointer.Manifest;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What a file at a manifest key holds: a manifest (prepared or committed), a tombstone (a chain member deleted
 * inside the window), or an abort marker (an id claimed by {@code abort}). {@code sha256} is always the SHA-256 of
 * the file's bytes as read.
 */
sealed interface ManifestFile {

    /** The id the file says it belongs to. */
    CheckpointId id();

    /** SHA-256 of the file's bytes. */
    String sha256();

    /**
     * The digest a chain link to this member must carry: the file's own digest for a manifest, the replaced
     * manifest's digest for a tombstone, none for an abort marker.
     */
    @Nullable String linkedSha256();

    /** The member's parent link, when the file is a chain member's. */
    Manifest.@Nullable Link parent();

    /** The member's grandparent link. */
    Manifest.@Nullable Link grandparent();

    /**
     * A manifest.
     *
     * @param manifest the decoded, validated manifest
     * @param sha256 SHA-256 of the file
     */
    record Live(Manifest manifest, String sha256) implements ManifestFile {
        @Override
        public CheckpointId id() {
            return java.util.Objects.requireNonNull(manifest.id());
        }

        @Override
        public String linkedSha256() {
            return sha256;
        }

        @Override
        public Manifest.@Nullable Link parent() {
            return manifest.parent().orElse(null);
        }

        @Override
        public Manifest.@Nullable Link grandparent() {
            return manifest.grandparent().orElse(null);
        }

        /** Whether it was written by format 1 (no parent link: its parent is the next lower format-1 manifest). */
        boolean isV1() {
            return manifest.formatMajor() < 2;
        }
    }

    /**
     * A tombstone: the member's manifest was replaced by this when it was deleted inside the window.
     *
     * @param id the member's id
     * @param manifestSha256 SHA-256 of the manifest file it replaced (what links to the member carry)
     * @param epoch the member's epoch
     * @param createdAt when the member was created
     * @param parent the member's parent link
     * @param grandparent the member's grandparent link
     * @param deletedAt when it was deleted (deleter's clock)
     * @param deletedBy the deleting writer
     * @param sha256 SHA-256 of the tombstone file
     */
    record Tombstone(CheckpointId id, String manifestSha256, long epoch, @Nullable Instant createdAt, Manifest.@Nullable Link parent,
            Manifest.@Nullable Link grandparent, Instant deletedAt, String deletedBy, String sha256) implements ManifestFile {
        @Override
        public String linkedSha256() {
            return manifestSha256;
        }
    }

    /**
     * An abort marker: {@code abort(id)} claimed the id, so no manifest can ever be created there.
     *
     * @param id the id
     * @param abortedAt when (aborter's clock)
     * @param abortedBy the aborting writer
     * @param sha256 SHA-256 of the file
     */
    record Aborted(CheckpointId id, Instant abortedAt, String abortedBy, String sha256) implements ManifestFile {
        @Override
        public @Nullable String linkedSha256() {
            return null;
        }

        @Override
        public Manifest.@Nullable Link parent() {
            return null;
        }

        @Override
        public Manifest.@Nullable Link grandparent() {
            return null;
        }
    }
}

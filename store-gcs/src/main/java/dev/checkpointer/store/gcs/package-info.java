/**
 * The Google Cloud Storage store: {@link dev.checkpointer.store.gcs.GcsStore} builds one (from options or from a
 * caller's {@code Storage} client) and {@link dev.checkpointer.store.gcs.GcsStoreProvider} opens
 * {@code gs://bucket/prefix} URIs through {@link java.util.ServiceLoader}.
 */
@NullMarked
package dev.checkpointer.store.gcs;

import org.jspecify.annotations.NullMarked;

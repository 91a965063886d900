/** Implementation of the GCS store; not a public API. */
@NullMarked
package dev.checkpointer.store.gcs.internal;

import org.jspecify.annotations.NullMarked;

/**
 * A local-disk {@link dev.checkpointer.spi.ObjectStore}: {@link dev.checkpointer.store.filesystem.FileSystemStore},
 * opened directly or through {@link dev.checkpointer.store.filesystem.FileSystemStoreProvider} for {@code file:} URIs.
 * Implementation classes live in the {@code internal} subpackage and are not API.
 */
@NullMarked
package dev.checkpointer.store.filesystem;

import org.jspecify.annotations.NullMarked;

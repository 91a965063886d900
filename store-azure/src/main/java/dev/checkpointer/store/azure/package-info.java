/**
 * The Azure Blob Storage store ({@code azblob://container/prefix}): {@link dev.checkpointer.store.azure.AzureBlobStoreProvider}
 * opens it from a URI for {@code Checkpointer.open}, {@link dev.checkpointer.store.azure.AzureBlobStore#builder()} builds
 * it in code (also over a {@code BlobContainerAsyncClient} you configured yourself).
 */
@NullMarked
package dev.checkpointer.store.azure;

import org.jspecify.annotations.NullMarked;

/**
 * Implementation of the Azure Blob store. Not API: these types may change in any release.
 */
@NullMarked
package dev.checkpointer.store.azure.internal;

import org.jspecify.annotations.NullMarked;

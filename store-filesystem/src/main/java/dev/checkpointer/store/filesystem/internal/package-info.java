/**
 * Implementation of the filesystem store. Not API: these types may change in any release.
 */
@NullMarked
package dev.checkpointer.store.filesystem.internal;

import org.jspecify.annotations.NullMarked;

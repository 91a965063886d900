/** Implementation of the engine. Not API: may change in any release. */
@NullMarked
package dev.checkpointer.internal;

import org.jspecify.annotations.NullMarked;

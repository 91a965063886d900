/** Implementation of the S3 store; not a public API. */
@NullMarked
package dev.checkpointer.store.s3.internal;

import org.jspecify.annotations.NullMarked;

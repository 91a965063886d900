/**
 * The store SPI: what an object-store module implements. A store moves bytes and maps its SDK's errors onto
 * {@link dev.checkpointer.StoreException}; it never retries, never hashes for the manifest and never decides the
 * key layout. Use {@link dev.checkpointer.spi.StoreKeys} to validate keys and {@link dev.checkpointer.spi.StoreLocation}
 * to parse URIs so that every store behaves alike.
 */
@NullMarked
package dev.checkpointer.spi;

import org.jspecify.annotations.NullMarked;

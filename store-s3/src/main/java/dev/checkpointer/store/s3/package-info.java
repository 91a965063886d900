/**
 * The Amazon S3 store ({@code s3://bucket/prefix}) on the AWS SDK v2 {@code S3AsyncClient}: streaming uploads with
 * {@code x-amz-checksum-sha256} (or CRC32C), multipart uploads with per-part CRC32C, {@code If-None-Match: *} and
 * {@code If-Match} conditional writes, batch deletes, and SSE-S3 / SSE-KMS / SSE-C. Open it by URI through
 * {@link dev.checkpointer.Checkpointer#open(String)} (the {@link dev.checkpointer.store.s3.S3StoreProvider} is
 * registered with {@link java.util.ServiceLoader}) or build one with {@link dev.checkpointer.store.s3.S3Store#builder()},
 * optionally over an {@code S3AsyncClient} of your own.
 */
@NullMarked
package dev.checkpointer.store.s3;

import org.jspecify.annotations.NullMarked;

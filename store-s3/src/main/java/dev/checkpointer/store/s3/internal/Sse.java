package dev.checkpointer.store.s3.internal;

import dev.checkpointer.InvalidInputException;
import java.util.Base64;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;
import software.amazon.awssdk.utils.Md5Utils;

/**
 * Server-side encryption settings, applied to every request that needs them: SSE-S3 and SSE-KMS on the writes that
 * create objects (PutObject, CreateMultipartUpload); SSE-C on every request that touches an object's bytes or
 * metadata (PutObject, CreateMultipartUpload, UploadPart, CompleteMultipartUpload, GetObject, HeadObject).
 * {@link #toString()} never shows the customer key.
 *
 * @param mode SSE-S3 or SSE-KMS, or null
 * @param kmsKeyId the KMS key for SSE-KMS, or null for the default key
 * @param bucketKey whether SSE-KMS uses an S3 Bucket Key, or null to leave the bucket's default
 * @param customer the SSE-C key, or null
 */
public record Sse(@Nullable ServerSideEncryption mode, @Nullable String kmsKeyId, @Nullable Boolean bucketKey, @Nullable CustomerKey customer) {
    /** No encryption headers (the bucket's default encryption applies). */
    public static final Sse NONE = new Sse(null, null, null, null);
    private static final String AES256 = "AES256";

    /**
     * Resolves the builder's settings.
     *
     * @param mode {@code AES256}, {@code aws:kms} or null
     * @param kmsKeyId KMS key id or null
     * @param bucketKey bucket key flag or null
     * @param customerKeyBase64 SSE-C key or null
     * @return the settings
     */
    public static Sse of(@Nullable String mode, @Nullable String kmsKeyId, @Nullable Boolean bucketKey, @Nullable String customerKeyBase64) {
        if (customerKeyBase64 != null) {
            return new Sse(null, null, null, customerKey(customerKeyBase64));
        }
        if (mode == null) {
            return NONE;
        }
        ServerSideEncryption m = ServerSideEncryption.fromValue(mode);
        if (m == ServerSideEncryption.UNKNOWN_TO_SDK_VERSION) {
            throw new InvalidInputException("unknown server-side encryption '" + mode + "'");
        }
        return new Sse(m, m == ServerSideEncryption.AES256 ? null : kmsKeyId, m == ServerSideEncryption.AES256 ? null : bucketKey, null);
    }

    /**
     * Checks and wraps an SSE-C key.
     *
     * @param base64Key base64 of 32 bytes
     * @return the key with its MD5
     * @throws InvalidInputException when malformed (the message never shows the key)
     */
    public static CustomerKey customerKey(String base64Key) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64Key.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("s3 store option 'sseCustomerKey' must be base64 (value not shown)");
        }
        if (raw.length != 32) {
            throw new InvalidInputException("s3 store option 'sseCustomerKey' must be a 256-bit key (32 bytes, base64), got "
                    + raw.length + " bytes (value not shown)");
        }
        return new CustomerKey(base64Key.trim(), Md5Utils.md5AsBase64(raw));
    }

    void apply(PutObjectRequest.Builder b) {
        if (mode != null) {
            b.serverSideEncryption(mode).ssekmsKeyId(kmsKeyId).bucketKeyEnabled(bucketKey);
        }
        if (customer != null) {
            b.sseCustomerAlgorithm(AES256).sseCustomerKey(customer.base64).sseCustomerKeyMD5(customer.md5);
        }
    }

    void apply(CreateMultipartUploadRequest.Builder b) {
        if (mode != null) {
            b.serverSideEncryption(mode).ssekmsKeyId(kmsKeyId).bucketKeyEnabled(bucketKey);
        }
        if (customer != null) {
            b.sseCustomerAlgorithm(AES256).sseCustomerKey(customer.base64).sseCustomerKeyMD5(customer.md5);
        }
    }

    void apply(UploadPartRequest.Builder b) {
        if (customer != null) {
            b.sseCustomerAlgorithm(AES256).sseCustomerKey(customer.base64).sseCustomerKeyMD5(customer.md5);
        }
    }

    void apply(CompleteMultipartUploadRequest.Builder b) {
        if (customer != null) {
            b.sseCustomerAlgorithm(AES256).sseCustomerKey(customer.base64).sseCustomerKeyMD5(customer.md5);
        }
    }

    void apply(GetObjectRequest.Builder b) {
        if (customer != null) {
            b.sseCustomerAlgorithm(AES256).sseCustomerKey(customer.base64).sseCustomerKeyMD5(customer.md5);
        }
    }

    void apply(HeadObjectRequest.Builder b) {
        if (customer != null) {
            b.sseCustomerAlgorithm(AES256).sseCustomerKey(customer.base64).sseCustomerKeyMD5(customer.md5);
        }
    }

    @Override
    public String toString() {
        if (customer != null) {
            return "SSE-C";
        }
        if (mode == null) {
            return "bucket default";
        }
        return mode + (kmsKeyId != null ? " key " + kmsKeyId : "") + (Boolean.TRUE.equals(bucketKey) ? " with bucket key" : "");
    }

    /**
     * An SSE-C key and its MD5, both base64. {@link #toString()} never shows the key.
     *
     * @param base64 the key
     * @param md5 base64 MD5 of the raw key
     */
    public record CustomerKey(String base64, String md5) {
        @Override
        public String toString() {
            return "CustomerKey[not shown]";
        }
    }
}

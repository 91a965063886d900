package dev.checkpointer.store.s3.internal;

import dev.checkpointer.InvalidInputException;
import dev.checkpointer.Payload;
import dev.checkpointer.spi.Condition;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.PartInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompleteMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * One S3 multipart upload. Each part streams with a CRC32C the SDK computes and S3 verifies; the part's checksum is
 * remembered so that CompleteMultipartUpload can list it (S3 requires that once the upload declared an algorithm).
 * The condition given at start is applied at completion: {@code If-None-Match: *} or {@code If-Match}.
 */
final class S3Multipart implements MultipartUpload {
    private final S3ObjectStore store;
    private final String key;
    private final String uploadId;
    private final Condition condition;
    private final Map<Integer, Uploaded> parts = new ConcurrentHashMap<>();

    S3Multipart(S3ObjectStore store, String key, String uploadId, Condition condition) {
        this.store = store;
        this.key = key;
        this.uploadId = uploadId;
        this.condition = condition;
    }

    @Override
    public String key() {
        return key;
    }

    @Override
    public Mono<PartInfo> uploadPart(int number, Payload part) {
        return Mono.defer(() -> {
            store.checkOpen();
            Objects.requireNonNull(part, "part");
            if (number < 1 || number > S3ObjectStore.MAX_PARTS) {
                throw new InvalidInputException("S3 part numbers run from 1 to " + S3ObjectStore.MAX_PARTS + ", got " + number);
            }
            UploadPartRequest.Builder b = UploadPartRequest.builder()
                    .bucket(store.bucket())
                    .key(store.full(key))
                    .uploadId(uploadId)
                    .partNumber(number)
                    .contentLength(part.length())
                    .checksumAlgorithm(ChecksumAlgorithm.CRC32_C);
            store.sse().apply(b);
            UploadPartRequest request = b.build();
            PayloadBody body = new PayloadBody(part, key);
            long size = part.length();
            return S3ObjectStore.call(() -> store.client().uploadPart(request, body))
                    .map(r -> {
                        String etag = S3ObjectStore.etag(r.eTag());
                        parts.put(number, new Uploaded(etag, r.checksumCRC32C(), size));
                        return new PartInfo(number, etag, size);
                    })
                    .onErrorMap(e -> store.failed("uploadPart " + number + " of", key, body, e, S3Errors.Kind.WRITE));
        });
    }

    @Override
    public Mono<ObjectInfo> complete(List<PartInfo> infos) {
        return Mono.defer(() -> {
            store.checkOpen();
            Objects.requireNonNull(infos, "parts");
            if (infos.isEmpty()) {
                throw new InvalidInputException("completing the multipart upload of '" + key + "' needs at least one part");
            }
            List<PartInfo> sorted = new ArrayList<>(infos);
            sorted.sort(Comparator.comparingInt(PartInfo::number));
            List<CompletedPart> completed = new ArrayList<>(sorted.size());
            long total = 0;
            for (int i = 0; i < sorted.size(); i++) {
                PartInfo p = sorted.get(i);
                if (i > 0 && sorted.get(i - 1).number() == p.number()) {
                    throw new InvalidInputException("part " + p.number() + " is listed twice for '" + key + "'");
                }
                Uploaded u = parts.get(p.number());
                if (u == null || !u.etag.equals(S3ObjectStore.etag(p.etag()))) {
                    throw new InvalidInputException("part " + p.number() + " of '" + key + "' (ETag " + p.etag()
                            + ") was not the last one uploaded through this upload");
                }
                completed.add(CompletedPart.builder().partNumber(p.number()).eTag(p.etag()).checksumCRC32C(u.crc32c).build());
                total += u.size;
            }
            CompleteMultipartUploadRequest.Builder b = CompleteMultipartUploadRequest.builder()
                    .bucket(store.bucket())
                    .key(store.full(key))
                    .uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build());
            if (condition instanceof Condition.IfAbsent) {
                b.ifNoneMatch("*");
            } else if (condition instanceof Condition.IfMatch m) {
                b.ifMatch(m.etag());
            }
            store.sse().apply(b);
            CompleteMultipartUploadRequest request = b.build();
            long size = total;
            S3Errors.Kind kind = condition instanceof Condition.IfMatch ? S3Errors.Kind.WRITE_IF_MATCH : S3Errors.Kind.WRITE;
            return S3ObjectStore.call(() -> store.client().completeMultipartUpload(request))
                    .map(r -> new ObjectInfo(key, size, S3ObjectStore.etag(r.eTag()), S3ObjectStore.date(r.sdkHttpResponse())))
                    .onErrorMap(e -> store.map("completeMultipart", key, e, kind));
        });
    }

    @Override
    public Mono<Void> abort() {
        return Mono.defer(() -> {
            store.checkOpen();
            return store.abort(key, uploadId);
        });
    }

    @Override
    public String toString() {
        return "S3Multipart[" + store.describe() + " '" + key + "', upload " + uploadId + "]";
    }

    private record Uploaded(String etag, @Nullable String crc32c, long size) {}
}

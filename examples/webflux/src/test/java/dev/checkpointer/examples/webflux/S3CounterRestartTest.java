package dev.checkpointer.examples.webflux;

import dev.checkpointer.store.s3.S3MockServer;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The restart test against S3 (S3Mock on 127.0.0.1, started once per test JVM by store-s3's launcher). Only the
 * location and the store options differ from the filesystem run.
 */
@ExtendWith(S3MockServer.Extension.class)
class S3CounterRestartTest extends AbstractCounterRestartTest {
    private final String prefix = "counters-" + UUID.randomUUID();

    @Override
    List<String> storeProperties() {
        S3MockServer s3 = S3MockServer.get();
        return List.of("checkpointer.location=s3://" + S3MockServer.BUCKET + "/" + prefix,
                "checkpointer.options.endpoint=" + s3.endpoint(),
                "checkpointer.options.region=us-east-1",
                "checkpointer.options.accessKeyId=" + S3MockServer.ACCESS_KEY,
                "checkpointer.options.secretAccessKey=" + S3MockServer.SECRET_KEY);
    }

    @Override
    String scheme() {
        return "s3";
    }
}

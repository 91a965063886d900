package dev.checkpointer.examples.kafka;

import dev.checkpointer.store.s3.S3MockServer;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The kill test with checkpoints on S3 (Adobe S3Mock, started by store-s3's launcher as a separate process on
 * 127.0.0.1). The job reaches it over HTTP with the store's own options.
 */
@ExtendWith(S3MockServer.Extension.class)
class S3KillTest extends AbstractKillTest {
    @Override
    String store() {
        return "s3";
    }

    @Override
    List<String> location(String name) {
        S3MockServer s3 = S3MockServer.get();
        return List.of("location=s3://" + S3MockServer.BUCKET + "/kafka-example/" + name,
                "store.endpoint=" + s3.endpoint(), "store.region=us-east-1",
                "store.accessKeyId=" + S3MockServer.ACCESS_KEY, "store.secretAccessKey=" + S3MockServer.SECRET_KEY);
    }

    @Override
    int kills() {
        return Integer.getInteger("kill.count.s3", Integer.getInteger("kill.count", 22));
    }
}

package dev.checkpointer.store.s3;

import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.testkit.IncrementalCheckpointContract;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Incremental checkpoints end to end on S3Mock: unchanged state uploads no chunk bytes, a 1% change about 1% plus
 * chunk boundaries, zstd chunks, and retention leaving exactly the kept checkpoints' chunks in the bucket.
 */
@ExtendWith(S3MockServer.Extension.class)
class S3IncrementalCheckpointTest extends IncrementalCheckpointContract {
    @Override
    protected ObjectStore openStore(String location) {
        return S3MockServer.get().store("checkpointer/" + location).build();
    }

    @Override
    protected String emulator() {
        return "S3Mock";
    }
}

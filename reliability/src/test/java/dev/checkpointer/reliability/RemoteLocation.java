package dev.checkpointer.reliability;

import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import java.util.ArrayList;
import java.util.List;

/**
 * What the locations on a server (S3Mock, Azurite, FakeGcsServer) share: every store handle they open is tracked and
 * closed with the location, and listings go through one long-lived handle (a handle per listing would build an SDK
 * client each time).
 */
abstract class RemoteLocation implements Location {
    private final List<ObjectStore> opened = new ArrayList<>();
    private ObjectStore observer;

    /**
     * Remembers a handle so that {@link #closeHandles()} closes it.
     *
     * @param store a handle just opened
     * @return the handle
     */
    protected final synchronized ObjectStore track(ObjectStore store) {
        opened.add(store);
        return store;
    }

    /**
     * The long-lived handle used for listings and clean-up, opened on first use.
     *
     * @return the handle
     */
    protected final synchronized ObjectStore observer() {
        if (observer == null) {
            observer = open();
        }
        return observer;
    }

    @Override
    public synchronized List<String> keys() {
        return observer().list("").map(ObjectInfo::key).sort().collectList().block(Workload.TIMEOUT);
    }

    /** Closes every handle opened so far, the observer included. */
    protected final synchronized void closeHandles() {
        try {
            opened.forEach(ObjectStore::close);
        } finally {
            opened.clear();
            observer = null;
        }
    }
}

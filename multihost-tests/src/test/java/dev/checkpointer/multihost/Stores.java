package dev.checkpointer.multihost;

import dev.checkpointer.Payload;
import dev.checkpointer.spi.MultipartUpload;
import dev.checkpointer.spi.ObjectInfo;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.PutOptions;
import dev.checkpointer.spi.StoreLocation;
import dev.checkpointer.spi.ForwardingObjectStore;
import java.net.URI;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Mono;

/** Opens a store by URI (any store module on the class path) and wraps it to observe or interrupt a process. */
final class Stores {
    /** The pointer key (relative to the store's root). */
    static final String LATEST = "_latest";

    private Stores() {}

    /**
     * Opens the store for a URI through the store modules' {@link ObjectStoreProvider}s, as
     * {@code Checkpointer.open} does, so a wrapper can go between the store and the checkpointer. Query parameters
     * become store options.
     */
    static ObjectStore open(String uri) {
        URI parsed = URI.create(uri);
        for (ObjectStoreProvider p : ServiceLoader.load(ObjectStoreProvider.class)) {
            if (p.supports(parsed)) {
                return p.open(parsed, StoreLocation.parseQuery(parsed.getRawQuery()));
            }
        }
        throw new IllegalStateException("no store module on the class path handles " + parsed.getScheme() + ":");
    }

    /** Announces ({@code PUT key}) every upload under {@code checkpoints/} when it starts, before any byte moves. */
    static ObjectStore announcing(ObjectStore store) {
        return new ForwardingObjectStore(store) {
            @Override
            public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
                return Mono.defer(() -> {
                    announce(key);
                    return delegate().put(key, payload, options);
                });
            }

            @Override
            public Mono<MultipartUpload> startMultipart(String key, PutOptions options) {
                return Mono.defer(() -> {
                    announce(key);
                    return delegate().startMultipart(key, options);
                });
            }

            private void announce(String key) {
                if (key.startsWith("checkpoints/")) {
                    Wire.say("PUT " + key);
                }
            }
        };
    }

    /**
     * Kills the process at one exact point of a commit: after a manifest was written and before {@code _latest} is
     * (the pointer write that claims an epoch, which precedes the manifest, passes). Prints {@code HALT ...} first.
     */
    static ObjectStore haltingBeforePointer(ObjectStore store) {
        AtomicReference<String> manifest = new AtomicReference<>();
        return new ForwardingObjectStore(store) {
            @Override
            public Mono<ObjectInfo> put(String key, Payload payload, PutOptions options) {
                if (key.equals(LATEST)) {
                    return Mono.defer(() -> {
                        String written = manifest.get();
                        if (written != null) {
                            Wire.say("HALT before moving " + LATEST + ", after writing " + written);
                            Wire.exit(Wire.EXIT_HALTED);
                        }
                        return delegate().put(key, payload, options);
                    });
                }
                Mono<ObjectInfo> put = delegate().put(key, payload, options);
                return key.endsWith("/manifest.json") ? put.doOnSuccess(info -> manifest.set(key)) : put;
            }
        };
    }
}

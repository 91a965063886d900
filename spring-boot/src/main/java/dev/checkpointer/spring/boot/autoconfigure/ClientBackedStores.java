package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.spi.ObjectStore;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.lang.Nullable;

/**
 * Builds the store for one scheme over an SDK client bean of the application ({@code S3AsyncClient},
 * {@code BlobServiceAsyncClient} / {@code BlobContainerAsyncClient}, GCS {@code Storage}) instead of letting the store
 * module build (and own) a client of its own. The store never closes a client it was given. One implementation per
 * store module, each registered only when that module and its SDK are on the class path, so this type and the
 * auto-configuration never touch an absent SDK.
 */
interface ClientBackedStores {

    /**
     * The location scheme served.
     *
     * @return e.g. {@code s3}
     */
    String scheme();

    /**
     * What the store is built over, for messages.
     *
     * @return e.g. {@code the S3AsyncClient bean}
     */
    String client();

    /**
     * Builds the store over the application's client.
     *
     * @param uri {@code checkpointer.location}
     * @param options the store options (query parameters and {@code checkpointer.options}, merged)
     * @return the store, or null when the context has no client of this kind
     * @throws CheckpointerConfigurationException when several clients qualify and none is primary
     * @throws dev.checkpointer.CheckpointException when the store refuses the location or options
     */
    @Nullable
    ObjectStore open(URI uri, Map<String, String> options);

    /**
     * The one client bean of a type: the only one, or the {@code @Primary} one among several.
     *
     * @param <T> the client type
     * @param clients the beans
     * @param type the simple type name, for the message
     * @return the client, or null when there is none
     * @throws CheckpointerConfigurationException when there are several and none is primary
     */
    static <T> @Nullable T unique(ObjectProvider<T> clients, String type) {
        T one = clients.getIfUnique();
        if (one != null) {
            return one;
        }
        List<T> all = clients.stream().toList();
        if (all.size() > 1) {
            throw new CheckpointerConfigurationException("the context has " + all.size() + " " + type
                    + " beans and none is @Primary, so the checkpointer cannot tell which one its store should use",
                    "Mark one " + type + " bean @Primary, or define an ObjectStore bean for the checkpointer, or set "
                            + "checkpointer.use-client-beans=false to let the store module build its own client from checkpointer.options.", null);
        }
        return null;
    }
}

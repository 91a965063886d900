package dev.checkpointer.spring.boot.autoconfigure;

import dev.checkpointer.CheckpointException;
import dev.checkpointer.CheckpointListener;
import dev.checkpointer.Checkpointer;
import dev.checkpointer.CheckpointerBuilder;
import dev.checkpointer.spi.ObjectStore;
import dev.checkpointer.spi.ObjectStoreProvider;
import dev.checkpointer.spi.ObjectStores;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ResourceLoader;

/**
 * Auto-configures an {@link ObjectStore} from {@code checkpointer.location} and a {@link Checkpointer} over it. Both
 * back off when the application defines its own bean of the type. Listener beans ({@link CheckpointListener}),
 * {@link ObjectStoreDecorator}s and {@link CheckpointerBuilderCustomizer}s are applied in order. When the location's
 * provider is S3, Azure Blob or GCS and the application defines that SDK's client as a bean, the store is built over
 * it (see {@code checkpointer.use-client-beans}). Turned off with {@code checkpointer.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnClass(Checkpointer.class)
@ConditionalOnProperty(prefix = "checkpointer", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(CheckpointerProperties.class)
public class CheckpointerAutoConfiguration {

    /** Used by Spring. */
    public CheckpointerAutoConfiguration() {}

    /**
     * The store named by {@code checkpointer.location}, with {@code checkpointer.options.*} and the typed group of the
     * location's provider ({@code checkpointer.s3.*}, {@code checkpointer.azure.*}, {@code checkpointer.gcs.*},
     * {@code checkpointer.filesystem.*}) as store options: built over the application's SDK client bean for that
     * provider when there is one (and {@code checkpointer.use-client-beans} is not false), else opened through the
     * store module for its scheme, which then owns its client. A store never closes a client bean: the context does.
     * Not created when the application defines an {@code ObjectStore} or a {@code Checkpointer} of its own.
     *
     * @param properties the settings
     * @param resourceLoader gives the application's class loader, where store modules are looked for
     * @param clientStores one per store module present whose SDK client the application may supply
     * @return the store; closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean({ObjectStore.class, Checkpointer.class})
    public ObjectStore checkpointerObjectStore(CheckpointerProperties properties, ResourceLoader resourceLoader,
            ObjectProvider<ClientBackedStores> clientStores) {
        ClassLoader cl = resourceLoader.getClassLoader() != null ? resourceLoader.getClassLoader() : CheckpointerAutoConfiguration.class.getClassLoader();
        List<ClientBackedStores> clients = properties.isUseClientBeans() ? clientStores.orderedStream().toList() : List.of();
        return openStore(properties.getLocation(), StoreOptionsResolver.resolve(properties), cl, clients);
    }

    /**
     * Opens the store {@code checkpointer.location} names: over an SDK client bean of the application when one of
     * {@code clients} serves the scheme, otherwise through the store registry ({@link ObjectStores}) of the
     * application's class loader. Only the wording is the starter's: every failure is explained in terms of
     * properties and Maven artifacts.
     *
     * @param location the URI; may be null or blank (refused)
     * @param options store options; they override query parameters of the same name, however spelt
     * @param classLoader where store modules are looked for
     * @param clients the client-backed builders of the store modules present
     * @return the opened store, owned by the caller
     * @throws CheckpointerConfigurationException when the location is missing or malformed, no module handles its
     *     scheme, or the module refuses the location or options
     */
    static ObjectStore openStore(@Nullable String location, Map<String, String> options, ClassLoader classLoader, List<ClientBackedStores> clients) {
        if (location == null || location.isBlank()) {
            throw new CheckpointerConfigurationException("checkpointer.location is not set",
                    "Set checkpointer.location to a store URI such as file:./checkpoints, memory://demo, s3://bucket/prefix, "
                            + "gs://bucket/prefix or azblob://container/prefix, or define an ObjectStore or Checkpointer bean, "
                            + "or set checkpointer.enabled=false.", null);
        }
        URI uri;
        try {
            uri = new URI(location.trim());
        } catch (URISyntaxException e) {
            throw badLocation("is not a valid URI (" + e.getReason() + " at index " + e.getIndex() + ")", e);
        }
        if (uri.getScheme() == null) {
            throw badLocation("has no scheme", null);
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        Map<String, String> merged;
        try {
            merged = ObjectStores.options(uri, options);
        } catch (CheckpointException e) {
            throw badLocation("has a malformed query: " + e.getMessage(), e);
        }
        for (ClientBackedStores client : clients) {
            if (client.scheme().equals(scheme)) {
                ObjectStore store;
                try {
                    store = client.open(uri, merged);
                } catch (CheckpointerConfigurationException e) {
                    throw e;
                } catch (CheckpointException e) {
                    throw new CheckpointerConfigurationException("the " + scheme + " store over " + client.client()
                            + " refused checkpointer.location or its options (checkpointer.options.* or the provider's typed group): " + e.getMessage(),
                            "Configure region, endpoint, account and credentials on the client bean rather than in checkpointer.options, "
                                    + "or set checkpointer.use-client-beans=false to let the store module build its own client.", e);
                }
                if (store != null) {
                    return store;
                }
            }
        }
        Optional<ObjectStoreProvider> provider = ObjectStores.provider(uri, classLoader);
        if (provider.isEmpty()) {
            List<String> found = ObjectStores.schemes(classLoader);
            Optional<String> module = ObjectStores.moduleFor(scheme);
            throw new CheckpointerConfigurationException("no store module on the class path handles scheme '" + scheme + "' of checkpointer.location"
                    + " (schemes available: " + (found.isEmpty() ? "none" : String.join(", ", found)) + ")",
                    module.isPresent()
                            ? "Add the dependency " + module.get() + " to the application, or change checkpointer.location."
                            : "Use one of the supported schemes (file, memory, s3, gs, azblob) in checkpointer.location, or add a store module for '"
                                    + scheme + "'.", null);
        }
        try {
            return provider.get().open(uri, merged);
        } catch (CheckpointException e) {
            throw new CheckpointerConfigurationException("the " + scheme + " store refused checkpointer.location or its options "
                    + "(checkpointer.options.* or the provider's typed group): " + e.getMessage(),
                    "Correct checkpointer.location / checkpointer.options / the provider's checkpointer.<provider>.* properties "
                            + "(see the store module's documentation).", e);
        }
    }

    private static CheckpointerConfigurationException badLocation(String problem, @Nullable Throwable cause) {
        return new CheckpointerConfigurationException("checkpointer.location " + problem,
                "Set checkpointer.location to a store URI such as file:./checkpoints, file:///var/lib/app/checkpoints, memory://demo, "
                        + "s3://bucket/prefix, gs://bucket/prefix or azblob://container/prefix.", cause);
    }

    /**
     * The checkpointer, over the store bean (decorated), configured from the properties, then by the listener beans
     * and the customizers. It does not close the store bean; the context does.
     *
     * @param properties the settings
     * @param store the store bean
     * @param listeners listener beans
     * @param decorators store decorators
     * @param customizers builder customizers
     * @return the checkpointer; closed with the context
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Checkpointer checkpointer(CheckpointerProperties properties, ObjectStore store, ObjectProvider<CheckpointListener> listeners,
            ObjectProvider<ObjectStoreDecorator> decorators, ObjectProvider<CheckpointerBuilderCustomizer> customizers) {
        ObjectStore decorated = store;
        for (ObjectStoreDecorator d : decorators.orderedStream().toList()) {
            decorated = d.decorate(decorated);
        }
        CheckpointerBuilder builder = Checkpointer.builder().store(decorated);
        try {
            apply(properties, builder);
        } catch (CheckpointException e) {
            throw new CheckpointerConfigurationException("invalid checkpointer.* setting: " + e.getMessage(),
                    "Correct the checkpointer.* property named in the message.", e);
        }
        listeners.orderedStream().forEach(builder::listener);
        customizers.orderedStream().forEach(c -> c.customize(builder));
        return builder.build();
    }

    /** Stores over the application's {@code S3AsyncClient}, when checkpointer-store-s3 is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.checkpointer.store.s3.S3Store", "software.amazon.awssdk.services.s3.S3AsyncClient"})
    static class S3Clients {
        @Bean
        ClientBackedStores checkpointerS3ClientStores(ObjectProvider<software.amazon.awssdk.services.s3.S3AsyncClient> clients) {
            return new S3ClientBackedStores(clients);
        }
    }

    /** Stores over the application's Azure blob clients, when checkpointer-store-azure is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.checkpointer.store.azure.AzureBlobStore", "com.azure.storage.blob.BlobContainerAsyncClient"})
    static class AzureClients {
        @Bean
        ClientBackedStores checkpointerAzureClientStores(ObjectProvider<com.azure.storage.blob.BlobContainerAsyncClient> containers,
                ObjectProvider<com.azure.storage.blob.BlobServiceAsyncClient> services) {
            return new AzureClientBackedStores(containers, services);
        }
    }

    /** Stores over the application's GCS {@code Storage}, when checkpointer-store-gcs is present. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.checkpointer.store.gcs.GcsStore", "com.google.cloud.storage.Storage"})
    static class GcsClients {
        @Bean
        ClientBackedStores checkpointerGcsClientStores(ObjectProvider<com.google.cloud.storage.Storage> clients) {
            return new GcsClientBackedStores(clients);
        }
    }

    static void apply(CheckpointerProperties p, CheckpointerBuilder b) {
        b.maxConcurrentUploads(p.getMaxConcurrentUploads());
        b.inlineThreshold(toInt("inline-threshold", p.getInlineThreshold().toBytes()));
        b.maxInlineBytes(toInt("max-inline-bytes", p.getMaxInlineBytes().toBytes()));
        b.partSize(p.getPartSize().toBytes());
        b.orphanGracePeriod(p.getOrphanGracePeriod());
        b.operationTimeout(p.getOperationTimeout());
        b.retry(p.getRetry().toSettings());
        b.retention(p.getRetention().toRetention());
        // zstd-jni is looked for where the engine loads it from.
        b.chunking(p.getChunking().toChunking(dev.checkpointer.Chunking.class.getClassLoader()));
        if (p.getWriterId() != null) {
            b.writerId(p.getWriterId());
        }
        if (p.getExpectFingerprint() != null) {
            b.expectFingerprint(p.getExpectFingerprint());
        }
    }

    private static int toInt(String name, long bytes) {
        if (bytes > Integer.MAX_VALUE || bytes < 0) {
            throw new dev.checkpointer.InvalidInputException(name + " is out of range: " + bytes + " bytes");
        }
        return (int) bytes;
    }
}
